// Mocha root hooks: one context manager and propagator for the whole run, as
// an app has them; and a guard against a run that never ends.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

/** How long the process may stay alive after the last test before it counts as a leak. */
const LEAK_GRACE_MS = 15_000;

export const mochaHooks = {
  /**
   * Mocha waits for the event loop to empty: a socket or timer a test left
   * open would keep the run alive for ever (in CI, until its time limit).
   * This unref'd timer only fires when something else keeps the process up:
   * it names what is open and fails the run.
   */
  afterAll(): void {
    setTimeout(() => {
      process.stderr.write(
        `test run still alive ${LEAK_GRACE_MS / 1000} s after the last test: a test left ` +
          `these open: ${process.getActiveResourcesInfo().join(', ')}\n`,
      );
      // Mocha sets the exit code from its failure count in an 'exit' listener; this one runs
      // after it.
      process.on('exit', () => {
        process.exitCode = 1;
      });
      process.exit(1);
    }, LEAK_GRACE_MS).unref();
  },
};

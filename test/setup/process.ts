/**
 * Child processes for the setup tests: started with `node`, they print one
 * JSON line per event; tests await events instead of sleeping.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/setup/', import.meta.url));

export type Event = { event?: string; [k: string]: unknown };

export interface Child {
  child: ChildProcess;
  events: Event[];
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first event named `name` (already received or to come). */
  waitFor(name: string, timeoutMs?: number): Promise<Event>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The setup tests run the built package (dist/), as an app gets it. Fails with
 * a clear message when the build is missing or older than the sources.
 */
export function requireBuild(): void {
  for (const [src, out] of [
    ['src/setup/setup.ts', 'dist/esm/setup/setup.js'],
    ['src/setup/setup.ts', 'dist/cjs/setup/setup.js'],
    ['src/register.ts', 'dist/esm/register.js'],
    ['src/setup/config.ts', 'dist/cjs/setup/config.js'],
    ['src/setup/shutdown.ts', 'dist/cjs/setup/shutdown.js'],
    ['src/instrument/traced.ts', 'dist/esm/instrument/traced.js'],
  ] as const) {
    const o = `${REPO}${out}`;
    if (!existsSync(o)) throw new Error(`${out} is missing: run \`npm run build\` first`);
    if (statSync(`${REPO}${src}`).mtimeMs > statSync(o).mtimeMs) {
      throw new Error(`${out} is older than ${src}: run \`npm run build\` first`);
    }
  }
}

export function startNode(
  args: string[],
  env: Record<string, string | undefined>,
  cwd = REPO,
): Child {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Settings of the parent's tracing must not leak into the app under test.
    if (
      v !== undefined &&
      !k.startsWith('OTEL_') &&
      !k.startsWith('AWS_') &&
      k !== 'NODE_OPTIONS' &&
      k !== '_X_AMZN_TRACE_ID'
    ) {
      childEnv[k] = v;
    }
  }
  childEnv.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  const child = spawn(process.execPath, args, {
    cwd,
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: Event[] = [];
  let out = '';
  let err = '';
  let partial = '';
  const waiters: Array<{ name: string; resolve: (e: Event) => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      let e: Event;
      try {
        e = JSON.parse(line) as Event;
      } catch {
        continue;
      }
      events.push(e);
      for (const w of waiters.filter((w) => w.name === e.event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  child.stderr.on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) =>
      resolve({ code, signal }),
    ),
  );
  return {
    child,
    events,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor(name, timeoutMs = 15_000) {
      const found = events.find((e) => e.event === name);
      if (found) return Promise.resolve(found);
      return new Promise<Event>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${name}" event; stdout: ${out}\nstderr: ${err}`)),
          timeoutMs,
        );
        const settle = (e: Event): void => {
          clearTimeout(timer);
          resolve(e);
        };
        waiters.push({ name, resolve: settle });
        void exit.then(() => {
          // the process ended without the event
          const w = waiters.find((x) => x.resolve === settle);
          if (w !== undefined) {
            waiters.splice(waiters.indexOf(w), 1);
            clearTimeout(timer);
            reject(new Error(`exited without a "${name}" event; stdout: ${out}\nstderr: ${err}`));
          }
        });
      });
    },
  };
}

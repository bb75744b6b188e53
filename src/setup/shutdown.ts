/**
 * Flushing at the end of a process without changing how it ends.
 *
 * - `beforeExit` (the event loop is empty): spans ended since the last flush
 *   are flushed. The flush adds work to the loop, so `beforeExit` fires again
 *   afterwards; with nothing new to flush the process then exits as it would
 *   have. A referenced timer bounds the flush and keeps the loop alive while
 *   it runs (the exporter's socket and timers are `unref()`ed).
 * - SIGTERM and SIGINT: Node's default is to die by the signal. Listening for
 *   a signal disables that default, so:
 *   - if the app has no listener of its own, the provider is shut down
 *     (flushed), our listener removed, and the signal raised again: the
 *     process dies by it as it would have (exit status 128 + n), only later;
 *   - if the app listens too, it decides what happens; we only flush.
 *   A second signal during the flush finds no listener of ours and takes the
 *   default path at once.
 */
export interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** True when spans ended since the last flush started. */
  pending(): boolean;
  /** Called when a flush starts: what is pending now is being flushed. */
  markFlushed(): void;
}

export const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Runs `work` with a referenced timer that keeps the process alive, at most `timeoutMs`. */
function bounded(work: () => Promise<void>, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    let p: Promise<void>;
    try {
      p = work();
    } catch {
      p = Promise.resolve();
    }
    p.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Installs the hooks; returns a function that removes them. */
export function installShutdownHooks(target: Flushable, timeoutMs: number): () => void {
  let flushing = false;

  const onBeforeExit = (): void => {
    if (flushing || !target.pending()) return;
    flushing = true;
    target.markFlushed();
    void bounded(() => target.forceFlush(), timeoutMs).then(() => {
      flushing = false;
    });
  };

  type Signal = (typeof SIGNALS)[number];
  const handlers = {} as Record<Signal, () => void>;
  const onSignal = (signal: Signal): void => {
    const others = process.listeners(signal).filter((l) => l !== handlers[signal]).length;
    target.markFlushed();
    if (others > 0) {
      void bounded(() => target.forceFlush(), timeoutMs);
      return;
    }
    process.removeListener(signal, handlers[signal]);
    void bounded(() => target.shutdown(), timeoutMs).then(() => {
      try {
        process.kill(process.pid, signal);
      } catch {
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      }
    });
  };
  for (const s of SIGNALS) handlers[s] = () => onSignal(s);

  process.on('beforeExit', onBeforeExit);
  for (const s of SIGNALS) process.on(s, handlers[s]);
  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    for (const s of SIGNALS) process.removeListener(s, handlers[s]);
  };
}

// Helpers shared by the benchmark orchestrator and its child processes:
// pinned child processes with an IPC channel, request/response over IPC,
// small statistics, and a description of the machine.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const ROOT_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** The core the measured app runs on, and the core for everything else. */
export const APP_CORE = 0;
export const AUX_CORE = 1;

let tasksetChecked;
/** True when `taskset` (util-linux) can pin processes and there are 2+ cores. */
export function canPin() {
  if (tasksetChecked === undefined) {
    tasksetChecked = os.availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
  }
  return tasksetChecked;
}

/**
 * Starts `node <script> ...args` with an IPC channel, pinned to `core` when
 * possible. `taskset` execs node with the same file descriptors and
 * environment, so the IPC channel (fd 3, NODE_CHANNEL_FD) passes through, and
 * every thread node starts (GC, libuv) inherits the affinity.
 */
export function startChild(script, args = [], { core, nodeArgs = [], env = {} } = {}) {
  const argv = [
    ...nodeArgs,
    fileURLToPath(new URL(script, new URL('../', import.meta.url))),
    ...args,
  ];
  const pinned = core !== undefined && canPin();
  const child = spawn(
    pinned ? 'taskset' : process.execPath,
    pinned ? ['-c', String(core), process.execPath, ...argv] : argv,
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
      cwd: BENCH_DIR,
    },
  );
  return child;
}

/** Waits for the next IPC message of `type` from `child` (bounded by `timeoutMs`). */
export function nextMessage(child, type, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${type}"`));
    }, timeoutMs);
    const onMessage = (m) => {
      if (m?.type !== type) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`child exited (${code ?? signal}) while waiting for "${type}"`));
    };
    const onError = (err) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

/** Sends `{type, ...payload}` and waits for the reply of type `${type}:done`. */
export async function request(child, type, payload = {}, timeoutMs = 120_000) {
  const reply = nextMessage(child, `${type}:done`, timeoutMs);
  child.send({ type, ...payload });
  const m = await reply;
  if (m.error) throw new Error(`${type} failed in child: ${m.error}`);
  return m;
}

/**
 * In a child: answers `{type}` requests with `handler(message)`'s result as
 * `{type: `${type}:done`, ...result}` (or `{error}`).
 */
export function serve(handlers) {
  const reply = (m) => {
    if (process.connected) process.send(m);
  };
  process.on('message', async (m) => {
    const handler = handlers[m?.type];
    if (handler === undefined) return;
    if (m.type === 'exit') {
      // No reply: the handler closes what it opened and drops the channel.
      await handler(m);
      return;
    }
    try {
      const result = (await handler(m)) ?? {};
      reply({ ...result, type: `${m.type}:done` });
    } catch (err) {
      reply({ type: `${m.type}:done`, error: err?.stack ?? String(err) });
    }
  });
}

/** Ends a child we started: asks it to exit, then kills it (by its own pid) if it lingers. */
export async function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  try {
    child.send({ type: 'exit' });
  } catch {
    // the channel is already closed
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function median(xs) {
  const a = xs.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  if (a.length === 0) return NaN;
  const mid = a.length >> 1;
  return a.length % 2 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
}

export function min(xs) {
  return Math.min(...xs.filter((x) => Number.isFinite(x)));
}

export function max(xs) {
  return Math.max(...xs.filter((x) => Number.isFinite(x)));
}

/** Fisher–Yates shuffle of a copy (orders modes differently in each round). */
export function shuffled(xs) {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The machine, for the report header. */
export function machineInfo() {
  let cpuModel = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    cpuModel = os.cpus()[0]?.model ?? 'unknown';
  }
  return {
    cpuModel,
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg().map((x) => x.toFixed(2)),
    pinned: canPin(),
  };
}

/** Versions of the packages the benches use, read from their package.json files. */
export function packageVersions(names) {
  const out = {};
  for (const name of names) {
    try {
      const dir = name === 'otel-xray' ? ROOT_DIR : `${BENCH_DIR}node_modules/${name}/`;
      out[name] = JSON.parse(readFileSync(`${dir}package.json`, 'utf8')).version;
    } catch {
      out[name] = '?';
    }
  }
  return out;
}

// Helpers shared by the benchmark orchestrator and its child processes:
// pinned child processes with an IPC channel, request/response over IPC,
// small statistics, and a description of the machine.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { GCProfiler, getHeapStatistics } from 'node:v8';
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
export function startChild(
  script,
  args = [],
  { core, nodeArgs = [], env = {}, pipeStdout = false } = {},
) {
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
      stdio: ['ignore', pipeStdout ? 'pipe' : 'inherit', 'inherit', 'ipc'],
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

/**
 * What the kernel's scheduler has charged to every thread of `pid` so far,
 * summed over /proc/<pid>/task/<tid>/schedstat: `runNs`, time on a CPU (the
 * first field; exact, unlike tick-sampled getrusage/cpuUsage), and `waitNs`,
 * time runnable but waiting for a CPU (the second field: other processes had
 * the core). Threads that ended are not counted, so read it around a window
 * in which the process's threads stay the same (node's threads live as long
 * as it does). NaN where /proc has no schedstat (not Linux, or schedstats off).
 */
export function schedstat(pid) {
  let runNs = 0;
  let waitNs = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const f = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
        runNs += Number(f[0]);
        waitNs += Number(f[1]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
  } catch {
    return { runNs: NaN, waitNs: NaN };
  }
  return { runNs, waitNs };
}

/** A small seeded generator (mulberry32), so that a report's intervals can be recomputed. */
export function seededRandom(seed = 0x5eed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A percentile-bootstrap 95 % interval around `point`: `statistic(pick)` is
 * computed `iterations` times, `pick()` each time drawing one of the `n`
 * items with replacement. Returns { median: point, lo, hi, n, halfWidth }
 * (halfWidth: the larger distance from the point to either end).
 */
function bootstrapCI(point, n, statistic, { iterations = 4000, seed = 0x5eed } = {}) {
  if (n < 2) return { median: point, lo: NaN, hi: NaN, n, halfWidth: NaN };
  const random = seededRandom(seed);
  const pick = () => Math.floor(random() * n);
  const values = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) values[i] = statistic(pick);
  values.sort();
  const lo = values[Math.floor(0.025 * iterations)];
  const hi = values[Math.min(iterations - 1, Math.ceil(0.975 * iterations) - 1)];
  return { median: point, lo, hi, n, halfWidth: Math.max(point - lo, hi - point) };
}

/**
 * The median of `xs` with a percentile-bootstrap 95 % interval (resampling
 * the values with replacement). Non-finite values are left out.
 */
export function medianCI(xs, options) {
  const a = xs.filter((x) => Number.isFinite(x));
  const n = a.length;
  const sample = new Float64Array(n);
  return bootstrapCI(
    median(a),
    n,
    (pick) => {
      for (let j = 0; j < n; j++) sample[j] = a[pick()];
      sample.sort();
      return n % 2 ? sample[n >> 1] : (sample[(n >> 1) - 1] + sample[n >> 1]) / 2;
    },
    options,
  );
}

/**
 * The ratio of two medians, median(num) ÷ median(den), of paired values (the
 * i-th of each from the same round), with a percentile-bootstrap 95 %
 * interval that resamples rounds (pairs) with replacement. For a ratio of two
 * differences (each mode's extra CPU over a baseline) this is the sound
 * statistic: a per-round ratio explodes, or flips sign, whenever a round's
 * denominator comes out near zero or below it, and the median of such ratios
 * can land far from both medians' ratio. A resample whose median denominator
 * is not positive has no ratio: it counts as +∞, so the interval is
 * unbounded above (not resolved) when that happens in more than 2.5 % of
 * them. Returns { median, lo, hi, n, halfWidth } like {@link medianCI};
 * `median` is NaN when the denominators' own median is not positive.
 */
export function ratioOfMediansCI(num, den, options) {
  const pairs = [];
  for (let i = 0; i < Math.min(num.length, den.length); i++) {
    if (Number.isFinite(num[i]) && Number.isFinite(den[i])) pairs.push([num[i], den[i]]);
  }
  const n = pairs.length;
  const ratio = (ns, ds) => {
    const d = median(ds);
    return d > 0 ? median(ns) / d : Infinity;
  };
  const point = ratio(
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );
  const ns = new Array(n);
  const ds = new Array(n);
  return bootstrapCI(
    Number.isFinite(point) ? point : NaN,
    n,
    (pick) => {
      for (let j = 0; j < n; j++) {
        const p = pairs[pick()];
        ns[j] = p[0];
        ds[j] = p[1];
      }
      return ratio(ns, ds);
    },
    options,
  );
}

/** The p-quantile (0–1) of an ascending array, nearest rank. */
export function quantile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Milliseconds core `core` has been busy since boot (user, nice, system, irq,
 * softirq and steal ticks of /proc/stat, at USER_HZ = 100), for what other
 * processes (or the hypervisor) took from the app's core during a window.
 * Tick-sampled: good to a few ticks over a window of seconds. NaN off Linux.
 */
export function coreBusyMs(core) {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${core} `));
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0)) * 10;
  } catch {
    return NaN;
  }
}

/** Where {@link heapAllocated} keeps each result, so that the call cannot be optimised away. */
let _kept;

/**
 * Bytes allocated on V8's heap by `iterations` calls of `fn`: the heap's used
 * size grows by what is allocated and shrinks only in a GC, so the allocation
 * is the sum of the growth between GCs (used before each GC − used after the
 * previous one, as the GC profiler reports them) plus the growth after the
 * last GC. Buffers' memory outside the heap (the datagrams) is not in it.
 */
export function heapAllocated(fn, iterations) {
  const profiler = new GCProfiler();
  profiler.start();
  const used0 = getHeapStatistics().used_heap_size;
  for (let i = 0; i < iterations; i++) _kept = fn();
  const used1 = getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  _kept = undefined;
  let bytes = 0;
  let prev = used0;
  for (const gc of statistics) {
    bytes += gc.beforeGC.heapStatistics.usedHeapSize - prev;
    prev = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return { bytes: bytes + used1 - prev, gcs: statistics.length };
}

/**
 * A UDP listener in a process of its own (pinned to `core` when given), with
 * the kernel's default receive buffer, counting what it receives: as the
 * levers send to a daemon. `received()` asks it for its count so far.
 */
export async function startCountingListener({ core } = {}) {
  const script =
    `const s=require('node:dgram').createSocket('udp4');let n=0;s.on('message',()=>n++);` +
    `s.bind(0,'127.0.0.1',()=>process.send(s.address().port));process.on('message',()=>process.send(n));`;
  const child =
    core === undefined
      ? spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : spawn('taskset', ['-c', String(core), process.execPath, '-e', script], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
  const [port] = await once(child, 'message');
  return {
    port,
    received: async () => {
      child.send('count');
      const [count] = await once(child, 'message');
      return count;
    },
    kill: () => child.kill(),
  };
}

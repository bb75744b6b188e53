// Preloaded (`node --import`) into one extra run of the profile step: wraps
// JSON.stringify to time every call directly, as a cross-check of what the
// sampling profiler attributes to it (samples inside V8 builtins are hard to
// attribute exactly). The wrapper adds two clock reads per call.
const original = JSON.stringify;
const totals = { ms: 0, calls: 0, chars: 0 };
JSON.stringify = function stringify(...args) {
  const t0 = performance.now();
  const out = original.apply(this, args);
  totals.ms += performance.now() - t0;
  totals.calls++;
  totals.chars += typeof out === 'string' ? out.length : 0;
  return out;
};
globalThis.__benchStringify = {
  reset() {
    totals.ms = totals.calls = totals.chars = 0;
  },
  read: () => ({ ...totals }),
};

// Mocha's spec reporter plus one closing line in the plain form CI reads:
// "<pass>: N passed, N failed". The pass name comes from COMPAT_PASS.
// Mocha is resolved from the compat package being run (the working directory),
// never from the repo root, so one mocha instance runs the pass.
'use strict';
const Mocha = require(require.resolve('mocha', { paths: [process.cwd()] }));

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? this.stats;
      const name = process.env.COMPAT_PASS || 'mocha';
      process.stdout.write(
        `\n${name}: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`,
      );
    });
  }
}

module.exports = SpecWithSummary;

// A minimal test harness for the node check scripts (no dependencies): test(name, fn)
// registers a check; run() executes them, prints failures and "N passed, M failed", and sets
// a non-zero exit code on any failure.

const checks = [];

export function test(name, fn) {
  checks.push({ name, fn });
}

export function run() {
  let passed = 0;
  let failed = 0;
  for (const { name, fn } of checks) {
    try {
      fn();
      passed += 1;
    } catch (error) {
      failed += 1;
      console.log(`FAIL ${name}: ${error?.stack ?? error}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

/**
 * `npm test`: everything, in order: system tools, type-check, formatting, lint, unit + integration (vitest),
 * end-to-end (Playwright + Debian Chromium against `axewallet serve`). Ends with one summary line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { ensureNative } from './build-native.mjs';
import { ensureSystemPackages } from './system-deps.mjs';

ensureSystemPackages();
ensureNative();
mkdirSync('test-output', { recursive: true });

const steps = [];
function run(name, command, args) {
  process.stderr.write(`\n== ${name}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  steps.push({ name, ok: result.status === 0 });
  return result.status === 0;
}

run('typecheck', 'npm', ['run', '--silent', 'typecheck']);
run('format', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']);
run('lint', 'npx', ['eslint', '.']);
run('unit+integration', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-output/vitest.json']);
run('e2e', 'node', ['scripts/e2e.mjs']);

let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync('test-output/vitest.json', 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
} catch {
  failed += 1;
}
try {
  const e2e = JSON.parse(readFileSync('test-output/e2e.json', 'utf8'));
  passed += e2e.passed;
  failed += e2e.failed;
} catch {
  // e2e.mjs writes its counts; a missing file means it did not get that far, which its step records
}
for (const step of steps) if (!step.ok) failed += step.name === 'unit+integration' || step.name === 'e2e' ? 0 : 1;
const failedSteps = steps.filter((s) => !s.ok).map((s) => s.name);
process.stderr.write(`\nsteps: ${steps.map((s) => `${s.name} ${s.ok ? 'ok' : 'FAILED'}`).join(', ')}\n`);
if (failedSteps.length > 0 && failed === 0) failed = failedSteps.length;
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exit(failedSteps.length === 0 ? 0 : 1);

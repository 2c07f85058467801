#!/usr/bin/env node
/**
 * `npm run test:e2e`: the Playwright journeys in Debian Chromium against real `axewallet serve` processes.
 * Builds the renderer when its build is missing or older than its sources. Screenshots go to test-output/e2e/.
 * Writes test-output/e2e.json ({passed, failed}) for `npm test`, ends with "N passed, N failed", exits non-zero on failure.
 * `node scripts/e2e.mjs smoke` runs one journey.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { ensureUi } from './ui-build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
mkdirSync('test-output', { recursive: true });

function finish(passed, failed) {
  writeFileSync('test-output/e2e.json', `${JSON.stringify({ passed, failed })}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

if (!ensureUi(root)) {
  process.stderr.write('e2e: the renderer build failed\n');
  finish(0, 1);
}

const chromium = process.env.AXEWALLET_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  process.stderr.write(`e2e: ${chromium} is missing. Install it with: sudo apt-get install -y chromium\n`);
  finish(0, 1);
}

register();
try {
  const { runJourneys } = await import('../e2e/run.ts');
  const result = await runJourneys(process.argv.slice(2));
  finish(result.passed, result.failed);
} catch (error) {
  process.stderr.write(`e2e: ${error?.stack ?? error}\n`);
  finish(0, 1);
}

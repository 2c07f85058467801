/**
 * `npm run bench`: runs every bench/*.bench.ts in this process's order and prints one JSON document.
 * Each suite exports `run(): Promise<Record<string, unknown>>` and reports ratios against a baseline
 * it measures in the same run, so the numbers mean the same on any machine.
 * Pass suite names to run a subset: `npm run bench -- sv2 mint`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The commit the run measured, marked where tracked files other than prose and saved runs were changed, so that a
 * saved run says what it ran (`npm run bench:pool` lists it for each run it pools). Undefined outside a git checkout.
 */
function codeVersion(): string | undefined {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: join(here, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)*.md', ':(exclude)bench/runs') ? '+changes' : '');
  } catch {
    return undefined;
  }
}
// @ts-expect-error -- a plain .mjs script without type declarations
const { ensureNative } = (await import('../scripts/build-native.mjs')) as { ensureNative: () => boolean };
ensureNative();
// every suite measures the platform's crypto, as the app runs it
const { installPlatformCrypto } = await import('../lib/platform');
process.stderr.write(`bench: crypto ${JSON.stringify(installPlatformCrypto())}\n`);
// read before the suites run: the code they measure, whatever is committed while they do
const code = codeVersion();
const wanted = new Set(process.argv.slice(2));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((name) => wanted.size === 0 || wanted.has(name))
  .sort();

const results: Record<string, unknown> = {};
for (const name of suites) {
  process.stderr.write(`bench: ${name}...\n`);
  const started = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { run: () => Promise<Record<string, unknown>> };
    results[name] = { ...(await mod.run()), suiteSeconds: Math.round((performance.now() - started) / 10) / 100 };
  } catch (error) {
    results[name] = { error: (error as Error).message };
  }
}
process.stdout.write(`${JSON.stringify({ node: process.version, cpus: (await import('node:os')).cpus().length, code, suites: results }, null, 2)}\n`);
process.exit(0);

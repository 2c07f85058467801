/**
 * The web UI (renderer/dist), built with vite when it is missing or older than its sources. Used by
 * `npm install` (postinstall), `axewallet serve` (before it says it is ready, so the UI answers at once),
 * `npm start` and the e2e runner. Several processes may ask at once (e2e starts several serves): one builds,
 * into a fresh directory swapped in whole, while the others wait for it, so nobody serves half a build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const STALE_LOCK_MS = 10 * 60_000;

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** The renderer imports the API contract (core/api) too: a change there needs a new build. */
export function uiFresh(root = defaultRoot) {
  const built = join(root, 'renderer', 'dist', 'index.html');
  if (!existsSync(built)) return false;
  const sources = Math.max(newestMtime(join(root, 'renderer', 'src')), newestMtime(join(root, 'core', 'api')), newestMtime(join(root, 'renderer', 'index.html')));
  return statSync(built).mtimeMs >= sources;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Builds the UI if needed. Returns null when renderer/dist is ready, else why it is not. */
export function buildUi(root = defaultRoot, log = () => undefined) {
  if (uiFresh(root)) return null;
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) return 'vite is not installed (run npm install)';
  const lock = join(root, 'renderer', '.building');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // another process is building: wait for it, then use its build
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      sleep(250);
      if (uiFresh(root)) return null;
    }
  }
  try {
    if (uiFresh(root)) return null;
    log('Building the web UI once (vite build, about half a minute)...');
    const out = join(root, 'renderer', `dist.building-${process.pid}`);
    const result = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'renderer', 'vite.config.ts'), '--logLevel', 'warn', '--outDir', out, '--emptyOutDir'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) {
      rmSync(out, { recursive: true, force: true });
      return `vite build failed${result.error ? `: ${result.error.message}` : ''}`;
    }
    const dist = join(root, 'renderer', 'dist');
    rmSync(dist, { recursive: true, force: true });
    renameSync(out, dist);
    return null;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** For entry points: builds if needed, and says in one line what to do when it cannot. */
export function ensureUi(root = defaultRoot, log = (m) => process.stderr.write(`${m}\n`)) {
  const problem = buildUi(root, log);
  if (problem) log(`note: the web UI could not be built (${problem}); the API works meanwhile. Build it with: npm run build:renderer`);
  return problem === null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(ensureUi() ? 0 : 1);

/**
 * After `npm install`: everything optional, nothing fatal, one line for what could not be done.
 * - native/ecmult.node with the system C compiler (faster wallet checks; the published bindings otherwise);
 * - Electron's desktop binary: package.json denies electron's own install script (allowScripts), because its
 *   download failing (no route to GitHub, a proxy, an air-gapped machine) would fail the whole install; it is
 *   tried here instead, and without it Axewallet runs headless (`npm start` says how to get it later);
 * - the web UI, so `axewallet serve` answers with it at once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNative } from './build-native.mjs';
import { ensureUi } from './ui-build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Downloads Electron's binary (electron/install.js, which honours ELECTRON_SKIP_BINARY_DOWNLOAD). */
export function installElectronBinary({ log = (m) => process.stderr.write(`${m}\n`), timeoutMs = 10 * 60_000 } = {}) {
  const installer = join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installer)) return false;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return false;
  const result = spawnSync(process.execPath, [installer], { cwd: dirname(installer), encoding: 'utf8', timeout: timeoutMs });
  if (result.status === 0) return true;
  const why = result.error ? result.error.message : (result.stderr.split('\n').find((line) => /Error|ENOTFOUND|EAI_AGAIN|ECONN|ETIMEDOUT|status/.test(line)) ?? 'download failed').trim();
  log(
    `note: Electron's desktop binary could not be downloaded (${why.slice(0, 160)}). Axewallet runs headless in your browser; for the desktop app run \`npm run desktop:install\` where the download works.`,
  );
  return false;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureNative();
  installElectronBinary();
  ensureUi();
}

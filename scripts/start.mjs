/**
 * `npm start`: the desktop app when Electron's binary is installed; otherwise headless mode,
 * saying so in one line, with the UI served to your browser. Extra arguments go to `serve`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { tsImport } from 'tsx/esm/api';
import { ensureNative } from './build-native.mjs';
import { ensureUi } from './ui-build.mjs';

function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

ensureNative();
const binary = electronBinary();
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

if (binary && hasDisplay) {
  process.stderr.write('Axewallet: desktop mode (Electron).\n');
  const child = spawn('npx', ['electron-forge', 'start'], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = binary ? 'no display to open a window on' : "Electron's desktop binary is not installed; `npm run desktop:install` downloads it (about 100 MB) where GitHub is reachable";
  process.stderr.write(`Axewallet: headless mode (${why}): the same UI runs in your browser.\n`);
  if (!ensureUi()) process.exit(1);
  const { ENGINE_NODE_FLAGS } = await tsImport('../core/system/engine-flags.ts', import.meta.url);
  const child = spawn(process.execPath, [...ENGINE_NODE_FLAGS, 'bin/axewallet.mjs', 'serve', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const ready = JSON.parse(line);
      if (ready.event === 'ready') {
        process.stdout.write(`\nAxewallet is running (headless). Open this URL in your browser:\n\n  ${ready.url}\n\n`);
        if (ready.stratum) process.stdout.write(`Point your Bitaxe at stratum+tcp://<this machine's LAN address>:${ready.stratum.port}\n\n`);
        process.stdout.write('Stop with Ctrl+C.\n');
        return;
      }
    } catch {
      // not the ready line
    }
    process.stdout.write(`${line}\n`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}

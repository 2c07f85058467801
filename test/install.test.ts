/**
 * Install anywhere: a checkout that has never built its UI serves it from `axewallet serve`'s first request
 * (it is built before the ready line), and `npm install` does not fail where Electron's binary cannot be
 * downloaded (the postinstall tries it and says what to do in one line).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures';

/** What `axewallet serve` needs from a checkout, without renderer/dist. */
const SERVE_TREE = ['bin', 'lib', 'core', 'device', 'devnet', 'native', 'renderer', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.base.json'];

describe('install anywhere', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  function checkoutWithoutUi(): string {
    const dir = mkdtempSync(join(tmpdir(), 'axw-install-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const entry of SERVE_TREE) {
      cpSync(join(repoRoot, entry), join(dir, entry), {
        recursive: true,
        filter: (src) => !/^[/\\](renderer[/\\](dist|dist\.building-\d+|\.building)|native[/\\]build)([/\\]|$)/.test(src.slice(repoRoot.length)),
      });
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    expect(existsSync(join(dir, 'renderer', 'dist'))).toBe(false);
    return dir;
  }

  it('axewallet serve on a checkout without renderer/dist answers with the UI at once', async () => {
    const dir = checkoutWithoutUi();
    const home = join(dir, 'home');
    spawnSync('mkdir', ['-p', home]);
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ stratumHost: '127.0.0.1' }));
    const child: ChildProcess = spawn(process.execPath, [join(dir, 'bin', 'axewallet.mjs'), 'serve', '--home', home, '--port', '0', '--stratum-port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    const ready = await new Promise<{ url: string }>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const parsed = JSON.parse(line) as { event?: string; url: string };
          if (parsed.event === 'ready') resolve(parsed);
        } catch {
          // not the ready line
        }
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr.slice(-2000)}`)));
    });
    expect(stderr).toMatch(/Building the web UI once/);
    const page = await fetch(ready.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /<script[^>]+src="\.?\/?([^"]+)"/.exec(html)?.[1];
    expect(script, 'the page loads the built app').toBeTruthy();
    // the UI's files are public: no credential travels with them
    const asset = await fetch(new URL(script!, ready.url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }, 240_000);

  it('electron is installed without its own download script; the postinstall tries the download and never fails', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean>; scripts: Record<string, string> };
    // npm 11 runs a dependency's install script only when allowScripts says so: electron's would fail the install offline
    expect(pkg.allowScripts.electron).toBe(false);
    expect(pkg.scripts.postinstall).toBe('node scripts/postinstall.mjs');
    // the types the electron/ type-check needs come with the package itself, binary or not
    expect(existsSync(join(repoRoot, 'node_modules', 'electron', 'electron.d.ts'))).toBe(true);
    // a download that cannot happen: an unreachable mirror on loopback (nothing leaves this machine)
    const dir = mkdtempSync(join(tmpdir(), 'axw-electron-cache-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import { installElectronBinary } from ${JSON.stringify(join(repoRoot, 'scripts', 'postinstall.mjs'))}; console.log(JSON.stringify(installElectronBinary()));`],
      { encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '', ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: dir }, timeout: 120_000 },
    );
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('false');
    expect(result.stderr).toMatch(/Electron's desktop binary could not be downloaded .*npm run desktop:install/);
  }, 150_000);
});

import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine } from '../app';
import { apiTokenForStart, ensureHome } from './home';

/** path (relative to root) -> mode, for every directory and file below root, links excluded */
function modes(root: string, dir = root, out: Record<string, number> = {}): Record<string, number> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    out[path.slice(root.length + 1)] = stat.mode & 0o777;
    if (stat.isDirectory()) modes(root, path, out);
  }
  return out;
}

describe('home directory privacy', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'axw-home-'));
    dirs.push(dir);
    return dir;
  };

  it('a pre-existing 0755 home with 0644 files is 0700 / 0600 throughout after the engine started, databases and their -wal/-shm included', async () => {
    const home = join(tempDir(), 'home');
    mkdirSync(join(home, 'wallet'), { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    chmodSync(join(home, 'wallet'), 0o755);
    for (const [file, text] of [
      ['settings.json', JSON.stringify({ stratumPort: 0, stratumHost: '127.0.0.1' })],
      ['api-token', `${'ab'.repeat(32)}\n`],
      ['axewallet.log', ''],
      ['axewallet.log.1', ''],
    ] as const) {
      writeFileSync(join(home, file), text, { mode: 0o644 });
      chmodSync(join(home, file), 0o644);
    }
    const engine = await startEngine({ home, mode: 'headless', logToStderr: false, demoSimulator: false });
    try {
      engine.logger.info('a line for the log file');
      const found = modes(home);
      const files = Object.keys(found).filter((p) => statSync(join(home, p)).isFile());
      // what the services created this run is covered too, not only what was there before
      expect(files).toEqual(expect.arrayContaining(['settings.json', 'api-token', 'axewallet.log', 'ledger.sqlite', 'devices.sqlite', join('wallet', 'wallet.sqlite')]));
      expect(files.some((p) => p.endsWith('-wal'))).toBe(true);
      const wrong = Object.entries(found).filter(([p, mode]) => mode !== (statSync(join(home, p)).isDirectory() ? 0o700 : 0o600));
      expect(wrong.map(([p, mode]) => `${p} ${mode.toString(8)}`)).toEqual([]);
      expect(statSync(home).mode & 0o777).toBe(0o700);
    } finally {
      await engine.stop();
    }
  });

  it('leaves the target of a symbolic link in the home alone', () => {
    const outside = join(tempDir(), 'shared.txt');
    writeFileSync(outside, 'not ours', { mode: 0o644 });
    chmodSync(outside, 0o644);
    const home = tempDir();
    symlinkSync(outside, join(home, 'link'));
    ensureHome(home);
    expect(statSync(outside).mode & 0o777).toBe(0o644);
  });

  it('gives the API a new token at every start unless a stable one is asked for, always in a 0600 file', () => {
    const home = tempDir();
    const first = apiTokenForStart(home, false);
    const second = apiTokenForStart(home, false);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).not.toBe(first);
    expect(readFileSync(join(home, 'api-token'), 'utf8').trim()).toBe(second);
    chmodSync(join(home, 'api-token'), 0o644);
    expect(apiTokenForStart(home, true)).toBe(second);
    expect(apiTokenForStart(home, true)).toBe(second);
    expect(statSync(join(home, 'api-token')).mode & 0o777).toBe(0o600);
  });
});

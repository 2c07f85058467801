import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ApiEvent } from '../core/api/contract';
import type { SafeStorageLike } from '../core/wallet';
import { createLogger, type LogRecord } from '../lib/log';
import { EngineLink } from './engine-link';
import { forkEngineWithNode } from './node-engine-child';

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'axw-engine-link-'));
  homes.push(home);
  // a free Stratum port, so the test never collides with a running Axewallet
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stratumPort: 0 }));
  return home;
}

/** Electron's safeStorage cannot exist here: a stand-in with its shape (XOR with a fixed OS key) that counts its uses. */
function keychain(): SafeStorageLike & { uses: string[] } {
  const uses: string[] = [];
  return {
    uses,
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: (text) => {
      uses.push('encrypt');
      return Buffer.from(Buffer.from(text, 'utf8').map((b) => b ^ 0x5a));
    },
    decryptString: (data) => {
      uses.push('decrypt');
      return Buffer.from(data.map((b) => b ^ 0x5a)).toString('utf8');
    },
  };
}

function linkTo(home: string, opts: { restartDelaysMs?: number[] } = {}) {
  const records: LogRecord[] = [];
  const pids: number[] = [];
  const exits: number[] = [];
  const os = keychain();
  const link = new EngineLink({
    spawn: () => {
      const child = forkEngineWithNode({ ...process.env, AXEWALLET_HOME: home });
      pids.push(child.pid!);
      child.on('exit', (code) => exits.push(code));
      return child;
    },
    keychain: os,
    logger: createLogger([(record) => records.push(record)], 'desktop'),
    restartDelaysMs: opts.restartDelaysMs ?? [50],
  });
  return { link, records, pids, exits, os };
}

// each engine process starts the demo network: generous bounds, not speed claims
const START = { timeout: 60_000, interval: 100 };

describe('the engine in its own process (main process side: EngineLink)', () => {
  it('answers calls, passes events on, and seals the seed with the keychain of the main process', async () => {
    const { link, os } = linkTo(freshHome());
    link.start();
    // a call made while the engine starts waits for it
    const state = await link.call('wallet.get', {});
    expect(state).toMatchObject({ exists: false, vault: 'safe-storage' });

    const events: ApiEvent[] = [];
    const unsubscribe = link.subscribe((event) => events.push(event));
    const created = (await link.call('wallet.create', {})) as { mnemonic: string };
    expect(created.mnemonic.split(' ').length).toBeGreaterThanOrEqual(12);
    // the seed crossed to the main process to be sealed there, and only sealed bytes came back
    expect(os.uses).toContain('encrypt');
    await vi.waitFor(() => expect(events.length).toBeGreaterThan(0), START);
    unsubscribe();

    await expect(link.call('nope.nothing', {})).rejects.toMatchObject({ code: 'not_found' });
    await expect(link.call('settings.update', { stratumPort: 'x' })).rejects.toMatchObject({ code: 'bad_request', field: 'stratumPort' });
    await link.stop();
  }, 90_000);

  it('an engine process that dies: calls say so, it starts again, and what it saved is still there', async () => {
    const home = freshHome();
    const { link, records, pids, os } = linkTo(home);
    link.start();
    await link.call('wallet.create', {});

    process.kill(pids[0]!, 'SIGKILL');
    await vi.waitFor(async () => {
      await expect(link.call('status.get', {})).rejects.toMatchObject({ code: 'offline', message: expect.stringMatching(/ended unexpectedly/) });
    }, START);
    expect(records.some((r) => r.level === 'error' && /engine stopped: its process ended unexpectedly/.test(r.message))).toBe(true);

    await vi.waitFor(() => expect(pids).toHaveLength(2), START);
    const state = (await link.call('wallet.get', {})) as { exists: boolean; locked: boolean };
    // the new engine opened the seed with the main process's keychain: nobody had to unlock it
    expect(state).toMatchObject({ exists: true, locked: false });
    expect(os.uses).toEqual(['encrypt', 'decrypt']);
    // the new engine wrote why it was started again where the Logs page reads
    const logs = (await link.call('logs.recent', {})) as { records: LogRecord[] };
    expect(logs.records.some((r) => /The engine was restarted: its process ended unexpectedly/.test(r.message))).toBe(true);
    await link.stop();
  }, 120_000);

  it('stops the engine cleanly: the process ends on its own, and later calls say Axewallet is quitting', async () => {
    const { link, exits, pids } = linkTo(freshHome());
    link.start();
    await link.call('status.get', {});
    await link.stop();
    expect(exits).toEqual([0]);
    expect(pids).toHaveLength(1);
    await expect(link.call('status.get', {})).rejects.toMatchObject({ code: 'unavailable', message: 'Axewallet is quitting.' });
  }, 90_000);

  it('a quit while the engine is still starting waits for it to start, then stops it', async () => {
    const home = freshHome();
    const { link, exits } = linkTo(home);
    link.start();
    await link.stop();
    expect(exits).toEqual([0]);
    const log = readFileSync(join(home, 'axewallet.log'), 'utf8');
    expect(log.indexOf('stopping')).toBeGreaterThan(log.indexOf(' started'));
    expect(log).toMatch(/ started/);
  }, 90_000);

  it('an engine that cannot start says why, and the wait before the next try grows', async () => {
    const home = freshHome();
    // the home is a file: the engine cannot create its folders there
    const notADirectory = join(home, 'settings.json');
    const records: LogRecord[] = [];
    const starts: number[] = [];
    const link = new EngineLink({
      spawn: () => {
        starts.push(Date.now());
        return forkEngineWithNode({ ...process.env, AXEWALLET_HOME: notADirectory });
      },
      keychain: keychain(),
      logger: createLogger([(record) => records.push(record)], 'desktop'),
      restartDelaysMs: [50, 3_600_000],
    });
    link.start();
    await vi.waitFor(() => expect(starts).toHaveLength(2), START);
    await vi.waitFor(async () => {
      await expect(link.call('status.get', {})).rejects.toMatchObject({ code: 'offline', message: expect.stringMatching(/could not start: .*(ENOTDIR|EEXIST|not a directory)/) });
    }, START);
    expect(records.filter((r) => r.level === 'error').map((r) => r.message)).toEqual([expect.stringMatching(/starting it again in 0 s$/), expect.stringMatching(/starting it again in 3600 s$/)]);
    await link.stop();
  }, 90_000);
});

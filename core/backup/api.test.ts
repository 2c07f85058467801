import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import type { ApiEvent } from '../api/contract';
import { ApiError } from '../api/define';
import { ApiHost } from '../api/host';
import { silentLogger } from '../../lib/log';
import { registerBackupApi } from './api';
import { type BackupService, createBackup } from './service';
import { MemoryWallet, proof } from './testing/memory-wallet';

describe('backup API', () => {
  const relays: RunningRelay[] = [];
  const services: BackupService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    for (const r of relays.splice(0)) await r.close();
  });

  async function setup() {
    const relay = await startRelay();
    relays.push(relay);
    const wallet = new MemoryWallet(randomBytes(64));
    wallet.add([proof(8n), proof(16n)]);
    const persisted: string[][] = [];
    const backup = createBackup({
      source: wallet,
      restoreTarget: wallet,
      relays: [relay.url],
      delaySeconds: 3600,
      logger: silentLogger,
      timeoutMs: 2000,
      retryInitialMs: 50,
      checkSpent: async (_m, ps) => ps.map(() => false),
      onRelaysChanged: (urls) => void persisted.push(urls),
    });
    services.push(backup);
    const host = new ApiHost();
    const events: ApiEvent[] = [];
    host.subscribe((e) => events.push(e));
    registerBackupApi(host, backup);
    return { relay, wallet, backup, host, events, persisted };
  }

  it('GET /backup answers the contract: relays with lastOkAt/lastError, pendingChanges, lastBackupAt', async () => {
    const { host, backup, relay, events } = await setup();
    await backup.start();
    const before = await host.invoke('backup.get', {});
    expect(before.relays.map((r) => r.url)).toEqual([relay.url]);
    expect(before.pendingChanges).toBeGreaterThan(0);
    expect(before.lastBackupAt).toBeNull();

    const now = await host.invoke('backup.now', {});
    expect(now.events).toBeGreaterThanOrEqual(3);
    expect(now.bytes).toBeGreaterThan(0);
    const after = await host.invoke('backup.get', {});
    expect(after.pendingChanges).toBe(0);
    expect(after.lastBackupAt).not.toBeNull();
    expect(after.relays[0]!.lastOkAt).not.toBeNull();
    expect(after.relays[0]!.lastError).toBeNull();
    expect(events.some((e) => e.type === 'backup.status')).toBe(true);
  });

  it('adds, tests and removes relays, and persists the list', async () => {
    const { host, relay, persisted } = await setup();
    const other = await startRelay();
    relays.push(other);
    expect((await host.invoke('backup.testRelay', { url: other.url })).ok).toBe(true);
    const added = await host.invoke('backup.relays.add', { url: other.url });
    expect(added.relays.map((r) => r.url)).toEqual([relay.url, other.url]);
    const removed = await host.invoke('backup.relays.remove', { url: relay.url });
    expect(removed.relays.map((r) => r.url)).toEqual([other.url]);
    expect(persisted.at(-1)).toEqual([other.url]);
    await expect(host.invoke('backup.relays.remove', { url: 'ws://127.0.0.1:9' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(host.invoke('backup.relays.add', { url: 'http://not-a-relay' })).rejects.toBeInstanceOf(ApiError);

    const closed = await startRelay();
    await closed.close();
    const dead = await host.invoke('backup.testRelay', { url: closed.url });
    expect(dead.ok).toBe(false);
    expect(dead.error).toBeTruthy();
  });

  it('restore reports progress as backup.restore events; a mnemonic needs an empty home', async () => {
    const { host, backup, events } = await setup();
    await backup.start();
    await host.invoke('backup.now', {});
    const report = await host.invoke('backup.restore', {});
    expect(report.proofsFound).toBe(2);
    const stages = events.filter((e) => e.type === 'backup.restore').map((e) => (e.type === 'backup.restore' ? e.progress.stage : ''));
    expect(stages[0]).toBe('relays');
    expect(stages.at(-1)).toBe('done');
    await expect(host.invoke('backup.restore', { mnemonic: 'abandon abandon' })).rejects.toMatchObject({ code: 'conflict' });
  });
});

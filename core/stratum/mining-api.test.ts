import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type DevnetPool } from '../../devnet/pool/pool';
import type { ApiEvent } from '../api/contract';
import { ApiHost } from '../api/host';
import { registerMiningApi } from './mining-api';
import { type Proxy } from './proxy';
import { minerFor, type SimMiner } from '../../device/sim/miner';
import { testProxy } from './testing/test-proxy';

let pool: DevnetPool;
let proxy: Proxy;
let dir: string;
let miner: SimMiner;
const host = new ApiHost();
const events: ApiEvent[] = [];

beforeAll(async () => {
  pool = await startPool({ sv1StartDifficulty: 1e-8 });
  dir = mkdtempSync(join(tmpdir(), 'axw-mining-api-'));
  proxy = testProxy([`stratum+tcp://127.0.0.1:${pool.sv1.port}`], join(dir, 'ledger.sqlite'));
  registerMiningApi(host, proxy);
  host.subscribe((e) => events.push(e));
  const { port } = await proxy.start();
  miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qapi.rig1' });
  await miner.connect();
});

afterAll(async () => {
  miner.close();
  await proxy.stop();
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mining API', () => {
  it('mining.get returns counts, miners and upstream within the contract', async () => {
    const accepted = await miner.submitShare();
    await miner.submitShare('duplicate');
    const view = await host.invoke('mining.get', {});
    expect(view.shares.accepted).toBe(1);
    expect(view.shares.rejected).toBe(1);
    expect(view.shares.awaiting).toBe(0);
    expect(Object.values(view.shares.rejectReasons)).toEqual([1]);
    expect(view.miners).toHaveLength(1);
    const m = view.miners[0]!;
    expect(m.worker).toBe('bc1qapi.rig1');
    expect(m.accepted).toBe(1);
    expect(m.difficulty).toBe(1e-8);
    expect(m.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(m.versionMask).toBe('1fffe000');
    expect(m.lastShareAt).not.toBeNull();
    expect(m.hashrate).toBeGreaterThan(0);
    expect(view.upstream).toMatchObject({ url: `stratum+tcp://127.0.0.1:${pool.sv1.port}`, protocol: 'sv1', state: 'up', connected: true, failover: false, activeIndex: 0 });
    expect(view.recentShares.at(-1)?.verdict).toBe('rejected');
    expect(view.recentShares.some((s) => s.headerHash === accepted.headerHash && s.verdict === 'accepted')).toBe(true);
  });

  it('mining.shares finds a share by header hash and lists the ledger newest first', async () => {
    const share = await miner.submitShare();
    const found = await host.invoke('mining.shares', { headerHash: share.headerHash });
    expect(found.shares).toHaveLength(1);
    expect(found.shares[0]!.verdict).toBe('accepted');
    const list = await host.invoke('mining.shares', { limit: 2 });
    expect(list.shares[0]!.headerHash).toBe(share.headerHash);
    expect(list.shares).toHaveLength(2);
  });

  it('forwards share and upstream events in the contract', () => {
    const shareEvents = events.filter((e) => e.type === 'mining.share');
    // forwarded shares twice (awaiting, then judged), the duplicate judged here once
    expect(shareEvents.length).toBeGreaterThanOrEqual(5);
    expect(events.some((e) => e.type === 'mining.upstream' && e.state === 'up' && e.onPrimary)).toBe(true);
  });

  it('mining.history keeps showing shares per worker and hour after the single shares are folded into aggregates', async () => {
    const before = await host.invoke('mining.history', { span: 'hour', days: 1 });
    const mine = before.buckets.filter((b) => b.worker === 'bc1qapi.rig1');
    expect(mine.reduce((n, b) => n + b.accepted, 0)).toBe(2);
    expect(mine.reduce((n, b) => n + b.rejected, 0)).toBe(1);
    expect(mine.every((b) => b.hashrate > 0 && Date.parse(b.at) % 3_600_000 === 0)).toBe(true);
    const totals = (await host.invoke('mining.get', {})).shares;
    // as if a week had passed: every single share is folded into the hourly aggregates
    await proxy.ledger.compact(Date.now() + 8 * 86_400_000);
    expect((await host.invoke('mining.shares', { limit: 10 })).shares).toEqual([]);
    expect((await host.invoke('mining.history', { span: 'hour', days: 1 })).buckets).toEqual(before.buckets);
    expect((await host.invoke('mining.history', { span: 'day', days: 1 })).buckets.reduce((n, b) => n + b.accepted, 0)).toBe(2);
    expect((await host.invoke('mining.get', {})).shares).toEqual(totals);
  });
});

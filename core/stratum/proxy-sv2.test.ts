import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../../devnet/index';
import { type Proxy, type QuoteEvent, type ShareEvent } from './proxy';
import { minerFor, type SimMiner } from '../../device/sim/miner';
import { until } from '../../test/until';
import { testProxy } from './testing/test-proxy';

const LOCKING_KEY = `02${'ab'.repeat(32)}`;
let devnet: Devnet;
let proxy: Proxy;
let port: number;
let dir: string;
const miners: SimMiner[] = [];
const quotes: QuoteEvent[] = [];
const shares: ShareEvent[] = [];

beforeAll(async () => {
  devnet = await startDevnet({ pool: { quotePollMs: 50, successFlushMs: 50 } });
  dir = mkdtempSync(join(tmpdir(), 'axw-sv2-'));
  const { pool } = devnet;
  proxy = testProxy([`stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}`], join(dir, 'ledger.sqlite'), {
    // the pool batches successes (10 per SubmitShares.Success): miners are answered from the local check, the ledger waits
    verdictTimeoutMs: 300,
    lockingPubkey: () => LOCKING_KEY,
    nominalHashrate: 1000,
  });
  proxy.on('quote', (q) => quotes.push(q));
  proxy.on('share', (s) => shares.push(s));
  port = (await proxy.start()).port;
});

afterAll(async () => {
  for (const m of miners) m.close();
  await proxy.stop();
  await devnet.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('proxy to the devnet pool over Stratum V2', () => {
  it('forwards shares of several miners as SubmitSharesExtended; the pool accepts them and counts agree', async () => {
    for (const user of ['bc1qa.g1', 'bc1qb.g2', 'bc1qc.g3']) {
      const m = minerFor({ host: '127.0.0.1', port, user });
      miners.push(m);
      await m.connect();
    }
    const results = [];
    for (const m of miners) for (let i = 0; i < 4; i++) results.push(await m.submitShare());
    await until(() => proxy.snapshot().shares.awaiting === 0);
    const stats = devnet.pool.stats();
    const snap = proxy.snapshot();
    expect(stats.accepted).toBe(12);
    expect(snap.shares.accepted).toBe(stats.accepted);
    expect(snap.shares.rejected).toBe(0);
    expect(snap.upstream.protocol).toBe('sv2');
    // user_identity carried the wallet's locking key, one extended channel per miner
    const channels = stats.channels.filter((c) => c.port === 'sv2' && c.open);
    expect(channels.length).toBe(3);
    expect(channels.every((c) => c.lockingKey === LOCKING_KEY)).toBe(true);
    // the ledger knows every share by the header hash a quote will carry
    for (const r of results) expect(proxy.ledger.shareByHeaderHash(r.headerHash)?.verdict).toBe('accepted');
  });

  it('answers a share sent twice itself: the pool never sees the duplicate', async () => {
    const m = miners[0]!;
    await m.submitShare();
    const dup = await m.submitShare('duplicate');
    await until(() => proxy.snapshot().shares.awaiting === 0);
    expect(dup).toMatchObject({ accepted: false, reason: 'Duplicate share' });
    expect(proxy.snapshot().shares.rejectReasons).toEqual({ 'duplicate-share': 1 });
    expect(devnet.pool.stats().rejected).toEqual({});
  });

  it('turns the pool’s 0xC0 quote notifications into quote events tagged with the miner', async () => {
    await until(() => quotes.length >= 12, 'twelve quotes', 15_000);
    const minerIds = new Set(proxy.snapshot().miners.map((m) => m.id));
    expect(quotes.every((q) => minerIds.has(q.minerId) && q.quoteId.length > 0 && q.amount > 0n)).toBe(true);
    expect(new Set(quotes.map((q) => q.minerId)).size).toBe(3);
    expect(shares.filter((s) => s.verdict === 'accepted').length).toBeGreaterThanOrEqual(12);
  });

  it('opens another pool connection when the pool caps channels per connection (70 miners)', async () => {
    const crowd: SimMiner[] = [];
    // a farm: every device on its own LAN address
    for (let i = 0; i < 70; i++) crowd.push(minerFor({ host: '127.0.0.1', port, user: `bc1qcrowd.m${i}` }, { localAddress: `127.0.1.${i + 1}` }));
    miners.push(...crowd);
    await Promise.all(crowd.map((m) => m.connect()));
    await Promise.all(crowd.map((m) => m.submitShare()));
    await until(() => proxy.snapshot().shares.awaiting === 0, 'every share judged', 15_000);
    const open = devnet.pool.stats().channels.filter((c) => c.port === 'sv2' && c.open);
    expect(open.length).toBeGreaterThanOrEqual(70);
    expect(new Set(open.map((c) => c.connectionId)).size).toBeGreaterThanOrEqual(2);
    expect(proxy.snapshot().shares.accepted).toBe(devnet.pool.stats().accepted);
  });
});

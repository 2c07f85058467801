import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPool, type DevnetPool } from '../../devnet/pool/pool';
import { parseUpstreamUrl } from '../api/upstream-url';
import { ShareLedger } from './ledger';
import { createProxy, type Proxy, type ShareEvent } from './proxy';
import { minerFor, type SimMiner } from '../../device/sim/miner';
import { until } from '../../test/until';
import { testProxy } from './testing/test-proxy';
import { watchedLinks } from './silence-watch';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'axw-proxy-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function pool(options: Parameters<typeof startPool>[0] = {}): Promise<DevnetPool> {
  const p = await startPool({ sv1StartDifficulty: 1e-8, ...options });
  cleanups.push(() => p.close());
  return p;
}

async function proxyTo(urls: string[], dir = tempDir(), extra: Partial<Parameters<typeof createProxy>[0]> = {}): Promise<{ proxy: Proxy; port: number; dir: string }> {
  const proxy = testProxy(urls, join(dir, 'ledger.sqlite'), {
    ...extra,
  });
  cleanups.push(() => proxy.stop());
  const { port } = await proxy.start();
  return { proxy, port, dir };
}

async function miner(port: number, user: string): Promise<SimMiner> {
  const m = minerFor({ host: '127.0.0.1', port, user });
  cleanups.push(() => m.close());
  await m.connect();
  return m;
}

/** The two ends a relay's hooks write to. */
interface RelayEnds {
  toPool(data: string | Uint8Array): void;
  toProxy(data: string | Uint8Array): void;
  /** ends both connections */
  cut(): void;
}

/**
 * A line relay between the proxy and the pool at `poolPort`, each connection its own pair: every line (without its
 * newline) goes to a hook, which decides what the other side gets; without a hook the line passes as it is.
 * Returns the relay's URL.
 */
async function relayToPool(poolPort: number, hooks: { fromProxy?: (line: string, ends: RelayEnds) => void; fromPool?: (line: string, ends: RelayEnds) => void }): Promise<string> {
  const relay = createServer((proxySide) => {
    const poolSide = connect({ host: '127.0.0.1', port: poolPort });
    const ends: RelayEnds = {
      toPool: (data) => poolSide.write(data),
      toProxy: (data) => proxySide.write(data),
      cut: () => {
        proxySide.destroy();
        poolSide.destroy();
      },
    };
    const lines = (hook: ((line: string, ends: RelayEnds) => void) | undefined, passTo: (data: string) => void) => {
      let buffer = '';
      return (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (hook) hook(line, ends);
          else passTo(`${line}\n`);
        }
      };
    };
    proxySide.on('data', lines(hooks.fromProxy, ends.toPool));
    poolSide.on('data', lines(hooks.fromPool, ends.toProxy));
    for (const socket of [proxySide, poolSide]) socket.on('error', () => undefined);
    proxySide.on('close', () => poolSide.destroy());
    poolSide.on('close', () => proxySide.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => relay.close(resolve)));
  return `stratum+tcp://127.0.0.1:${(relay.address() as AddressInfo).port}`;
}

function submitIdOf(line: string): unknown {
  const message = JSON.parse(line) as { id: unknown; method?: string };
  return message.method === 'mining.submit' ? message.id : undefined;
}

describe('a Stratum V1 pool that drops the connection mid-handshake', () => {
  it('costs only that attempt: no unhandled rejection, the proxy keeps serving', async () => {
    let drops = 0;
    const server = createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('error', () => undefined);
      socket.on('data', (chunk: string) => {
        // the liveness probe only subscribes; a miner's channel opens with configure + subscribe + authorize at once
        if (chunk.includes('mining.configure')) {
          drops++;
          socket.destroy();
        } else if (chunk.includes('mining.subscribe')) socket.write('{"id":1,"result":[[],"00",4],"error":null}\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${(server.address() as AddressInfo).port}`]);
    const client = connect({ host: '127.0.0.1', port });
    client.on('error', () => undefined);
    cleanups.push(() => client.destroy());
    client.write(
      '{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}\n{"id":2,"method":"mining.subscribe","params":["t"]}\n{"id":3,"method":"mining.authorize","params":["bc1qd.w","x"]}\n',
    );
    await until(() => drops >= 2, 'the pool to drop two channel handshakes');
    // still serving: the snapshot answers and the miner's connection is still open
    expect(proxy.snapshot().shares).toMatchObject({ accepted: 0, rejected: 0 });
    expect(client.destroyed).toBe(false);
  });
});

describe('a Stratum V1 pool that drops the connection with a share in flight', () => {
  it('answers that share as lost upstream, records it so, and keeps serving', async () => {
    const p = await pool();
    let dropped = 0;
    // between proxy and pool: the first pool connection that carries a submit is cut before the pool sees it
    const url = await relayToPool(p.sv1.port, {
      fromProxy: (line, ends) => {
        if (dropped === 0 && submitIdOf(line) !== undefined) {
          dropped++;
          ends.cut();
        } else ends.toPool(`${line}\n`);
      },
    });
    const { proxy, port } = await proxyTo([url], tempDir(), { verdictTimeoutMs: 10_000 });
    const m = await miner(port, 'bc1qx.dropped');
    const lost = await m.submitShare();
    expect(dropped).toBe(1);
    expect(lost).toMatchObject({ accepted: false, reason: 'upstream-lost' });
    expect(proxy.ledger.shareByHeaderHash(lost.headerHash)).toMatchObject({ verdict: 'rejected', reason: 'upstream-lost' });
    expect(proxy.snapshot().shares.awaiting).toBe(0);
    // a new pool connection carries the miner's next share
    await until(async () => (await m.submitShare()).accepted, 'a share accepted after the drop');
  });
});

describe('a Stratum V1 pool that answers out of order', () => {
  it('gives each share the answer to its own request id', async () => {
    const p = await pool();
    // between proxy and pool: the answer to the first submit is held back until the second's has gone, and refused
    const submitIds: unknown[] = [];
    let held: string | undefined;
    const url = await relayToPool(p.sv1.port, {
      fromProxy: (line, ends) => {
        const id = submitIdOf(line);
        if (id !== undefined) submitIds.push(id);
        ends.toPool(`${line}\n`);
      },
      fromPool: (line, ends) => {
        const { id } = JSON.parse(line) as { id: unknown };
        if (id === submitIds[0] && held === undefined) {
          held = `${JSON.stringify({ id, result: null, error: [23, 'Held back and refused', null] })}\n`;
          return;
        }
        ends.toProxy(`${line}\n`);
        if (id === submitIds[1]) ends.toProxy(held!);
      },
    });
    const { proxy, port } = await proxyTo([url], tempDir(), { verdictTimeoutMs: 10_000 });
    const m = await miner(port, 'bc1qx.reordered');
    const first = m.submitShare();
    await until(() => submitIds.length === 1, 'the first submit at the pool');
    const [refused, accepted] = await Promise.all([first, m.submitShare()]);
    expect(refused).toMatchObject({ accepted: false, reason: 'Held back and refused' });
    expect(accepted.accepted).toBe(true);
    expect(proxy.ledger.shareByHeaderHash(refused.headerHash)).toMatchObject({ verdict: 'rejected', reason: 'Held back and refused' });
    expect(proxy.ledger.shareByHeaderHash(accepted.headerHash)?.verdict).toBe('accepted');
  });
});

describe('a Stratum V1 pool whose answer arrives in two reads', () => {
  it('reads a character split between them', async () => {
    const p = await pool();
    // between proxy and pool: the answer to the first submit becomes a refusal in words with accents, sent in two
    // writes that cut "é" in half
    let submitId: unknown;
    const url = await relayToPool(p.sv1.port, {
      fromProxy: (line, ends) => {
        submitId ??= submitIdOf(line);
        ends.toPool(`${line}\n`);
      },
      fromPool: (line, ends) => {
        if ((JSON.parse(line) as { id: unknown }).id !== submitId) return ends.toProxy(`${line}\n`);
        const bytes = Buffer.from(`${JSON.stringify({ id: submitId, result: null, error: [23, 'Refusé : trop tard', null] })}\n`);
        const cut = bytes.indexOf(Buffer.from('é')) + 1;
        ends.toProxy(bytes.subarray(0, cut));
        setTimeout(() => ends.toProxy(bytes.subarray(cut)), 50);
      },
    });
    const { port } = await proxyTo([url], tempDir(), { verdictTimeoutMs: 10_000 });
    const m = await miner(port, 'bc1qx.accents');
    expect(await m.submitShare()).toMatchObject({ accepted: false, reason: 'Refusé : trop tard' });
    expect((await m.submitShare()).accepted).toBe(true);
  });
});

describe('proxy to a Stratum V1 pool (devnet Sv1 port)', () => {
  it('carries several miners; accepted counts equal the pool’s', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`]);
    const miners = await Promise.all(['bc1qa.w1', 'bc1qb.w2', 'bc1qc.w3'].map((u) => miner(port, u)));
    for (const m of miners) {
      for (let i = 0; i < 5; i++) expect((await m.submitShare()).accepted).toBe(true);
    }
    const snap = proxy.snapshot();
    expect(snap.shares.accepted).toBe(15);
    expect(snap.shares.awaiting).toBe(0);
    expect(p.stats().accepted).toBe(15);
    expect(snap.miners.map((m) => m.accepted).sort()).toEqual([5, 5, 5]);
    expect(snap.miners.every((m) => m.upstream === `stratum+tcp://127.0.0.1:${p.sv1.port}`)).toBe(true);
    expect(snap.upstream.state).toBe('up');
    expect(snap.upstream.failover).toBe(false);
    // each miner's pool connection is watched for silence until it closes
    expect(watchedLinks()).toBeGreaterThanOrEqual(3);
    await proxy.stop();
    await until(() => watchedLinks() === 0);
  });

  it('rejects invalid shares (below target, sent twice) itself and records every verdict', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`]);
    const events: ShareEvent[] = [];
    proxy.on('share', (e) => events.push(e));
    const m = await miner(port, 'bc1qx.rig');
    const good = await m.submitShare();
    expect(good.accepted).toBe(true);
    const dup = await m.submitShare('duplicate');
    const low = await m.submitShare('low-difficulty');
    const poolReasons = p.stats().rejected;
    expect(dup.accepted).toBe(false);
    expect(low.accepted).toBe(false);
    // a share below the miner's target, or one it already sent, never reaches the pool: answered here, in the standard words
    expect(dup.reason).toBe('Duplicate share');
    expect(low.reason).toBe('Low difficulty share');
    expect(poolReasons).toEqual({});
    const counts = proxy.snapshot().shares;
    expect(counts.accepted).toBe(p.stats().accepted);
    expect(counts.rejectReasons).toEqual({ 'duplicate-share': 1, 'low-difficulty': 1 });
    const settled = events.filter((e) => e.verdict !== 'awaiting');
    expect(settled.map((e) => e.verdict)).toEqual(['accepted', 'rejected', 'rejected']);
    expect(settled[0]!.headerHash).toBe(good.headerHash);
    expect(proxy.ledger.shareByHeaderHash(good.headerHash)?.verdict).toBe('accepted');
  });

  it('answers a share the pool refuses with the class of the pool’s own error code, never of words in its text', async () => {
    const p = await pool();
    // between proxy and pool: the pool's answers to submits are replaced, in order, by these refusals
    const refusals = [{ error: [23, 'Above target', null] }, { error: [20, 'stale job too low', null] }, { result: false, error: null, 'reject-reason': 'Duplicate' }];
    const submitIds = new Set<unknown>();
    const url = await relayToPool(p.sv1.port, {
      fromProxy: (line, ends) => {
        const id = submitIdOf(line);
        if (id !== undefined) submitIds.add(id);
        ends.toPool(`${line}\n`);
      },
      fromPool: (line, ends) => {
        const { id } = JSON.parse(line) as { id: unknown };
        const refusal = submitIds.delete(id) ? refusals.shift() : undefined;
        ends.toProxy(`${refusal ? JSON.stringify({ id, result: null, ...refusal }) : line}\n`);
      },
    });
    const { proxy, port } = await proxyTo([url], tempDir(), { verdictTimeoutMs: 10_000 });
    const m = await miner(port, 'bc1qx.refused');
    const results = [await m.submitShare(), await m.submitShare(), await m.submitShare()];
    expect(results.map((r) => r.reason)).toEqual(['Above target', 'stale job too low', 'Duplicate']);
    const codes = m.received.flatMap((msg) => (msg.kind === 'response' && Array.isArray(msg.error) ? [msg.error[0]] : []));
    // 23 passes through; "stale", "job" and "low" in a code-20 text are no reason to say 21 or 23; a text alone is 20
    expect(codes).toEqual([23, 20, 20]);
    expect(proxy.snapshot().shares.rejected).toBe(3);
  });

  it('a pool that allows no version rolling: the miner is told (mask 0) and its shares are accepted', async () => {
    const p = await pool({ sv1VersionRolling: false });
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`]);
    const m = await miner(port, 'bc1qnv.w1');
    await until(() => m.versionMask === 0, 'mining.set_version_mask 00000000 to reach the miner');
    for (let i = 0; i < 3; i++) expect((await m.submitShare()).accepted).toBe(true);
    expect(proxy.snapshot().miners[0]?.versionMask).toBe('00000000');
    expect(p.stats().accepted).toBe(3);
  });

  it('keeps the ledger across restarts', async () => {
    const p = await pool();
    const dir = tempDir();
    const first = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], dir);
    const m = await miner(first.port, 'bc1qr.w');
    const share = await m.submitShare();
    await m.submitShare('duplicate');
    m.close();
    await first.proxy.stop();
    const ledger = new ShareLedger(join(dir, 'ledger.sqlite'));
    cleanups.push(() => ledger.close());
    const counts = ledger.counts();
    expect(counts.accepted).toBe(1);
    expect(counts.rejected).toBe(1);
    expect(ledger.shareByHeaderHash(share.headerHash)?.worker).toBe('bc1qr.w');
  });

  it('rebuilds the hashrate history from the ledger after a restart', async () => {
    const p = await pool();
    const dir = tempDir();
    const first = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], dir);
    const m = await miner(first.port, 'bc1qh.w');
    for (let i = 0; i < 4; i++) await m.submitShare();
    m.close();
    await first.proxy.stop();
    const second = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], dir);
    const history = second.proxy.snapshot().hashrateHistory;
    expect(history.length).toBeGreaterThanOrEqual(1);
    // four shares at difficulty 1e-8 in the last ten minutes
    expect(history.at(-1)!.hashrate).toBeCloseTo((4 * 1e-8 * 2 ** 32) / 600, 6);
  });

  it('sends keepalive notifies, honours suggest_difficulty and limits the submit rate', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], tempDir(), {
      keepaliveMs: 100,
      limits: { submitsPerSecond: 1, submitBurst: 2 },
    });
    const m = minerFor({ host: '127.0.0.1', port, user: 'bc1qk.w', suggestedDifficulty: 2e-8 });
    cleanups.push(() => m.close());
    await m.connect();
    const first = m.job!.jobId;
    await m.waitFor(() => m.job!.jobId !== first, 3000, 'keepalive notify');
    expect(m.job!.cleanJobs).toBe(false);
    // the miner asked for a harder difficulty than the pool's: it gets at least that
    await m.waitFor(() => m.difficulty >= 2e-8, 3000, 'suggested difficulty');
    expect(proxy.snapshot().miners[0]!.difficulty).toBeGreaterThanOrEqual(2e-8);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await m.submitShare());
    expect(results.filter((r) => r.reason === 'Too many submits').length).toBeGreaterThanOrEqual(1);
    expect(proxy.snapshot().invalid['Too many submits']).toBeGreaterThanOrEqual(1);
  });

  it('moves miners when the upstream list changes', async () => {
    const a = await pool();
    const b = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${a.sv1.port}`]);
    const m = await miner(port, 'bc1qu.w');
    expect((await m.submitShare()).accepted).toBe(true);
    const before = m.job!.jobId;
    proxy.setUpstreams([parseUpstreamUrl(`stratum+tcp://127.0.0.1:${b.sv1.port}`)]);
    await m.waitFor(() => m.job!.jobId !== before && m.job!.cleanJobs, 5000, 'new upstream job');
    expect((await m.submitShare()).accepted).toBe(true);
    expect(a.stats().accepted).toBe(1);
    expect(b.stats().accepted).toBe(1);
    expect(proxy.snapshot().upstream.url).toBe(`stratum+tcp://127.0.0.1:${b.sv1.port}`);
  });

  it('fits miners to a pool with a small extranonce2: set_extranonce when subscribed, reconnect otherwise', async () => {
    const big = await pool();
    const small = await pool({ sv1ExtranonceSize: 4 });
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${big.sv1.port}`, `stratum+tcp://127.0.0.1:${small.sv1.port}`]);
    const subscribed = minerFor({ host: '127.0.0.1', port, user: 'bc1qe.sub', extranonceSubscribe: true });
    const plain = minerFor({ host: '127.0.0.1', port, user: 'bc1qe.plain' });
    cleanups.push(
      () => subscribed.close(),
      () => plain.close(),
    );
    await subscribed.connect();
    await plain.connect();
    expect(subscribed.extranonce2Size + subscribed.extranonce1.length / 2).toBe(8);
    await big.stop();
    await subscribed.waitFor(() => subscribed.received.some((m) => m.kind === 'request' && m.method === 'mining.set_extranonce'), 5000, 'set_extranonce');
    await subscribed.waitFor(() => subscribed.extranonce1.length / 2 + subscribed.extranonce2Size <= 4 && subscribed.job!.cleanJobs, 5000, 'a fitting job');
    await until(() => plain.reconnects === 1 && plain.job !== undefined && plain.difficulty > 0 && plain.extranonce1.length / 2 + plain.extranonce2Size <= 4);
    expect((await subscribed.submitShare()).accepted).toBe(true);
    expect((await plain.submitShare()).accepted).toBe(true);
    expect(small.stats().accepted).toBe(2);
    expect(proxy.snapshot().upstream.activeIndex).toBe(1);
    // a miner arriving now gets the fitting layout from the start
    const late = await miner(port, 'bc1qe.late');
    expect(late.extranonce1.length / 2 + late.extranonce2Size).toBeLessThanOrEqual(4);
  });

  it('refuses connections beyond the limit and keeps serving the others', async () => {
    const p = await pool();
    const { port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], tempDir(), { limits: { maxConnections: 1 } });
    const first = await miner(port, 'bc1ql.one');
    const second = minerFor({ host: '127.0.0.1', port, user: 'bc1ql.two' });
    cleanups.push(() => second.close());
    await expect(second.connect(1000)).rejects.toThrow();
    expect((await first.submitShare()).accepted).toBe(true);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPool, type DevnetPool } from '../../devnet/pool/pool';
import { createProxy, type Proxy, type UpstreamEvent } from './proxy';
import { minerFor, type SimMiner } from '../../device/sim/miner';
import { until } from '../../test/until';
import { testProxy } from './testing/test-proxy';
import { freezableRelay } from './testing/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pool(options: Parameters<typeof startPool>[0] = {}): Promise<DevnetPool> {
  const p = await startPool({ sv1StartDifficulty: 1e-8, ...options });
  cleanups.push(() => p.close());
  return p;
}

async function proxyTo(urls: string[], extra: Partial<Parameters<typeof createProxy>[0]> = {}): Promise<{ proxy: Proxy; port: number; events: UpstreamEvent[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'axw-failover-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const proxy = testProxy(urls, join(dir, 'ledger.sqlite'), {
    probeIntervalMs: 200,
    silentUpstreamMs: 60_000,
    ...extra,
  });
  const events: UpstreamEvent[] = [];
  proxy.on('upstream', (e) => events.push(e));
  cleanups.push(() => proxy.stop());
  const { port } = await proxy.start();
  return { proxy, port, events };
}

async function miner(port: number, user: string): Promise<SimMiner> {
  const m = minerFor({ host: '127.0.0.1', port, user });
  cleanups.push(() => m.close());
  await m.connect();
  return m;
}

/** A silent server: accepts TCP connections and never says a word. */
async function silentServer(): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as { port: number }).port };
}

describe('failover', () => {
  it.each(['sv1', 'sv2'] as const)('moves miners off a dead %s primary to the secondary and back when it returns, without dropping them', async (protocol) => {
    const primary = await pool({ successFlushMs: 20 });
    const secondary = await pool();
    const primaryUrl = protocol === 'sv1' ? `stratum+tcp://127.0.0.1:${primary.sv1.port}` : `stratum2+tcp://127.0.0.1:${primary.sv2.port}/${primary.authorityPubkey}`;
    const { proxy, port, events } = await proxyTo([primaryUrl, `stratum+tcp://127.0.0.1:${secondary.sv1.port}`], { nominalHashrate: 1000, verdictTimeoutMs: 300 });
    const miners = [await miner(port, 'bc1qf.a'), await miner(port, 'bc1qf.b')];
    let disconnects = 0;
    for (const m of miners) m.on('disconnected', () => disconnects++);
    for (const m of miners) expect((await m.submitShare()).accepted).toBe(true);
    await until(() => primary.stats().accepted === 2 && proxy.snapshot().shares.awaiting === 0);

    const jobsBefore = miners.map((m) => m.job!.jobId);
    await primary.stop();
    await until(() => proxy.snapshot().upstream.activeIndex === 1);
    await until(() => miners.every((m, i) => m.job!.jobId !== jobsBefore[i] && m.job!.cleanJobs));
    expect(proxy.snapshot().upstream.failover).toBe(true);
    for (const m of miners) expect((await m.submitShare()).accepted).toBe(true);
    expect(secondary.stats().accepted).toBe(2);

    const jobsOnSecondary = miners.map((m) => m.job!.jobId);
    await primary.start();
    await until(() => proxy.snapshot().upstream.activeIndex === 0);
    await until(() => miners.every((m, i) => m.job!.jobId !== jobsOnSecondary[i]));
    for (const m of miners) expect((await m.submitShare()).accepted).toBe(true);
    await until(() => primary.stats().accepted === 4 && proxy.snapshot().shares.awaiting === 0);

    expect(disconnects).toBe(0);
    const snap = proxy.snapshot();
    expect(snap.shares.accepted).toBe(primary.stats().accepted + secondary.stats().accepted);
    expect(snap.upstream.failover).toBe(false);
    expect(snap.upstream.upstreams[0]!.lastError).not.toBeNull();
    expect(events.some((e) => e.activeIndex === 1 && !e.onPrimary)).toBe(true);
    expect(events.at(-1)?.onPrimary).toBe(true);
  });

  it('leaves an upstream that accepts the connection and says nothing (Sv1 and Sv2)', async () => {
    const silentSv1 = await silentServer();
    const silentSv2 = await silentServer();
    const good = await pool();
    const { proxy, port } = await proxyTo(
      [`stratum+tcp://127.0.0.1:${silentSv1.port}`, `stratum2+tcp://127.0.0.1:${silentSv2.port}/${good.authorityPubkey}`, `stratum+tcp://127.0.0.1:${good.sv1.port}`],
      { silentUpstreamMs: 400, probeIntervalMs: 60_000 },
    );
    await until(() => proxy.snapshot().upstream.activeIndex === 2);
    const m = await miner(port, 'bc1qs.x');
    expect((await m.submitShare()).accepted).toBe(true);
    const states = proxy.snapshot().upstream.upstreams.map((u) => u.state);
    expect(states).toEqual(['down', 'down', 'up']);
  });

  it('detects a pool that goes silent mid-run and moves the miners on', async () => {
    const first = await pool({ templateRefreshSeconds: 0.1 });
    const second = await pool({ templateRefreshSeconds: 0.1 });
    const relay = await freezableRelay(first.sv1.port, cleanups);
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${relay.port}`, `stratum+tcp://127.0.0.1:${second.sv1.port}`], {
      silentUpstreamMs: 1000,
      probeIntervalMs: 60_000,
    });
    const m = await miner(port, 'bc1qm.y');
    expect((await m.submitShare()).accepted).toBe(true);
    const seenBefore = m.received.length;
    relay.freeze();
    await until(() => proxy.snapshot().upstream.activeIndex === 1);
    await until(() => proxy.snapshot().miners[0]?.upstream === `stratum+tcp://127.0.0.1:${second.sv1.port}`);
    // the second pool refreshes its template every 100 ms: look for the clean job among everything received, not the latest
    await until(() => m.received.slice(seenBefore).some((msg) => msg.kind === 'request' && msg.method === 'mining.notify' && msg.params.at(-1) === true));
    await new Promise((r) => setTimeout(r, 50));
    expect((await m.submitShare()).accepted).toBe(true);
    expect(second.stats().accepted).toBe(1);
    expect(proxy.snapshot().upstream.upstreams[0]!.state).toBe('silent');
  });

  it('notices an Sv2 pool that vanishes while no shares flow (its host gone: no FIN, no answer) and moves the miner on', async () => {
    // no template refreshes, no shares: nothing the pool owes, so only a probe can tell a quiet pool from a dead one
    const first = await pool({ templateRefreshSeconds: 0 });
    const second = await pool();
    const relay = await freezableRelay(first.sv2.port, cleanups);
    const { proxy, port, events } = await proxyTo([`stratum2+tcp://127.0.0.1:${relay.port}/${first.authorityPubkey}`, `stratum+tcp://127.0.0.1:${second.sv1.port}`], {
      silentUpstreamMs: 600,
      probeIntervalMs: 60_000,
    });
    const m = await miner(port, 'bc1qidle.z');
    // quiet but alive: probes are answered, the pool stays in use
    await new Promise((r) => setTimeout(r, 1500));
    expect(proxy.snapshot().upstream.activeIndex).toBe(0);
    expect(events.some((e) => e.activeIndex === 1)).toBe(false);
    relay.freeze();
    await until(() => proxy.snapshot().upstream.activeIndex === 1);
    expect(proxy.snapshot().upstream.upstreams[0]!.state).toBe('silent');
    await until(() => proxy.snapshot().miners[0]?.upstream === `stratum+tcp://127.0.0.1:${second.sv1.port}`);
    await new Promise((r) => setTimeout(r, 50));
    expect((await m.submitShare()).accepted).toBe(true);
    expect(second.stats().accepted).toBe(1);
  });
});

/**
 * No upstream means no miners: ESP-Miner moves to its own fallback pool only after 3 failed connections
 * without any answer, and never notices a pool that keeps TCP open and says nothing (ESP-Miner #1964), so
 * with every upstream down the proxy must close its miners and refuse them silently, and take them back
 * when an upstream returns. Meanwhile a pool's normal quiet (hashpool acknowledges shares per batch of 10)
 * must not be mistaken for an outage.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../device/sim';
import { until } from '../../test/until';
import { stratumHarness } from './testing/harness';
import { minerFor } from '../../device/sim/miner';

const { cleanups, pool, proxyTo: proxyWith, freezableRelay } = stratumHarness('fallback');
const proxyTo: typeof proxyWith = (urls, extra = {}) => proxyWith(urls, { probeIntervalMs: 200, ...extra });

describe('no upstream', () => {
  it('closes its miners, refuses new ones without a word, and sends no keepalive for a dead job; welcomes them back', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], { noUpstreamMs: 800, keepaliveMs: 100 });
    const m = minerFor({ host: '127.0.0.1', port, user: 'bc1qnu.bitaxe' });
    cleanups.push(() => m.close());
    await m.connect();
    expect((await m.submitShare()).accepted).toBe(true);
    let disconnected = false;
    m.on('disconnected', () => (disconnected = true));
    const notifiesBefore = () => m.received.filter((x) => x.kind === 'request' && x.method === 'mining.notify').length;
    await m.waitFor(() => notifiesBefore() >= 3, 10_000, 'keepalive notifies while the pool works');
    await p.stop();
    await until(() => proxy.snapshot().upstream.state === 'none' || proxy.snapshot().upstream.state === 'down', 'the upstream to be lost');
    const notifiesAtLoss = notifiesBefore();
    await until(() => disconnected, 'the miner to be closed');
    expect(notifiesBefore()).toBe(notifiesAtLoss);
    // a firmware connecting now gets no answer at all: its read fails, it counts a failure
    const probe = connect({ host: '127.0.0.1', port });
    let heard = '';
    probe.setEncoding('utf8');
    probe.on('data', (d: string) => (heard += d));
    probe.on('error', () => undefined);
    probe.write('{"id":1,"method":"mining.subscribe","params":["bitaxe/BM1370/v2.15.0"]}\n{"id":2,"method":"mining.authorize","params":["bc1qnu.bitaxe","x"]}\n');
    await new Promise<void>((resolve) => probe.once('close', () => resolve()));
    expect(heard).toBe('');
    expect(proxy.snapshot().invalid['refused-no-upstream']).toBeGreaterThanOrEqual(1);
    await p.start();
    const back = minerFor({ host: '127.0.0.1', port, user: 'bc1qnu.bitaxe' });
    cleanups.push(() => back.close());
    await until(
      () =>
        back.connect(2000).then(
          () => true,
          () => false,
        ),
      'the proxy to take miners again',
      15_000,
      200,
    );
    expect((await back.submitShare()).accepted).toBe(true);
  });

  it('the simulated Bitaxe’s fallback pool takes over when every upstream is down, and it comes back when one returns', async () => {
    const upstream = await pool({ sv1StartDifficulty: 1e-6 });
    const fallback = await pool({ sv1StartDifficulty: 1e-6 });
    const fallbackMiners = () => fallback.stats().channels.filter((c) => c.open);
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${upstream.sv1.port}`], { noUpstreamMs: 500, knownAddresses: () => ['127.0.0.40'] });
    const sim = await startSimulator({
      host: '127.0.0.40',
      pool: { host: '127.0.0.1', port, user: 'bc1qsim.bitaxe', suggestedDifficulty: 0 },
      fallbackPool: { ...fallback.sv1, user: 'bc1qsim.fallback', suggestedDifficulty: 0 },
      hashesPerSecond: 20_000,
      connectRetryMs: 100,
      readErrorRetryMs: 100,
      primaryProbeMs: 300,
    });
    cleanups.push(() => sim.stop());
    await until(() => sim.stratum().connected && !sim.stratum().usingFallback && upstream.stats().accepted >= 1, 'mining through the proxy', 15_000);

    await upstream.stop();
    await until(() => sim.stratum().usingFallback && fallbackMiners().length === 1, 'the firmware’s fallback pool', 20_000);
    expect(proxy.snapshot().miners).toEqual([]);
    const onFallback = fallbackMiners()[0]!.accepted;
    await until(() => fallbackMiners()[0]!.accepted > onFallback, 'shares on the fallback pool', 15_000);

    await upstream.start();
    await until(() => !sim.stratum().usingFallback && sim.stratum().connected && proxy.snapshot().miners.length === 1, 'back on the proxy', 20_000);
    const before = upstream.stats().accepted;
    await until(() => upstream.stats().accepted > before, 'shares through the proxy again', 15_000);
  });
});

describe('upstream silence', () => {
  it('does not take hashpool’s quiet for an outage: fewer than a batch of 10 shares unacknowledged for longer than the silence limit', async () => {
    const p = await pool({ shareBatchSize: 10, successFlushMs: 0, templateRefreshSeconds: 0, retargetSeconds: 3600 });
    const { proxy, port } = await proxyTo([`stratum2+tcp://127.0.0.1:${p.sv2.port}/${p.authorityPubkey}`], { silentUpstreamMs: 400, verdictTimeoutMs: 50, nominalHashrate: 1000 });
    const m = minerFor({ host: '127.0.0.1', port, user: 'bc1qquiet.bitaxe' });
    cleanups.push(() => m.close());
    await m.connect();
    for (let i = 0; i < 9; i++) {
      expect((await m.submitShare()).accepted).toBe(true);
      await new Promise((r) => setTimeout(r, 150));
    }
    // 1.35 s of nothing from the pool, three times the limit: still the same upstream
    expect(proxy.snapshot().upstream).toMatchObject({ state: 'up', activeIndex: 0, switches: 1 });
    expect(proxy.snapshot().shares.awaiting).toBe(9);
    expect((await m.submitShare()).accepted).toBe(true);
    await until(() => proxy.snapshot().shares.awaiting === 0, 'the batch’s Success');
    expect(proxy.snapshot().shares.accepted).toBe(10);
  });

  it('leaves an Sv2 pool that keeps its connection open but stops acknowledging a full batch', async () => {
    const first = await pool({ shareBatchSize: 10, successFlushMs: 0, templateRefreshSeconds: 0, retargetSeconds: 3600 });
    const second = await pool();
    const relay = await freezableRelay(first.sv2.port);
    const { proxy, port } = await proxyTo([`stratum2+tcp://127.0.0.1:${relay.port}/${first.authorityPubkey}`, `stratum+tcp://127.0.0.1:${second.sv1.port}`], {
      silentUpstreamMs: 500,
      verdictTimeoutMs: 50,
      nominalHashrate: 1000,
      probeIntervalMs: 60_000,
    });
    const m = minerFor({ host: '127.0.0.1', port, user: 'bc1qfrozen.bitaxe' });
    cleanups.push(() => m.close());
    await m.connect();
    relay.freeze();
    const seen = m.received.length;
    for (let i = 0; i < 10; i++) await m.submitShare();
    await until(() => proxy.snapshot().upstream.activeIndex === 1, 'the failover');
    expect(proxy.snapshot().upstream.upstreams[0]!.state).toBe('silent');
    await until(() => proxy.snapshot().miners[0]?.upstream === `stratum+tcp://127.0.0.1:${second.sv1.port}`, 'the miner on the second pool');
    await m.waitFor(() => m.received.slice(seen).some((x) => x.kind === 'request' && x.method === 'mining.notify' && x.params.at(-1) === true), 10_000, 'a clean job from the second pool');
    expect((await m.submitShare()).accepted).toBe(true);
  });
});

/**
 * The one alert pipeline with real parts: a proxy on a devnet pool that goes away and comes back, and a
 * simulated Bitaxe that overheats and is cooled again. Alerts start when the trouble starts and clear
 * when it ends; the proxy's own state says "down" (not "none configured") while its one pool is down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../device/sim/simulator';
import { startPool } from '../../devnet/pool/pool';
import { until } from '../../test/until';
import type { Alert } from '../api/system';
import { testDeviceManager } from '../devices/testing/test-manager';
import { silentLogger } from '../../lib/log';
import { testProxy } from '../stratum/testing/test-proxy';
import { AlertCenter } from './center';
import { startAlertPipeline } from './pipeline';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'axw-alerts-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function watch(center: AlertCenter): Alert[] {
  const seen: Alert[] = [];
  center.on('alert', (a) => seen.push(a));
  return seen;
}

describe('alert pipeline', () => {
  it('raises "Pool unreachable" while the one pool is down and clears it when the pool is back; no stale last error', async () => {
    const pool = await startPool({ sv1StartDifficulty: 1e-8 });
    cleanups.push(() => pool.close());
    const proxy = testProxy([`stratum2+tcp://127.0.0.1:${pool.sv2.port}/${pool.authorityPubkey}`], join(tempDir(), 'ledger.sqlite'), { probeIntervalMs: 200 });
    cleanups.push(() => proxy.stop());
    const center = new AlertCenter();
    const seen = watch(center);
    const pipeline = startAlertPipeline(center, { proxy }, { logger: silentLogger });
    cleanups.push(() => pipeline.stop());
    await proxy.start();
    await until(() => proxy.snapshot().upstream.state === 'up', 'the pool is up');
    expect(seen).toEqual([]);

    await pool.stop();
    const down = await until(() => seen.find((a) => a.kind === 'upstream-down' && !a.clearedAt), 'Pool unreachable');
    await until(() => proxy.snapshot().upstream.state === 'down', 'the state reads down');
    expect(proxy.snapshot().upstream.state).not.toBe('none');
    expect(proxy.snapshot().upstream.lastError).not.toBeNull();

    await pool.start();
    await until(() => seen.find((a) => a.id === down.id && a.clearedAt), 'Pool unreachable clears');
    await until(() => proxy.snapshot().upstream.state === 'up', 'up again');
    expect(proxy.snapshot().upstream.lastError).toBeNull();
    expect(center.active()).toEqual([]);
    expect(seen.filter((a) => a.kind === 'upstream-down' && !a.clearedAt)).toHaveLength(1);
  });

  it('a Bitaxe that overheats raises one alert; cooled and restarted, the alert clears', async () => {
    const pool = await startPool({ sv1StartDifficulty: 1e-8 });
    cleanups.push(() => pool.close());
    const sim = await startSimulator({ host: '127.0.0.51', bootMs: 300, restartDelayMs: 50, liveIntervalMs: 100, pool: { host: '127.0.0.1', port: pool.sv1.port, suggestedDifficulty: 0 } });
    cleanups.push(() => sim.stop());
    const manager = testDeviceManager(tempDir(), { streamLogs: false });
    cleanups.push(() => manager.stop());
    const center = new AlertCenter();
    const seen = watch(center);
    const pipeline = startAlertPipeline(center, { devices: manager }, { logger: silentLogger, thresholds: { overheatCelsius: 70 } });
    cleanups.push(() => pipeline.stop());
    const device = await manager.add(sim.http);
    manager.start();

    const patch = (body: Record<string, unknown>) => fetch(`${sim.http}/api/system`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await until(() => manager.get(device.id).status === 'online' && manager.get(device.id).hashrate > 0, 'the simulator mines', 20_000);

    // the fan off by hand: the chip heats past 75 °C and the firmware enters overheat mode
    expect((await patch({ autofanspeed: false, manualFanSpeed: 0 })).ok).toBe(true);
    const hot = await until(() => seen.find((a) => a.kind === 'overheat'), 'overheat alert', 20_000);
    expect(hot).toMatchObject({ source: 'device', subject: device.id, severity: 'critical' });
    await until(() => manager.get(device.id).hashrate === 0, 'the firmware stopped mining');

    expect((await patch({ overheat_mode: 0, autofanspeed: true })).ok).toBe(true);
    await fetch(`${sim.http}/api/system/restart`, { method: 'POST' });
    await until(() => seen.find((a) => a.id === hot.id && a.clearedAt), 'overheat clears', 20_000);
    expect(seen.filter((a) => a.kind === 'overheat' && !a.clearedAt)).toHaveLength(1);
  });

  it('looks for ehash near its keyset end date through the wallet port, and clears once it is spent', async () => {
    const holdings = [{ mint: 'http://mint.example', unit: 'hash_ab_100', keysetId: '01ab', amount: 512n, expiresAt: Date.now() + 2 * 86_400_000 }];
    const center = new AlertCenter();
    const seen = watch(center);
    const pipeline = startAlertPipeline(center, { expiringEhash: async () => holdings }, { logger: silentLogger, expiryCheckMs: 60_000 });
    cleanups.push(() => pipeline.stop());
    const soon = await until(() => seen.find((a) => a.kind === 'ehash-expiring'), 'expiry alert');
    expect(soon).toMatchObject({ source: 'wallet', severity: 'warning', title: '512 hash_ab_100 expires in 2 days' });
    holdings[0]!.amount = 0n;
    await pipeline.checkExpiry();
    expect(seen.at(-1)).toMatchObject({ id: soon.id, clearedAt: expect.any(String) });
  });
});

/**
 * A Bitaxe that mines Stratum V2 straight to a hashpool (ESP-Miner v2.14+) pointed at Axewallet:
 * its Sv2 pool stays, every field intact, as the fallback, a forced fallback is turned off so the
 * device reaches the proxy, and undo gives everything back. Against the simulator, which models
 * the v2.15 pool slots (PUT stores a missing field as its default) and the v2.14 flat fields.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readNvs } from '../../device/provision/nvs';
import { type Simulator, startSimulator } from '../../device/sim/simulator';
import { startPool } from '../../devnet/pool/pool';
import { ApiHost } from '../api/host';
import { testProxy } from '../stratum/testing/test-proxy';
import { until } from '../../test/until';
import { testDeviceManager } from './testing/test-manager';
import { registerDevicesApi } from './api';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const HASHPOOL = {
  stratumProtocol: 'SV2',
  stratumURL: '127.0.0.1',
  stratumPort: 9, // nothing listens: the simulator does not speak Stratum V2 anyway
  stratumUser: 'alice.gamma',
  stratumPassword: 'pool-secret',
  stratumSuggestedDifficulty: 2048,
  stratumV2ChannelType: 'standard',
  stratumV2AuthorityPubkey: '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72',
  stratumV2RequireAuth: true,
};

async function call(sim: Simulator, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sim.http}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status, `${method} ${path}`).toBe(200);
  const text = await res.text();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function restart(sim: Simulator): Promise<void> {
  const boots = sim.boots;
  await call(sim, 'POST', '/api/system/restart');
  await until(() => sim.boots > boots, 'the simulator restarted');
}

async function world(firmware: 'v2.14' | 'v2.15', host: string) {
  const upstream = await startPool({ sv1StartDifficulty: 1e-6, sv1HonoursSuggestedDifficulty: false });
  cleanups.push(() => upstream.close());
  const dir = mkdtempSync(join(tmpdir(), 'axw-sv2-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const proxy = testProxy([`stratum+tcp://${upstream.sv1.host}:${upstream.sv1.port}`], join(dir, 'ledger.sqlite'));
  cleanups.push(() => proxy.stop());
  const endpoint = await proxy.start();
  // a reboot longer than the manager's 100 ms poll: a fresh simulator (uptime 0) that reboots faster can look like it never went away
  const sim = await startSimulator({
    firmware,
    host,
    usb: firmware === 'v2.15' ? {} : undefined,
    pool: { host: '127.0.0.1', port: 9 },
    fallbackPool: { host: '127.0.0.1', port: 9 },
    bootMs: 600,
    restartDelayMs: 50,
    connectRetryMs: 200,
  });
  cleanups.push(() => sim.stop());
  const manager = testDeviceManager(dir, { proxyEndpoint: () => endpoint, proxyMiners: () => proxy.snapshot().miners, confirmTimeoutMs: 20_000, rebootTimeoutMs: 20_000 });
  cleanups.push(() => manager.stop());
  const api = new ApiHost();
  registerDevicesApi(api, manager);
  return { sim, api, endpoint };
}

const pools = async (sim: Simulator) => (await call(sim, 'GET', '/api/system/info')).pools as Array<Record<string, unknown>>;

describe('a Bitaxe mining Stratum V2 straight to a hashpool, pointed at Axewallet', () => {
  it('v2.15: the Sv2 slot it mined on (its forced fallback) stays intact as the fallback; undo puts everything back', async () => {
    const { sim, api, endpoint } = await world('v2.15', '127.0.0.36');
    // the owner set slot 1 to the hashpool over Stratum V2 and told the device to mine there
    await call(sim, 'PUT', '/api/system/pools/1', HASHPOOL);
    await call(sim, 'PATCH', '/api/system', { useFallbackStratum: 1 });
    await restart(sim);
    const slotBefore = readNvs(sim.usb!.nvs()).find((e) => e.key === 'pool_2')?.value;

    const { device } = await api.invoke('devices.add', { address: sim.http });
    expect(device.useFallbackStratum).toBe(true);
    expect(device.pools.find((p) => p.slot === 1)).toMatchObject({ protocol: 'SV2', sv2ChannelType: 'standard', sv2AuthorityPubkey: HASHPOOL.stratumV2AuthorityPubkey, sv2RequireAuth: true });

    const { device: pointed } = await api.invoke('devices.useProxy', { id: device.id });
    await until(() => sim.stratum().connected && sim.stratum().pool === `127.0.0.1:${endpoint.port}`, 'the Bitaxe mines through the proxy');
    expect(pointed.useFallbackStratum).toBe(false);
    expect(pointed.secondaryPool).toBe(1);
    expect(pointed.pools.find((p) => p.slot === pointed.primaryPool)).toMatchObject({ url: '127.0.0.1', port: endpoint.port, protocol: 'SV1', user: 'alice.gamma' });
    // the hashpool slot was never written: the same bytes in NVS, its password included
    expect(readNvs(sim.usb!.nvs()).find((e) => e.key === 'pool_2')?.value).toBe(slotBefore);
    expect(JSON.parse(String(slotBefore))).toMatchObject({ stratumPassword: 'pool-secret', stratumV2RequireAuth: true });

    const { device: undone } = await api.invoke('devices.undoProxy', { id: device.id });
    expect(undone).toMatchObject({ primaryPool: 0, secondaryPool: 1, useFallbackStratum: true, viaAxewallet: false });
    expect((await pools(sim)).find((p) => p.id === 1)).toMatchObject({ ...HASHPOOL, stratumPassword: '*****' });
    expect((await pools(sim)).map((p) => p.id)).toEqual([0, 1]);
  });

  it('v2.15: a slot restored by undo keeps its Stratum V2 fields (PUT stores a missing field as its default)', async () => {
    const { sim, api } = await world('v2.15', '127.0.0.37');
    // all eight slots taken: the proxy has to borrow the idle secondary slot, which undo writes back
    for (let slot = 1; slot < 8; slot++) await call(sim, 'PUT', `/api/system/pools/${slot}`, { ...HASHPOOL, stratumURL: `127.0.0.${slot + 100}` });
    await call(sim, 'PUT', '/api/system/pools/0', HASHPOOL);
    await restart(sim);
    const { device } = await api.invoke('devices.add', { address: sim.http });
    const { device: pointed } = await api.invoke('devices.useProxy', { id: device.id });
    expect(pointed).toMatchObject({ primaryPool: 1, secondaryPool: 0 });
    await api.invoke('devices.undoProxy', { id: device.id });
    expect((await pools(sim)).find((p) => p.id === 1)).toMatchObject({
      stratumProtocol: 'SV2',
      stratumURL: '127.0.0.101',
      stratumV2ChannelType: 'standard',
      stratumV2AuthorityPubkey: HASHPOOL.stratumV2AuthorityPubkey,
      stratumV2RequireAuth: true,
      stratumSuggestedDifficulty: 2048,
    });
  });

  it('v2.14 (flat pool fields): the Sv2 primary moves to the fallback with its protocol, channel and key', async () => {
    const { sim, api, endpoint } = await world('v2.14', '127.0.0.38');
    await call(sim, 'PATCH', '/api/system', {
      stratumURL: HASHPOOL.stratumURL,
      stratumPort: HASHPOOL.stratumPort,
      stratumUser: HASHPOOL.stratumUser,
      stratumProtocol: 'SV2',
      stratumV2ChannelType: 'standard',
      stratumV2AuthorityPubkey: HASHPOOL.stratumV2AuthorityPubkey,
    });
    const { device } = await api.invoke('devices.add', { address: sim.http });
    expect(device.pools[0]).toMatchObject({ protocol: 'SV2', sv2ChannelType: 'standard' });
    await api.invoke('devices.useProxy', { id: device.id });
    await until(() => sim.stratum().pool === `127.0.0.1:${endpoint.port}`, 'the Bitaxe mines through the proxy');
    const info = await call(sim, 'GET', '/api/system/info');
    expect(info).toMatchObject({
      stratumProtocol: 'SV1',
      fallbackStratumURL: HASHPOOL.stratumURL,
      fallbackStratumProtocol: 'SV2',
      fallbackStratumV2ChannelType: 'standard',
      fallbackStratumV2AuthorityPubkey: HASHPOOL.stratumV2AuthorityPubkey,
    });
  });
});

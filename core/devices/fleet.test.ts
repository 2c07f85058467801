/**
 * Fleet actions over three simulated Bitaxes on 127.0.0.2-4, one per firmware family (v2.15 with the pools API,
 * v2.14 with flat pool fields, v2.9 without pause): a pool change moves all three to a second pool and undo
 * brings all three back; pause answers per device; a setting is written in each firmware's own field; groups
 * pick devices and forget removed ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../device/sim/simulator';
import { type DevnetPool, startPool } from '../../devnet/pool/pool';
import { until } from '../../test/until';
import type { ApiEvent } from '../api/contract';
import { ApiHost } from '../api/host';
import { silentLogger } from '../../lib/log';
import { Fleet } from './fleet';
import { registerFleetApi } from './fleet-api';
import { FleetStore } from './fleet-store';
import { testDeviceManager } from './testing/test-manager';
import { registerDevicesApi } from './api';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pool(): Promise<DevnetPool> {
  const p = await startPool({ sv1StartDifficulty: 1e-8 });
  cleanups.push(() => p.close());
  return p;
}

async function sims(poolPort: number): Promise<Simulator[]> {
  const specs = [
    { host: '127.0.0.2', firmware: 'v2.15' as const },
    { host: '127.0.0.3', firmware: 'v2.14' as const },
    { host: '127.0.0.4', firmware: 'v2.9' as const },
  ];
  return Promise.all(
    specs.map(async (spec) => {
      const s = await startSimulator({
        ...spec,
        bootMs: 300,
        restartDelayMs: 50,
        liveIntervalMs: 100,
        pool: { host: '127.0.0.1', port: poolPort, user: `bc1qfleet.${spec.firmware}`, suggestedDifficulty: 0 },
      });
      cleanups.push(() => s.stop());
      return s;
    }),
  );
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'axw-fleet-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'devices.sqlite');
  const manager = testDeviceManager(dir, { requestTimeoutMs: 2000, rebootTimeoutMs: 20_000, streamLogs: false });
  cleanups.push(() => manager.stop());
  const store = new FleetStore(dbPath);
  cleanups.push(() => store.close());
  const host = new ApiHost();
  registerDevicesApi(host, manager);
  registerFleetApi(host, new Fleet(manager, store, silentLogger), manager, (id) => store.dropDevice(id));
  const events: ApiEvent[] = [];
  host.subscribe((e) => events.push(e));
  return { host, manager, events };
}

describe('fleet actions', () => {
  it('a pool change over three simulators moves all three, and undo brings all three back', async () => {
    const first = await pool();
    const second = await pool();
    const devices = await sims(first.sv1.port);
    const { host, events } = setup();
    const ids = [];
    for (const s of devices) ids.push((await host.invoke('devices.add', { address: s.http })).device.id);
    await until(() => devices.every((s) => s.stratum().connected && s.stratum().pool === `127.0.0.1:${first.sv1.port}`), 'all three mine on the first pool', 20_000);

    const report = await host.invoke('devices.fleet.apply', { targets: { all: true }, action: { kind: 'pool', primary: { url: '127.0.0.1', port: second.sv1.port, user: 'bc1qfleet.moved' } } });
    expect(report.results.map((r) => [r.id, r.ok])).toEqual(ids.map((id) => [id, true]));
    expect(report.results[0]!.message).toContain(`127.0.0.1:${second.sv1.port}`);
    expect(report.undoable).toBe(true);
    expect(events.filter((e) => e.type === 'device.fleet' && e.actionId === report.actionId)).toHaveLength(3);
    await until(() => devices.every((s) => s.stratum().connected && s.stratum().pool === `127.0.0.1:${second.sv1.port}`), 'all three mine on the second pool', 30_000);
    const moved = (await host.invoke('devices.list', {})).devices;
    for (const d of moved) expect(d.pools.find((p) => p.slot === d.primaryPool)).toMatchObject({ url: '127.0.0.1', port: second.sv1.port, user: 'bc1qfleet.moved' });
    // v2.15: the old primary is the fallback, in its own slot, untouched
    const v215 = moved.find((d) => d.firmware.startsWith('v2.15'))!;
    expect(v215.pools.find((p) => p.slot === v215.secondaryPool)).toMatchObject({ port: first.sv1.port, user: 'bc1qfleet.v2.15' });

    const undone = await host.invoke('devices.fleet.undo', { actionId: report.actionId });
    expect(undone.results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(undone.undoable).toBe(false);
    await until(() => devices.every((s) => s.stratum().connected && s.stratum().pool === `127.0.0.1:${first.sv1.port}`), 'all three back on the first pool', 30_000);
    const back = (await host.invoke('devices.list', {})).devices;
    for (const d of back) expect(d.pools.find((p) => p.slot === d.primaryPool)).toMatchObject({ port: first.sv1.port, user: expect.stringMatching(/^bc1qfleet\.v2/) });
    // the slot the change used is free again on v2.15
    expect(back.find((d) => d.firmware.startsWith('v2.15'))!.pools).toHaveLength(2);
    await expect(host.invoke('devices.fleet.undo', { actionId: report.actionId })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('pause, resume and a setting answer per device; a group picks its devices and forgets removed ones', async () => {
    const first = await pool();
    const devices = await sims(first.sv1.port);
    const { host } = setup();
    const ids: string[] = [];
    for (const s of devices) ids.push((await host.invoke('devices.add', { address: s.http })).device.id);
    const [v215, v214, v29] = ids as [string, string, string];

    const { group } = await host.invoke('devices.groups.save', { name: 'shelf', devices: [v215, v29] });
    expect((await host.invoke('devices.groups.list', {})).groups).toEqual([group]);
    const paused = await host.invoke('devices.fleet.apply', { targets: { groups: [group.id] }, action: { kind: 'pause' } });
    expect(paused.results.map((r) => [r.id, r.ok])).toEqual([
      [v215, true],
      [v29, false],
    ]);
    expect(paused.results[1]).toMatchObject({ message: expect.stringContaining('v2.14 or newer'), hint: expect.stringContaining('Update AxeOS') });
    expect((await host.invoke('devices.get', { id: v215 })).device.miningPaused).toBe(true);
    expect((await host.invoke('devices.fleet.apply', { targets: { devices: [v215] }, action: { kind: 'resume' } })).results[0]!.ok).toBe(true);

    const setting = await host.invoke('devices.fleet.apply', { targets: { all: true }, action: { kind: 'setting', settings: { autoFan: false, fanSpeed: 80 } } });
    expect(setting.results.every((r) => r.ok)).toBe(true);
    // v2.9 names the manual fan speed "fanspeed" (and reports the fan's live speed there, which follows within a second), later firmware "manualFanSpeed"
    const raw = await until(async () => {
      const infos = await Promise.all(devices.map(async (s) => (await fetch(`${s.http}/api/system/info`)).json() as Promise<Record<string, unknown>>));
      return infos[2]!.fanspeed === 80 && infos;
    }, 'the v2.9 fan at 80 %');
    expect(raw.map((r) => r.autofanspeed)).toEqual([0, 0, 0]);
    expect([raw[0]!.manualFanSpeed, raw[1]!.manualFanSpeed, raw[2]!.fanspeed]).toEqual([80, 80, 80]);
    expect(setting.undoable).toBe(false);

    await expect(host.invoke('devices.fleet.apply', { targets: { devices: ['a0b765ffffff'] }, action: { kind: 'restart' } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(host.invoke('devices.fleet.apply', { targets: {}, action: { kind: 'restart' } })).rejects.toMatchObject({ code: 'bad_request' });
    await host.invoke('devices.remove', { id: v29 });
    expect((await host.invoke('devices.groups.list', {})).groups[0]!.devices).toEqual([v215]);
    expect(v214).toBeTruthy();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../device/sim/simulator';
import { startPool } from '../../devnet/pool/pool';
import { until } from '../../test/until';
import type { ApiEvent } from '../api/contract';
import { testProxy } from '../stratum/testing/test-proxy';
import { ApiHost } from '../api/host';
import { silentLogger } from '../../lib/log';
import { type DeviceManagerOptions, createDeviceManager } from './manager';
import { registerDevicesApi } from './api';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('Bitaxes on USB (serial consoles on real pseudo-terminals)', () => {
  it('reads the network address of a patched Bitaxe and explains what a stock one cannot do', async () => {
    // their pools point at a closed loopback port: tests never dial beyond 127.0.0.0/8
    const quiet = { pool: { host: '127.0.0.1', port: 9 }, fallbackPool: { host: '127.0.0.1', port: 9 } };
    const patched = await startSimulator({ host: '127.0.0.5', serial: true, patched: true, ...quiet });
    cleanups.push(() => patched.stop());
    const stock = await startSimulator({ host: '127.0.0.6', serial: true, patched: false, ...quiet });
    cleanups.push(() => stock.stop());
    const dir = mkdtempSync(join(tmpdir(), 'axw-usb-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const manager = createDeviceManager({
      dbPath: join(dir, 'devices.sqlite'),
      proxyEndpoint: () => undefined,
      proxyMiners: () => [],
      logger: silentLogger,
      // USB enumeration is the one thing that cannot exist here: the consoles are ptys, listed as a Bitaxe port would be
      listUsbPorts: async () => [
        { path: patched.serial!, vendorId: '303a', productId: '1001', serialNumber: 'A' },
        { path: stock.serial!, vendorId: '303a', productId: '1001', serialNumber: 'B' },
        { path: join(dir, 'unplugged'), vendorId: '303a', productId: '1001' },
      ],
    });
    cleanups.push(() => manager.stop());
    const host = new ApiHost();
    registerDevicesApi(host, manager);

    const { ports } = await host.invoke('devices.usb', {});
    const byPath = new Map(ports.map((p) => [p.path, p]));
    expect(byPath.get(patched.serial!)).toMatchObject({ firmware: 'patched', address: 'http://127.0.0.5', serialNumber: 'A' });
    expect(byPath.get(stock.serial!)).toMatchObject({ firmware: 'stock', serialNumber: 'B' });
    expect(byPath.get(stock.serial!)?.problem).toMatch(/Set up over USB/);
    expect(byPath.get(join(dir, 'unplugged'))).toMatchObject({ firmware: 'unknown' });
    expect(byPath.get(join(dir, 'unplugged'))?.problem).toMatch(/could not be read/);
  });
});

/** The devices API with one Bitaxe port (the simulator's pty) and the USB setup events it emits. */
function usbApi(dir: string, path: string, proxy: Pick<DeviceManagerOptions, 'proxyEndpoint' | 'proxyMiners'>) {
  const manager = createDeviceManager({ dbPath: join(dir, 'devices.sqlite'), logger: silentLogger, listUsbPorts: async () => [{ path, vendorId: '303a', productId: '1001' }], ...proxy });
  cleanups.push(() => manager.stop());
  const host = new ApiHost();
  registerDevicesApi(host, manager);
  const events: Array<Extract<ApiEvent, { type: 'device.usbSetup' }>['progress']> = [];
  host.subscribe((e) => {
    if (e.type === 'device.usbSetup') events.push(e.progress);
  });
  return { host, events };
}

describe('"Set up over USB" through the API (a simulated stock unit on a pty, its ROM loader emulated)', () => {
  it('reports every step as events, the Bitaxe mines through Axewallet, and it is added once on the network', async () => {
    const upstream = await startPool({ sv1StartDifficulty: 1e-6, sv1HonoursSuggestedDifficulty: false });
    cleanups.push(() => upstream.close());
    const dir = mkdtempSync(join(tmpdir(), 'axw-usb-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const proxy = testProxy([`stratum+tcp://${upstream.sv1.host}:${upstream.sv1.port}`], join(dir, 'ledger.sqlite'));
    cleanups.push(() => proxy.stop());
    const endpoint = await proxy.start();
    // AxeOS answers on port 80; the Bitaxe is found there once it is on the network
    const sim = await startSimulator({
      host: '127.0.0.52',
      httpPort: 80,
      usb: {},
      pool: { host: '127.0.0.1', port: 9 },
      fallbackPool: { host: '127.0.0.1', port: 9 },
      bootMs: 50,
      connectRetryMs: 200,
    });
    cleanups.push(() => sim.stop());
    const { host, events } = usbApi(dir, sim.serial!, { proxyEndpoint: () => endpoint, proxyMiners: () => proxy.snapshot().miners });

    await expect(host.invoke('devices.usbSetup', { path: '/dev/not-a-bitaxe', wifi: { ssid: 'HomeNet', password: 'pw' } })).rejects.toMatchObject({ code: 'not_found' });
    const { runId, pool } = await host.invoke('devices.usbSetup', { path: sim.serial!, wifi: { ssid: 'HomeNet', password: 'correct horse' } });
    expect(pool).toEqual({ url: '127.0.0.1', port: endpoint.port, user: '' });
    await expect(host.invoke('devices.usbSetup', { path: sim.serial!, wifi: { ssid: 'x', password: '' } })).rejects.toMatchObject({ code: 'conflict' });
    const { ports } = await host.invoke('devices.usb', {});
    expect(ports[0]?.problem).toMatch(/setting this Bitaxe up over USB right now/);

    const online = await until(() => events.find((e) => e.runId === runId && e.step === 'online' && e.state !== 'running'), 'the Bitaxe is found on the network', 60_000);
    expect(online.state).toBe('done');
    expect(events.filter((e) => e.state === 'done').map((e) => e.step)).toEqual(['connect', 'read', 'merge', 'backup', 'write', 'verify', 'reset', 'online']);
    const finished = events.find((e) => e.state === 'finished');
    expect(finished?.result).toMatchObject({ mac: sim.mac, after: { primary: { url: '127.0.0.1', port: endpoint.port, user: 'bc1qsimulatedminer0000000000000000000000000.bitaxe' } } });
    expect(proxy.snapshot().miners.some((m) => m.address.startsWith('127.0.0.52:'))).toBe(true);
    const { devices } = await host.invoke('devices.list', {});
    expect(devices.map((d) => d.mac)).toEqual([sim.mac]);
    expect(online.result?.deviceId).toBe(devices[0]?.id);
    expect(devices[0]).toMatchObject({ viaAxewallet: true, hostname: 'bitaxe' });
    const { backups } = await host.invoke('devices.usbBackups', {});
    expect(backups).toMatchObject([{ mac: sim.mac, state: 'written', size: 0x6000 }]);
  });

  it('a restore with no saved copy for that chip fails with a clear event', async () => {
    const sim = await startSimulator({ host: '127.0.0.53', usb: {}, pool: { host: '127.0.0.1', port: 9 }, bootMs: 50 });
    cleanups.push(() => sim.stop());
    const dir = mkdtempSync(join(tmpdir(), 'axw-usb-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { host, events } = usbApi(dir, sim.serial!, { proxyEndpoint: () => undefined, proxyMiners: () => [] });
    await expect(host.invoke('devices.usbSetup', { path: sim.serial!, wifi: { ssid: 'x', password: '' } })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/Stratum port is not running/),
    });
    const { runId } = await host.invoke('devices.usbRestore', { path: sim.serial! });
    const failed = await until(() => events.find((e) => e.runId === runId && e.state === 'failed'), 'the restore fails');
    expect(failed.error).toMatchObject({ kind: 'refused', message: expect.stringMatching(/no saved copy of the settings of this Bitaxe/) });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../device/sim/simulator';
import { ApiHost } from '../api/host';
import { silentLogger } from '../log';
import { createDeviceManager } from './manager';
import { registerDevicesApi } from './register';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('Bitaxes on USB (serial consoles on real pseudo-terminals)', () => {
  it('reads the network address of a patched Bitaxe and explains what a stock one cannot do', async () => {
    const patched = await startSimulator({ host: '127.0.0.5', serial: true, patched: true });
    cleanups.push(() => patched.stop());
    const stock = await startSimulator({ host: '127.0.0.6', serial: true, patched: false });
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
    expect(byPath.get(stock.serial!)?.problem).toMatch(/Wi-Fi/);
    expect(byPath.get(join(dir, 'unplugged'))).toMatchObject({ firmware: 'unknown' });
    expect(byPath.get(join(dir, 'unplugged'))?.problem).toMatch(/could not be read/);
  });
});

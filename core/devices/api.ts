/** Wires the device manager into the API contract: commands in, device events out (alerts come from core/alerts). */
import type { ApiHost } from '../api/host';
import type { DeviceManager } from './manager';

export function registerDevicesApi(host: ApiHost, manager: DeviceManager): () => void {
  host.handle('devices.list', () => ({ devices: manager.list() }));
  host.handle('devices.add', async ({ address }) => ({ device: await manager.add(address) }));
  host.handle('devices.get', ({ id }) => ({ device: manager.get(id) }));
  host.handle('devices.remove', ({ id }) => ({ removed: manager.remove(id) }));
  host.handle('devices.useProxy', ({ id }) => manager.useProxy(id));
  host.handle('devices.undoProxy', async ({ id }) => ({ device: await manager.undoProxy(id) }));
  host.handle('devices.setPools', async ({ id, primary, fallback }) => ({ device: await manager.setPools(id, primary, fallback) }));
  host.handle('devices.restart', async ({ id }) => {
    await manager.restart(id);
    return { ok: true as const };
  });
  host.handle('devices.identify', async ({ id }) => {
    await manager.identify(id);
    return { ok: true as const };
  });
  host.handle('devices.pause', async ({ id }) => ({ device: await manager.setPaused(id, true) }));
  host.handle('devices.resume', async ({ id }) => ({ device: await manager.setPaused(id, false) }));
  host.handle('devices.history', ({ id, range }) => ({ samples: manager.history(id, range) }));
  host.handle('devices.logs', ({ id, limit }) => ({ lines: manager.logs(id, limit) }));
  host.handle('devices.discover', ({ hosts, port, mdns }) => manager.discover({ hosts, port, mdns }));
  host.handle('devices.cancelDiscover', ({ scanId }) => ({ cancelled: manager.cancelDiscover(scanId) }));
  host.handle('devices.usb', async () => ({ ports: await manager.usbDevices() }));
  host.handle('devices.usbSetup', ({ path, wifi, hostname, pool, proxyHost }) => manager.usb.start({ path, wifi, hostname, pool, proxyHost }));
  host.handle('devices.usbRestore', ({ path, backupId }) => manager.usb.restore({ path, backupId }));
  host.handle('devices.usbBackups', () => ({ backups: manager.usb.backups.list().map(({ writtenMd5: _written, ...backup }) => backup) }));
  return manager.subscribe((event) => {
    // each look at a device is for the engine's own watchers; the UI gets device.state
    if (event.type !== 'device.observed') host.emit(event);
  });
}

/** Bitaxes on USB: which ports, and what firmware answers on each. */
import { SerialDriver } from '../../device/serial/driver';
import { listBitaxePorts, type UsbPort } from '../../device/serial/ports';
import type { DeviceManagerOptions } from './manager-types';

export interface UsbDevice {
  path: string;
  serialNumber?: string;
  firmware: 'patched' | 'stock' | 'unknown';
  address?: string;
  hostname?: string;
  problem?: string;
}

/** The Bitaxe USB ports found, and the ones the user named (`serve --usb-port`). */
export async function bitaxeUsbPorts(options: Pick<DeviceManagerOptions, 'listUsbPorts' | 'extraUsbPorts'>): Promise<UsbPort[]> {
  const found = await (options.listUsbPorts ?? (() => listBitaxePorts()))();
  const named = (options.extraUsbPorts ?? []).filter((path) => !found.some((p) => p.path === path)).map((path) => ({ path, vendorId: '303a', productId: '1001' }));
  return [...found, ...named];
}

/** What each Bitaxe on USB is: patched firmware tells its network address over the console; stock firmware cannot. */
export async function usbDevices(ports: UsbPort[], busy: (path: string) => boolean): Promise<UsbDevice[]> {
  return Promise.all(
    ports.map(async (port): Promise<UsbDevice> => {
      const device: UsbDevice = { path: port.path, firmware: 'unknown' };
      if (port.serialNumber) device.serialNumber = port.serialNumber;
      if (busy(port.path)) return { ...device, problem: 'Axewallet is setting this Bitaxe up over USB right now.' };
      let driver: SerialDriver | undefined;
      try {
        driver = await SerialDriver.open(port.path, { probeTimeoutMs: 2000 });
        device.firmware = await driver.probe();
        if (device.firmware === 'patched') {
          const info = await driver.info();
          if (typeof info.ipv4 === 'string' && info.ipv4) device.address = `http://${info.ipv4}`;
          if (typeof info.hostname === 'string') device.hostname = info.hostname;
          if (!device.address) device.problem = 'This Bitaxe is not on a network yet: connect it to Wi-Fi (AxeOS setup), then look again.';
        } else {
          device.problem = 'Stock AxeOS takes no commands over USB: choose "Set up over USB" to give it Wi-Fi and a pool through its boot loader, or connect it to Wi-Fi and search the network.';
        }
      } catch (error) {
        device.problem = `${port.path} could not be read (${(error as Error).message}): close other programs using it (serial monitors, flash tools) and look again.`;
      } finally {
        await driver?.close();
      }
      return device;
    }),
  );
}

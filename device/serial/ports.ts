/**
 * Finding Bitaxes on USB: ESP32-S3 USB Serial/JTAG, VID:PID 303A:1001. SerialPort.list() needs
 * udev on Linux and throws in containers without it; then /sys/class/tty is read directly.
 */
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SerialPort } from 'serialport';

export const ESP_USB_JTAG = { vendorId: '303a', productId: '1001' } as const;

export interface UsbPort {
  path: string;
  vendorId: string;
  productId: string;
  serialNumber?: string;
  manufacturer?: string;
}

type Lister = () => Promise<Array<{ path: string; vendorId?: string; productId?: string; serialNumber?: string; manufacturer?: string }>>;

function readAttr(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Ports from sysfs: each tty's device link leads to a USB interface whose parent holds idVendor/idProduct. */
export function listFromSysfs(sysRoot = '/sys', devRoot = '/dev'): UsbPort[] {
  const ttyDir = join(sysRoot, 'class', 'tty');
  let names: string[];
  try {
    names = readdirSync(ttyDir);
  } catch {
    return [];
  }
  const ports: UsbPort[] = [];
  for (const name of names) {
    let dir: string;
    try {
      dir = realpathSync(join(ttyDir, name, 'device'));
    } catch {
      continue; // virtual terminals have no device
    }
    for (let depth = 0; depth < 4 && dir.startsWith(sysRoot); depth++, dir = dirname(dir)) {
      const vendorId = readAttr(dir, 'idVendor');
      const productId = readAttr(dir, 'idProduct');
      if (vendorId && productId) {
        ports.push({
          path: join(devRoot, name),
          vendorId: vendorId.toLowerCase(),
          productId: productId.toLowerCase(),
          serialNumber: readAttr(dir, 'serial'),
          manufacturer: readAttr(dir, 'manufacturer'),
        });
        break;
      }
    }
  }
  return ports;
}

/** Bitaxe ports: serialport's list when it works, sysfs when it throws or finds nothing on Linux. */
export async function listBitaxePorts(options: { list?: Lister; sysRoot?: string; devRoot?: string } = {}): Promise<UsbPort[]> {
  const list: Lister = options.list ?? (() => SerialPort.list());
  let ports: UsbPort[] = [];
  try {
    ports = (await list()).flatMap((p) => (p.vendorId && p.productId ? [{ ...p, vendorId: p.vendorId.toLowerCase(), productId: p.productId.toLowerCase() }] : []));
  } catch {
    ports = [];
  }
  if (ports.length === 0 && process.platform === 'linux') ports = listFromSysfs(options.sysRoot, options.devRoot);
  return ports.filter((p) => p.vendorId === ESP_USB_JTAG.vendorId && p.productId === ESP_USB_JTAG.productId);
}

/** What the device manager takes (its options) and what it tells its listeners (its events). */
import type { Device } from '../api/devices';
import type { Logger } from '../../lib/log';
import type { FoundDevice, ScanProgress } from '../../device/discovery/scan';
import type { UsbPort } from '../../device/serial/ports';
import type { LocalAddress } from './lan';
import type { DeviceBaseline, DeviceObservation } from './observation';
import type { UsbSetupProgressEvent } from './usb-setup';

export interface DeviceManagerOptions {
  /** SQLite file */
  dbPath: string;
  /** where Axewallet's Stratum port listens, or undefined when the proxy is not running */
  proxyEndpoint: () => { host: string; port: number } | undefined;
  /** miners connected to the proxy right now */
  proxyMiners: () => Array<{ address: string; worker: string }>;
  logger: Logger;
  pollIntervalMs?: number;
  /** how often a history point is stored */
  sampleIntervalMs?: number;
  requestTimeoutMs?: number;
  /** consecutive failed polls before a device counts as offline */
  offlineAfterFailures?: number;
  /** while a device is offline, look for its MAC on its old /24 this often (DHCP moves devices); default 10 min */
  relocateIntervalMs?: number;
  /** how long use-proxy waits for the device to show up in the proxy's miner list */
  confirmTimeoutMs?: number;
  rebootTimeoutMs?: number;
  localAddresses?: () => LocalAddress[];
  /** follow each device's /api/ws log stream (default true) */
  streamLogs?: boolean;
  /** Bitaxe USB ports (default: by VID:PID, sysfs when udevadm is missing) */
  listUsbPorts?: () => Promise<UsbPort[]>;
  /** serial ports the user named as Bitaxes (`serve --usb-port`), listed besides the ones found */
  extraUsbPorts?: string[];
  /** where copies of NVS partitions go before a USB setup writes (default: usb-backups next to the database) */
  usbBackupDir?: string;
}

export type DeviceManagerEvent =
  | { type: 'device.state'; device: Device }
  | { type: 'device.removed'; id: string }
  | { type: 'device.discovery'; progress: ScanProgress & { scanId: string; done: boolean; cancelled: boolean; found: Array<FoundDevice & { known: boolean }> } }
  | { type: 'device.log'; id: string; line: string }
  | { type: 'device.usbSetup'; progress: UsbSetupProgressEvent }
  /** every look at a device (alerts and integrations judge it); `baseline` is what the look before saw */
  | { type: 'device.observed'; id: string; name: string; observation: DeviceObservation; baseline: DeviceBaseline };

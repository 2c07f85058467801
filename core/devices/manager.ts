/**
 * The device manager: Bitaxes by MAC, their live state (polled over AxeOS, watcher.ts), history persisted for
 * charts, device logs, discovery, pool changes, "point this Bitaxe at Axewallet" with undo (proxy-pointing.ts)
 * and USB (usb-ports.ts, usb-setup.ts). Every device failure is a state with a message and a hint, never an
 * exception that escapes.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ApiError } from '../api/define';
import type { Device } from '../api/devices';
import { AxeosClient } from '../../device/axeos/client';
import type { DevicePool, NormalizedInfo } from '../../device/axeos/normalize';
import { browseMdns } from '../../device/discovery/mdns';
import { type FoundDevice, type ScanProgress, expandHosts, localSubnetHosts, scanHosts } from '../../device/discovery/scan';
import type { UsbPort } from '../../device/serial/ports';
import { type HistoryPoint, type HistoryRange, RANGE_MS, historyPoints } from './history';
import { primaryPoolOf } from './observation';
import { ProxyPointing } from './proxy-pointing';
import { type DeviceRow, DeviceStore } from './store';
import type { DeviceManagerEvent, DeviceManagerOptions } from './manager-types';
import { type UsbDevice, bitaxeUsbPorts, usbDevices } from './usb-ports';
import { UsbSetupService } from './usb-setup';
import { apiErrorOf, DeviceWatcher, deviceIdOf, sleep } from './watcher';

export { apiErrorOf, deviceIdOf } from './watcher';
export type { DeviceManagerEvent, DeviceManagerOptions } from './manager-types';

export interface PoolInput {
  url: string;
  port: number;
  user: string;
  password?: string;
  protocol?: 'SV1' | 'SV2';
  sv2ChannelType?: 'standard' | 'extended';
  sv2AuthorityPubkey?: string;
  sv2RequireAuth?: boolean;
}

/** A pool as the user gave it; what they left out stays as the slot had it when the pool is the same one. */
export function poolFromInput(input: PoolInput, slot: number, existing: DevicePool | undefined): DevicePool {
  const same = existing && existing.url === input.url && existing.port === input.port ? existing : undefined;
  const pool: DevicePool = {
    ...same,
    slot,
    url: input.url,
    port: input.port,
    user: input.user,
    password: input.password ?? (same ? same.password : 'x'),
    protocol: input.protocol ?? same?.protocol ?? 'SV1',
    tls: same?.tls ?? 0,
  };
  if (input.sv2ChannelType !== undefined) pool.sv2ChannelType = input.sv2ChannelType;
  if (input.sv2AuthorityPubkey !== undefined) pool.sv2AuthorityPubkey = input.sv2AuthorityPubkey;
  if (input.sv2RequireAuth !== undefined) pool.sv2RequireAuth = input.sv2RequireAuth;
  return pool;
}

export class DeviceManager {
  private readonly store: DeviceStore;
  private readonly watcher: DeviceWatcher;
  private readonly pointing: ProxyPointing;
  private readonly listeners = new Set<(event: DeviceManagerEvent) => void>();
  private readonly scans = new Map<string, AbortController>();
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** "Set up over USB" for stock firmware */
  readonly usb: UsbSetupService;

  constructor(private readonly opts: DeviceManagerOptions) {
    this.store = new DeviceStore(opts.dbPath);
    this.watcher = new DeviceWatcher({ ...opts, store: this.store, emit: (event) => this.emit(event), stopped: () => this.stopped });
    this.pointing = new ProxyPointing(this.watcher, this.store, opts);
    for (const row of this.store.all()) this.watcher.track(row);
    this.usb = new UsbSetupService({
      backupDir: opts.usbBackupDir ?? join(dirname(opts.dbPath), 'usb-backups'),
      listUsbPorts: () => this.usbPorts(),
      proxyEndpoint: opts.proxyEndpoint,
      proxyMiners: opts.proxyMiners,
      addDevice: (address) => this.add(address),
      localAddresses: () => this.watcher.localAddresses(),
      emit: (progress) => this.emit({ type: 'device.usbSetup', progress }),
      logger: opts.logger,
    });
  }

  // ------------------------------------------------------------------ lifecycle and events

  subscribe(listener: (event: DeviceManagerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: DeviceManagerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.opts.logger.warn('device event listener failed', { error: (error as Error).message });
      }
    }
  }

  start(): void {
    if (this.pollTimer || this.stopped) return;
    const tick = () => {
      for (const live of this.watcher.devices.values()) void this.watcher.poll(live);
    };
    tick();
    this.pollTimer = setInterval(tick, this.opts.pollIntervalMs ?? 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.usb.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const scan of this.scans.values()) scan.abort();
    for (const live of this.watcher.devices.values()) live.logStream?.close();
    // let polls in flight settle before the database closes
    for (let i = 0; i < 100 && [...this.watcher.devices.values()].some((l) => l.polling); i++) await sleep(20);
    this.store.close();
  }

  // ------------------------------------------------------------------ commands

  list(): Device[] {
    return [...this.watcher.devices.values()].map((l) => this.watcher.view(l));
  }

  get(id: string): Device {
    return this.watcher.view(this.watcher.require(id));
  }

  /** Adds (or re-addresses, when the MAC is known) the Bitaxe answering at `address`. */
  async add(address: string): Promise<Device> {
    let client: AxeosClient;
    let info: NormalizedInfo;
    try {
      client = new AxeosClient(address, { timeoutMs: this.opts.requestTimeoutMs ?? 4000 });
      info = (await client.info()).info;
    } catch (error) {
      throw apiErrorOf(error);
    }
    const id = deviceIdOf(info.mac);
    let live = this.watcher.devices.get(id);
    if (live) this.watcher.moveTo(live, client.baseUrl);
    else {
      const row: DeviceRow = {
        id,
        mac: info.mac,
        address: client.baseUrl,
        hostname: info.hostname,
        asicModel: info.asicModel,
        firmware: info.firmware.raw,
        addedAt: Date.now(),
        lastSeen: Date.now(),
        bestDiff: info.bestDiff,
        lastPool: primaryPoolOf(info),
        proxyBackup: null,
      };
      this.store.upsert(row);
      live = this.watcher.track(row);
    }
    this.watcher.observe(live, info);
    return this.watcher.view(live);
  }

  remove(id: string): boolean {
    const live = this.watcher.devices.get(id);
    live?.logStream?.close();
    this.watcher.devices.delete(id);
    const removed = this.store.remove(id) || !!live;
    if (removed) this.emit({ type: 'device.removed', id });
    return removed;
  }

  async refresh(id: string): Promise<Device> {
    const live = this.watcher.require(id);
    await this.watcher.poll(live);
    return this.watcher.view(live);
  }

  async restart(id: string): Promise<void> {
    const live = this.watcher.require(id);
    try {
      await live.client.restart();
    } catch (error) {
      throw apiErrorOf(error);
    }
  }

  async identify(id: string): Promise<void> {
    try {
      await this.watcher.require(id).client.identify();
    } catch (error) {
      throw apiErrorOf(error);
    }
  }

  async setPaused(id: string, paused: boolean): Promise<Device> {
    const live = this.watcher.require(id);
    const info = await this.watcher.fresh(live);
    try {
      if (paused) await live.client.pause(info.firmware.raw);
      else await live.client.resume(info.firmware.raw);
    } catch (error) {
      throw apiErrorOf(error);
    }
    await this.watcher.fresh(live);
    return this.watcher.view(live);
  }

  /** Primary and fallback pool, written the way the firmware understands, then a restart. */
  async setPools(id: string, primary: PoolInput, fallback?: PoolInput): Promise<Device> {
    const live = this.watcher.require(id);
    const info = await this.watcher.fresh(live);
    const asPool = (p: PoolInput, slot: number): DevicePool =>
      poolFromInput(
        p,
        slot,
        info.pools.find((x) => x.slot === slot),
      );
    const primarySlot = info.primaryPool;
    const secondarySlot = info.secondaryPool !== primarySlot ? info.secondaryPool : (primarySlot + 1) % 8;
    live.poolChangeExpectedUntil = Date.now() + 120_000;
    try {
      await live.client.writePools(info, asPool(primary, primarySlot), fallback && asPool(fallback, secondarySlot), { primary: primarySlot, secondary: secondarySlot });
    } catch (error) {
      throw apiErrorOf(error);
    }
    await this.watcher.restartAndWait(live, info);
    return this.watcher.view(live);
  }

  /**
   * Point the Bitaxe at Axewallet: this machine's address on the device's subnet as primary, the
   * previous primary kept as fallback (mining continues if Axewallet stops), restart, then confirm
   * the device appears in the proxy's miner list.
   */
  useProxy(id: string): Promise<{ device: Device; proxy: { host: string; port: number } }> {
    return this.pointing.point(id);
  }

  /** Restores the pools the device had before use-proxy. */
  undoProxy(id: string): Promise<Device> {
    return this.pointing.undo(id);
  }

  /**
   * For fleet actions (fleet.ts): the device's AxeOS client after a fresh look at it. Pool changes in the next
   * `expectMs` are ours, not an alert.
   */
  async beginChange(id: string, expectMs = 120_000): Promise<{ client: AxeosClient; info: NormalizedInfo; name: string }> {
    const live = this.watcher.require(id);
    const info = await this.watcher.fresh(live);
    live.poolChangeExpectedUntil = Date.now() + expectMs;
    return { client: live.client, info, name: this.watcher.name(live) };
  }

  /** Restarts after a fleet change and waits for the new boot. */
  async finishChange(id: string, before: NormalizedInfo): Promise<Device> {
    const live = this.watcher.require(id);
    await this.watcher.restartAndWait(live, before);
    return this.watcher.view(live);
  }

  history(id: string, range: HistoryRange): HistoryPoint[] {
    this.watcher.require(id);
    return historyPoints(this.store.samples(id, Date.now() - RANGE_MS[range]));
  }

  logs(id: string, limit: number): string[] {
    return this.watcher.require(id).logs.slice(-limit);
  }

  // ------------------------------------------------------------------ discovery

  discover(options: { hosts?: string[]; port?: number; mdns?: boolean; concurrency?: number; timeoutMs?: number } = {}): { scanId: string; total: number } {
    let hosts: string[];
    try {
      hosts = options.hosts?.length ? [...new Set(options.hosts.flatMap(expandHosts))] : localSubnetHosts();
    } catch (error) {
      throw new ApiError('bad_request', (error as Error).message, 'Give a /24 (like 192.168.1.0/24) or a range (like 192.168.1.10-40).', 'hosts');
    }
    if (hosts.length === 0 && !options.mdns) {
      throw new ApiError('conflict', 'This computer has no private IPv4 network to scan.', 'Connect to the network the Bitaxes are on, or enter a device address by hand.');
    }
    const scanId = randomBytes(6).toString('hex');
    const controller = new AbortController();
    this.scans.set(scanId, controller);
    const annotate = (found: FoundDevice[]) => found.map((d) => ({ ...d, known: this.watcher.devices.has(deviceIdOf(d.mac)) }));
    const report = (progress: ScanProgress, done: boolean) =>
      this.emit({ type: 'device.discovery', progress: { ...progress, scanId, found: annotate(progress.found), done, cancelled: controller.signal.aborted } });
    void (async () => {
      try {
        if (options.mdns) {
          const announced = await browseMdns({ timeoutMs: 3000, signal: controller.signal });
          for (const device of announced) if (device.address && !hosts.includes(device.address)) hosts.push(device.address);
        }
        const result = await scanHosts({
          hosts,
          port: options.port,
          concurrency: options.concurrency ?? 32,
          timeoutMs: options.timeoutMs ?? 1500,
          signal: controller.signal,
          onProgress: (p) => report(p, false),
        });
        // A known device found at a new address follows its MAC there.
        for (const found of result.found) {
          const live = this.watcher.devices.get(deviceIdOf(found.mac));
          if (live && live.client.baseUrl !== found.address) {
            this.watcher.moveTo(live, found.address);
            void this.watcher.poll(live);
          }
        }
        report(result, true);
      } catch (error) {
        this.opts.logger.warn('discovery failed', { error: (error as Error).message });
        report({ scanned: 0, total: hosts.length, found: [], refused: [] }, true);
      } finally {
        this.scans.delete(scanId);
      }
    })();
    return { scanId, total: hosts.length };
  }

  cancelDiscover(scanId: string): boolean {
    const scan = this.scans.get(scanId);
    scan?.abort();
    return !!scan;
  }

  // ------------------------------------------------------------------ USB

  private usbPorts(): Promise<UsbPort[]> {
    return bitaxeUsbPorts(this.opts);
  }

  async usbDevices(): Promise<UsbDevice[]> {
    return usbDevices(await this.usbPorts(), (path) => this.usb.busy(path));
  }
}

export function createDeviceManager(opts: DeviceManagerOptions): DeviceManager {
  return new DeviceManager(opts);
}

/**
 * The device manager: Bitaxes by MAC, their live state (polled over AxeOS), history persisted for
 * charts, device logs, alerts, discovery, and "point this Bitaxe at Axewallet" with undo.
 * Every device failure is a state with a message and a hint, never an exception that escapes.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ApiError } from '../api/define';
import type { Device } from '../api/devices';
import type { Logger } from '../../lib/log';
import { AxeosClient, AxeosError } from '../../device/axeos/client';
import { type Stream, subscribeLogs } from '../../device/axeos/live';
import type { DevicePool, NormalizedInfo } from '../../device/axeos/normalize';
import { browseMdns } from '../../device/discovery/mdns';
import { type FoundDevice, type ScanProgress, expandHosts, localSubnetHosts, scanHosts } from '../../device/discovery/scan';
import { SerialDriver } from '../../device/serial/driver';
import { stripAnsi } from '../../device/serial/log-parser';
import { listBitaxePorts, type UsbPort } from '../../device/serial/ports';
import { type DeviceBaseline, type DeviceObservation, primaryPoolOf } from './observation';
import { type LocalAddress, lanAddressFor, localIpv4Addresses } from './lan';
import { type DeviceRow, DeviceStore, type ProxyBackup, shareDeltas } from './store';
import { type UsbSetupProgressEvent, UsbSetupService } from './usb-setup';
import { hostOfAddress } from './address';

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

export interface UsbDevice {
  path: string;
  serialNumber?: string;
  firmware: 'patched' | 'stock' | 'unknown';
  address?: string;
  hostname?: string;
  problem?: string;
}

export type DeviceManagerEvent =
  | { type: 'device.state'; device: Device }
  | { type: 'device.removed'; id: string }
  | { type: 'device.discovery'; progress: ScanProgress & { scanId: string; done: boolean; cancelled: boolean; found: Array<FoundDevice & { known: boolean }> } }
  | { type: 'device.log'; id: string; line: string }
  | { type: 'device.usbSetup'; progress: UsbSetupProgressEvent }
  /** every look at a device (alerts and integrations judge it); `baseline` is what the look before saw */
  | { type: 'device.observed'; id: string; name: string; observation: DeviceObservation; baseline: DeviceBaseline };

export type HistoryRange = '1h' | '24h' | '7d' | '30d';

interface Live {
  row: DeviceRow;
  client: AxeosClient;
  info?: NormalizedInfo;
  status: Device['status'];
  problem?: Device['problem'];
  failures: number;
  baseline: DeviceBaseline;
  logs: string[];
  logStream?: Stream;
  polling: boolean;
  /** while we change pools ourselves, a pool change is not an alert */
  poolChangeExpectedUntil: number;
  lastSampleAt: number;
  lastRelocateAt: number;
}

const LOG_LINES = 500;
const RANGE_MS: Record<HistoryRange, number> = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const MAX_HISTORY_POINTS = 500;

export function deviceIdOf(mac: string): string {
  return mac.replace(/:/g, '').toLowerCase();
}

/** AxeOS failures mapped to the API's error codes, keeping the device's message and hint. */
export function apiErrorOf(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AxeosError) {
    const code = ({ unauthorized: 'forbidden', rejected: 'bad_request', unsupported: 'conflict', timeout: 'unavailable', unreachable: 'unavailable' } as const)[error.kind as string] ?? 'upstream_error';
    return new ApiError(code, error.message, error.hint);
  }
  return new ApiError('internal', (error as Error)?.message ?? String(error));
}

function problemOf(error: unknown): Device['problem'] {
  if (error instanceof AxeosError) return { kind: error.kind, message: error.message, hint: error.hint };
  return { kind: 'unreachable', message: (error as Error)?.message ?? String(error), hint: 'Check the device and try again.' };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  const pool: DevicePool = { ...same, slot, url: input.url, port: input.port, user: input.user, password: input.password ?? (same ? same.password : 'x'), protocol: input.protocol ?? same?.protocol ?? 'SV1', tls: same?.tls ?? 0 };
  if (input.sv2ChannelType !== undefined) pool.sv2ChannelType = input.sv2ChannelType;
  if (input.sv2AuthorityPubkey !== undefined) pool.sv2AuthorityPubkey = input.sv2AuthorityPubkey;
  if (input.sv2RequireAuth !== undefined) pool.sv2RequireAuth = input.sv2RequireAuth;
  return pool;
}

export class DeviceManager {
  private readonly store: DeviceStore;
  private readonly live = new Map<string, Live>();
  private readonly listeners = new Set<(event: DeviceManagerEvent) => void>();
  private readonly scans = new Map<string, AbortController>();
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** "Set up over USB" for stock firmware */
  readonly usb: UsbSetupService;

  constructor(private readonly opts: DeviceManagerOptions) {
    this.store = new DeviceStore(opts.dbPath);
    for (const row of this.store.all()) this.track(row);
    this.usb = new UsbSetupService({
      backupDir: opts.usbBackupDir ?? join(dirname(opts.dbPath), 'usb-backups'),
      listUsbPorts: () => this.usbPorts(),
      proxyEndpoint: opts.proxyEndpoint,
      proxyMiners: opts.proxyMiners,
      addDevice: (address) => this.add(address),
      localAddresses: () => this.localAddresses(),
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
      for (const live of this.live.values()) void this.poll(live);
    };
    tick();
    this.pollTimer = setInterval(tick, this.opts.pollIntervalMs ?? 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.usb.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const scan of this.scans.values()) scan.abort();
    for (const live of this.live.values()) live.logStream?.close();
    // let polls in flight settle before the database closes
    for (let i = 0; i < 100 && [...this.live.values()].some((l) => l.polling); i++) await sleep(20);
    this.store.close();
  }

  // ------------------------------------------------------------------ state

  private track(row: DeviceRow): Live {
    const live: Live = {
      row,
      client: new AxeosClient(row.address, { timeoutMs: this.opts.requestTimeoutMs ?? 4000 }),
      status: 'offline',
      failures: 0,
      baseline: { pool: row.lastPool, bestDiff: row.bestDiff },
      logs: [],
      polling: false,
      poolChangeExpectedUntil: 0,
      lastSampleAt: 0,
      lastRelocateAt: 0,
    };
    this.live.set(row.id, live);
    return live;
  }

  private require(id: string): Live {
    const live = this.live.get(id);
    if (!live) throw new ApiError('not_found', `No device with id ${id}.`, 'Add it by address or run discovery.');
    return live;
  }

  private name(live: Live): string {
    return live.info?.hostname || live.row.hostname || live.row.mac;
  }

  view(live: Live): Device {
    const info = live.info;
    const endpoint = this.opts.proxyEndpoint();
    const primary = info?.pools.find((p) => p.slot === info.primaryPool);
    const viaAxewallet = !!(endpoint && primary && primary.port === endpoint.port && this.proxyHostCandidates(info).includes(primary.url));
    return {
      id: live.row.id,
      mac: live.row.mac,
      address: live.client.baseUrl,
      hostname: info?.hostname ?? live.row.hostname,
      asicModel: info?.asicModel ?? live.row.asicModel,
      boardVersion: info?.boardVersion ?? '',
      firmware: info?.firmware.raw ?? live.row.firmware,
      status: live.status,
      ...(live.problem ? { problem: live.problem } : {}),
      lastSeen: live.row.lastSeen ? new Date(live.row.lastSeen).toISOString() : null,
      capabilities: { poolsApi: info?.capabilities.poolsApi ?? false, pauseResume: info?.capabilities.pauseResume ?? false },
      hashrate: info?.hashrate ?? 0,
      hashrate1m: info?.hashrate1m ?? 0,
      hashrate10m: info?.hashrate10m ?? 0,
      hashrate1h: info?.hashrate1h ?? 0,
      expectedHashrate: info?.expectedHashrate ?? 0,
      temperature: info?.temperature ?? 0,
      vrTemperature: info?.vrTemperature ?? 0,
      power: info?.power ?? 0,
      fanRpm: info?.fanRpm ?? 0,
      sharesAccepted: info?.sharesAccepted ?? 0,
      sharesRejected: info?.sharesRejected ?? 0,
      rejectReasons: info?.rejectReasons ?? [],
      bestDiff: info?.bestDiff ?? live.row.bestDiff,
      bestSessionDiff: info?.bestSessionDiff ?? 0,
      poolDifficulty: info?.poolDifficulty ?? 0,
      responseTimeMs: info?.responseTimeMs ?? 0,
      uptimeSeconds: info?.uptimeSeconds ?? 0,
      miningPaused: info?.miningPaused ?? false,
      usingFallback: info?.usingFallback ?? false,
      pools: (info?.pools ?? []).map(({ slot, url, port, user, protocol, tls, sv2ChannelType, sv2AuthorityPubkey, sv2RequireAuth }) => ({ slot, url, port, user, protocol, tls, sv2ChannelType, sv2AuthorityPubkey, sv2RequireAuth })),
      useFallbackStratum: info?.useFallbackStratum ?? false,
      primaryPool: info?.primaryPool ?? 0,
      secondaryPool: info?.secondaryPool ?? 1,
      viaAxewallet,
      canUndoProxy: live.row.proxyBackup !== null,
    };
  }

  private proxyHostCandidates(info: NormalizedInfo | undefined): string[] {
    const endpoint = this.opts.proxyEndpoint();
    const hosts = endpoint ? [endpoint.host] : [];
    if (info?.ipv4) {
      const lan = lanAddressFor(info.ipv4, this.localAddresses());
      if (lan) hosts.push(lan);
    }
    return hosts;
  }

  private localAddresses(): LocalAddress[] {
    return this.opts.localAddresses?.() ?? localIpv4Addresses();
  }

  private publish(live: Live): void {
    this.emit({ type: 'device.state', device: this.view(live) });
  }

  private observed(live: Live, observation: DeviceObservation): void {
    this.emit({ type: 'device.observed', id: live.row.id, name: this.name(live), observation, baseline: live.baseline });
    if (observation.online) live.baseline = { pool: primaryPoolOf(observation.info), bestDiff: Math.max(live.baseline.bestDiff, observation.info.bestDiff) };
  }

  /** One poll: live state, alerts, a history point when due. Never throws. */
  private async poll(live: Live): Promise<void> {
    if (live.polling || this.stopped || live.status === 'restarting') return;
    live.polling = true;
    try {
      const { info } = await live.client.info();
      if (this.stopped || !this.live.has(live.row.id)) return;
      if (info.mac !== live.row.mac) {
        live.status = 'error';
        live.problem = {
          kind: 'unreachable',
          message: `A different Bitaxe (${info.mac}) now answers at ${live.client.host}: this device's address changed.`,
          hint: 'Run discovery to find it at its new address.',
        };
        live.failures += 1;
        this.publish(live);
        return;
      }
      this.observe(live, info);
    } catch (error) {
      if (this.stopped || !this.live.has(live.row.id)) return;
      live.failures += 1;
      live.problem = problemOf(error);
      const kind = error instanceof AxeosError ? error.kind : 'unreachable';
      if (kind === 'unauthorized') live.status = 'refused';
      else if (kind === 'timeout' || kind === 'unreachable') {
        if (live.failures >= (this.opts.offlineAfterFailures ?? 2)) {
          live.status = 'offline';
          this.observed(live, { online: false, reason: live.problem?.message ?? 'no answer' });
          void this.relocate(live);
        }
      } else live.status = 'error';
      this.publish(live);
    } finally {
      live.polling = false;
    }
  }

  private observe(live: Live, info: NormalizedInfo): void {
    live.info = info;
    live.status = 'online';
    live.problem = undefined;
    live.failures = 0;
    this.observed(live, { online: true, info, poolChangeExpected: Date.now() < live.poolChangeExpectedUntil });
    const now = Date.now();
    live.row = { ...live.row, hostname: info.hostname, asicModel: info.asicModel, firmware: info.firmware.raw, lastSeen: now, bestDiff: live.baseline.bestDiff, lastPool: primaryPoolOf(info) };
    this.store.upsert(live.row);
    if (now - live.lastSampleAt >= (this.opts.sampleIntervalMs ?? 60_000)) {
      live.lastSampleAt = now;
      this.store.addSample(live.row.id, {
        at: now,
        hashrate1m: info.hashrate1m,
        hashrate10m: info.hashrate10m,
        hashrate1h: info.hashrate1h,
        temperature: info.temperature,
        power: info.power,
        sharesAccepted: info.sharesAccepted,
        sharesRejected: info.sharesRejected,
      });
    }
    if (!live.logStream && this.opts.streamLogs !== false) this.followLogs(live);
    this.publish(live);
  }

  private followLogs(live: Live): void {
    live.logStream = subscribeLogs(
      live.client.baseUrl,
      (raw) => {
        const line = stripAnsi(raw);
        live.logs.push(line);
        if (live.logs.length > LOG_LINES) live.logs.splice(0, live.logs.length - LOG_LINES);
        this.emit({ type: 'device.log', id: live.row.id, line });
      },
      { retryDelayMs: 2000, maxDelayMs: 60_000 },
    );
  }

  /** Looks for an offline device's MAC on the /24 it was last seen on, and follows it there. */
  private async relocate(live: Live): Promise<void> {
    const now = Date.now();
    if (now - live.lastRelocateAt < (this.opts.relocateIntervalMs ?? 600_000)) return;
    live.lastRelocateAt = now;
    const { hostname, port } = new URL(live.client.baseUrl);
    const prefix = /^(\d+\.\d+\.\d+)\.\d+$/.exec(hostname)?.[1];
    if (!prefix) return;
    const hosts = expandHosts(`${prefix}.1-254`).filter((h) => h !== hostname);
    const result = await scanHosts({ hosts, port: port ? Number(port) : undefined, concurrency: 32, timeoutMs: 1500 });
    const found = result.found.find((d) => d.mac === live.row.mac);
    if (!found || this.stopped || !this.live.has(live.row.id)) return;
    this.moveTo(live, found.address);
    await this.poll(live);
  }

  private moveTo(live: Live, address: string): void {
    if (live.client.baseUrl === address) return;
    this.opts.logger.info('device address changed', { device: live.row.id, from: live.client.baseUrl, to: address });
    live.logStream?.close();
    live.logStream = undefined;
    live.client = new AxeosClient(address, { timeoutMs: this.opts.requestTimeoutMs ?? 4000 });
    live.row = { ...live.row, address };
    this.store.upsert(live.row);
  }

  // ------------------------------------------------------------------ commands

  list(): Device[] {
    return [...this.live.values()].map((l) => this.view(l));
  }

  get(id: string): Device {
    return this.view(this.require(id));
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
    let live = this.live.get(id);
    if (live) this.moveTo(live, client.baseUrl);
    else {
      const row: DeviceRow = { id, mac: info.mac, address: client.baseUrl, hostname: info.hostname, asicModel: info.asicModel, firmware: info.firmware.raw, addedAt: Date.now(), lastSeen: Date.now(), bestDiff: info.bestDiff, lastPool: primaryPoolOf(info), proxyBackup: null };
      this.store.upsert(row);
      live = this.track(row);
    }
    this.observe(live, info);
    return this.view(live);
  }

  remove(id: string): boolean {
    const live = this.live.get(id);
    live?.logStream?.close();
    this.live.delete(id);
    const removed = this.store.remove(id) || !!live;
    if (removed) this.emit({ type: 'device.removed', id });
    return removed;
  }

  async refresh(id: string): Promise<Device> {
    const live = this.require(id);
    await this.poll(live);
    return this.view(live);
  }

  private async fresh(live: Live): Promise<NormalizedInfo> {
    try {
      const { info } = await live.client.info();
      if (info.mac !== live.row.mac) {
        throw new ApiError('conflict', `A different Bitaxe (${info.mac}) answers at ${live.client.host}.`, 'This device changed address: run discovery to find it.');
      }
      this.observe(live, info);
      return info;
    } catch (error) {
      throw apiErrorOf(error);
    }
  }

  /** Restarts and waits until the device answers again from a new boot. */
  private async restartAndWait(live: Live, before: NormalizedInfo): Promise<NormalizedInfo> {
    live.status = 'restarting';
    this.publish(live);
    try {
      const requestedAt = Date.now();
      await live.client.restart();
      const deadline = Date.now() + (this.opts.rebootTimeoutMs ?? 60_000);
      let wentDown = false;
      for (;;) {
        await sleep(100);
        try {
          const { info } = await live.client.info();
          // A new boot shows as an outage, or as less uptime than the old boot would have by now.
          const oldBootUptime = before.uptimeSeconds + (Date.now() - requestedAt) / 1000;
          if (wentDown || info.uptimeSeconds < before.uptimeSeconds || info.uptimeSeconds + 2 <= oldBootUptime) {
            live.status = 'online';
            this.observe(live, info);
            return info;
          }
        } catch {
          wentDown = true;
        }
        if (Date.now() > deadline) {
          throw new ApiError('unavailable', `${this.name(live)} did not come back within ${Math.round((this.opts.rebootTimeoutMs ?? 60_000) / 1000)} s after its restart.`, 'Check its power and Wi-Fi; the settings are saved on the device.');
        }
      }
    } catch (error) {
      if (live.status === 'restarting') live.status = 'offline';
      this.publish(live);
      throw apiErrorOf(error);
    }
  }

  async restart(id: string): Promise<void> {
    const live = this.require(id);
    try {
      await live.client.restart();
    } catch (error) {
      throw apiErrorOf(error);
    }
  }

  async identify(id: string): Promise<void> {
    try {
      await this.require(id).client.identify();
    } catch (error) {
      throw apiErrorOf(error);
    }
  }

  async setPaused(id: string, paused: boolean): Promise<Device> {
    const live = this.require(id);
    const info = await this.fresh(live);
    try {
      if (paused) await live.client.pause(info.firmware.raw);
      else await live.client.resume(info.firmware.raw);
    } catch (error) {
      throw apiErrorOf(error);
    }
    await this.fresh(live);
    return this.view(live);
  }

  /** Primary and fallback pool, written the way the firmware understands, then a restart. */
  async setPools(id: string, primary: PoolInput, fallback?: PoolInput): Promise<Device> {
    const live = this.require(id);
    const info = await this.fresh(live);
    const asPool = (p: PoolInput, slot: number): DevicePool => poolFromInput(p, slot, info.pools.find((x) => x.slot === slot));
    const primarySlot = info.primaryPool;
    const secondarySlot = info.secondaryPool !== primarySlot ? info.secondaryPool : (primarySlot + 1) % 8;
    live.poolChangeExpectedUntil = Date.now() + 120_000;
    try {
      await live.client.writePools(info, asPool(primary, primarySlot), fallback && asPool(fallback, secondarySlot), { primary: primarySlot, secondary: secondarySlot });
    } catch (error) {
      throw apiErrorOf(error);
    }
    await this.restartAndWait(live, info);
    return this.view(live);
  }

  /**
   * Point the Bitaxe at Axewallet: this machine's address on the device's subnet as primary, the
   * previous primary kept as fallback (mining continues if Axewallet stops), restart, then confirm
   * the device appears in the proxy's miner list.
   */
  async useProxy(id: string): Promise<{ device: Device; proxy: { host: string; port: number } }> {
    const live = this.require(id);
    const endpoint = this.opts.proxyEndpoint();
    if (!endpoint) throw new ApiError('unavailable', "Axewallet's Stratum port is not running.", 'Start mining in Axewallet first, then point the Bitaxe at it.');
    const info = await this.fresh(live);
    const deviceIp = info.ipv4 || new URL(live.client.baseUrl).hostname;
    const host = this.proxyHostFor(deviceIp, endpoint);
    const proxy = { host, port: endpoint.port };
    // the pool it mines on now: its fallback when it was told to use that one
    const inUse = info.useFallbackStratum && info.pools.some((p) => p.slot === info.secondaryPool) ? info.secondaryPool : info.primaryPool;
    const current = info.pools.find((p) => p.slot === inUse);
    if (current && current.url === host && current.port === endpoint.port && !info.useFallbackStratum) {
      await this.confirmConnected(live, deviceIp, proxy);
      return { device: this.view(live), proxy };
    }
    const proxyPool: DevicePool = { slot: 0, url: host, port: endpoint.port, user: current?.user || 'axewallet', password: 'x', protocol: 'SV1', tls: 0 };
    // the user's difficulty choice goes with the miner to the proxy
    if (current?.suggestedDifficulty !== undefined) proxyPool.suggestedDifficulty = current.suggestedDifficulty;
    let backup: ProxyBackup;
    if (info.capabilities.poolsApi) {
      const used = new Set(info.pools.map((p) => p.slot));
      const free = [0, 1, 2, 3, 4, 5, 6, 7].find((slot) => !used.has(slot));
      const idle = inUse === info.primaryPool ? info.secondaryPool : info.primaryPool;
      const earlier = info.pools.find((p) => p.url === host && p.port === endpoint.port && p.slot !== inUse);
      const slot = earlier?.slot ?? free ?? (idle !== inUse ? idle : (inUse + 1) % 8);
      backup = { pools: info.pools, primaryPool: info.primaryPool, secondaryPool: info.secondaryPool, poolsApi: true, proxySlot: slot, useFallbackStratum: info.useFallbackStratum };
      proxyPool.slot = slot;
    } else {
      backup = { pools: info.pools, primaryPool: 0, secondaryPool: 1, poolsApi: false, proxySlot: 0, useFallbackStratum: info.useFallbackStratum };
    }
    // The backup is saved before anything is written, and a second use-proxy keeps the first backup.
    if (!live.row.proxyBackup) {
      live.row = { ...live.row, proxyBackup: backup };
      this.store.upsert(live.row);
    }
    live.poolChangeExpectedUntil = Date.now() + (this.opts.confirmTimeoutMs ?? 90_000) + 60_000;
    try {
      // v2.15: the proxy goes into its own slot and the old primary's slot (password, Stratum V2 fields intact) becomes the secondary;
      // a device told to mine on its fallback (useFallbackStratum) would never reach the proxy
      const fallback = info.capabilities.poolsApi ? undefined : current && { ...current, slot: 1 };
      await live.client.writePools(info, proxyPool, fallback, { primary: proxyPool.slot, secondary: inUse }, info.useFallbackStratum ? { useFallbackStratum: false } : {});
    } catch (error) {
      throw apiErrorOf(error);
    }
    this.opts.logger.info('pointing device at Axewallet', { device: live.row.id, proxy: `${host}:${endpoint.port}` });
    await this.restartAndWait(live, info);
    await this.confirmConnected(live, deviceIp, proxy);
    return { device: this.view(live), proxy };
  }

  private proxyHostFor(deviceIp: string, endpoint: { host: string; port: number }): string {
    const lan = lanAddressFor(deviceIp, this.localAddresses());
    const wildcard = endpoint.host === '0.0.0.0' || endpoint.host === '::' || endpoint.host === '';
    if (lan) {
      if (!wildcard && endpoint.host !== lan && !(lan === '127.0.0.1' && endpoint.host.startsWith('127.'))) {
        throw new ApiError('conflict', `Axewallet's Stratum port listens on ${endpoint.host} only, which ${deviceIp} cannot reach.`, 'Set the Stratum host to 0.0.0.0 in Settings so devices on your network can connect.');
      }
      return lan === '127.0.0.1' && !wildcard ? endpoint.host : lan;
    }
    if (!wildcard) return endpoint.host;
    throw new ApiError('conflict', `This computer has no address on ${deviceIp}'s network.`, 'Connect this computer to the same network (Wi-Fi or LAN) as the Bitaxe, without VPN.');
  }

  private async confirmConnected(live: Live, deviceIp: string, proxy: { host: string; port: number }): Promise<void> {
    const timeoutMs = this.opts.confirmTimeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.opts.proxyMiners().some((m) => m.worker !== '' && hostOfAddress(m.address) === deviceIp)) return;
      await sleep(200);
    }
    throw new ApiError(
      'upstream_error',
      `${this.name(live)} restarted with Axewallet (${proxy.host}:${proxy.port}) as its pool but did not connect within ${Math.round(timeoutMs / 1000)} s.`,
      `Check that this computer's firewall allows incoming connections to port ${proxy.port}. The previous pool is the fallback, so the device keeps mining; "Undo" restores it as primary.`,
    );
  }

  /** Restores the pools the device had before use-proxy. */
  async undoProxy(id: string): Promise<Device> {
    const live = this.require(id);
    const backup = live.row.proxyBackup;
    if (!backup) throw new ApiError('conflict', `${this.name(live)} has no saved pools to restore.`, 'Undo works after "Use Axewallet" was applied to this device.');
    const info = await this.fresh(live);
    live.poolChangeExpectedUntil = Date.now() + 120_000;
    try {
      if (backup.poolsApi) {
        await live.client.patch({ primaryPoolIndex: backup.primaryPool, secondaryPoolIndex: backup.secondaryPool, ...(backup.useFallbackStratum ? { useFallbackStratum: 1 } : {}) });
        const original = backup.pools.find((p) => p.slot === backup.proxySlot);
        if (original) await live.client.putPool(backup.proxySlot, original);
        else await live.client.deletePool(backup.proxySlot);
      } else {
        const primary = backup.pools.find((p) => p.slot === 0);
        if (primary) await live.client.writePools(info, primary, backup.pools.find((p) => p.slot === 1), undefined, backup.useFallbackStratum ? { useFallbackStratum: true } : {});
      }
    } catch (error) {
      throw apiErrorOf(error);
    }
    live.row = { ...live.row, proxyBackup: null };
    this.store.upsert(live.row);
    await this.restartAndWait(live, info);
    return this.view(live);
  }

  /**
   * For fleet actions (fleet.ts): the device's AxeOS client after a fresh look at it. Pool changes in the next
   * `expectMs` are ours, not an alert.
   */
  async beginChange(id: string, expectMs = 120_000): Promise<{ client: AxeosClient; info: NormalizedInfo; name: string }> {
    const live = this.require(id);
    const info = await this.fresh(live);
    live.poolChangeExpectedUntil = Date.now() + expectMs;
    return { client: live.client, info, name: this.name(live) };
  }

  /** Restarts after a fleet change and waits for the new boot. */
  async finishChange(id: string, before: NormalizedInfo): Promise<Device> {
    const live = this.require(id);
    await this.restartAndWait(live, before);
    return this.view(live);
  }

  history(id: string, range: HistoryRange): Array<{ at: string; hashrate1m: number; hashrate10m: number; hashrate1h: number; temperature: number; power: number; shares: number; rejects: number }> {
    this.require(id);
    const samples = this.store.samples(id, Date.now() - RANGE_MS[range]);
    const deltas = shareDeltas(samples);
    const points = samples.map((s, i) => ({ ...s, shares: deltas[i]?.shares ?? 0, rejects: deltas[i]?.rejects ?? 0 }));
    const bucket = Math.max(1, Math.ceil(points.length / MAX_HISTORY_POINTS));
    const out = [];
    for (let i = 0; i < points.length; i += bucket) {
      const group = points.slice(i, i + bucket);
      const avg = (pick: (p: (typeof points)[number]) => number) => group.reduce((sum, p) => sum + pick(p), 0) / group.length;
      const last = group[group.length - 1];
      if (!last) continue;
      out.push({
        at: new Date(last.at).toISOString(),
        hashrate1m: avg((p) => p.hashrate1m),
        hashrate10m: avg((p) => p.hashrate10m),
        hashrate1h: avg((p) => p.hashrate1h),
        temperature: avg((p) => p.temperature),
        power: avg((p) => p.power),
        shares: group.reduce((sum, p) => sum + p.shares, 0),
        rejects: group.reduce((sum, p) => sum + p.rejects, 0),
      });
    }
    return out;
  }

  logs(id: string, limit: number): string[] {
    return this.require(id).logs.slice(-limit);
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
    const annotate = (found: FoundDevice[]) => found.map((d) => ({ ...d, known: this.live.has(deviceIdOf(d.mac)) }));
    const report = (progress: ScanProgress, done: boolean) =>
      this.emit({ type: 'device.discovery', progress: { ...progress, scanId, found: annotate(progress.found), done, cancelled: controller.signal.aborted } });
    void (async () => {
      try {
        if (options.mdns) {
          const announced = await browseMdns({ timeoutMs: 3000, signal: controller.signal });
          for (const device of announced) if (device.address && !hosts.includes(device.address)) hosts.push(device.address);
        }
        const result = await scanHosts({ hosts, port: options.port, concurrency: options.concurrency ?? 32, timeoutMs: options.timeoutMs ?? 1500, signal: controller.signal, onProgress: (p) => report(p, false) });
        // A known device found at a new address follows its MAC there.
        for (const found of result.found) {
          const live = this.live.get(deviceIdOf(found.mac));
          if (live && live.client.baseUrl !== found.address) {
            this.moveTo(live, found.address);
            void this.poll(live);
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

  /** Each Bitaxe on USB: patched firmware tells its network address over the console; stock firmware cannot. */
  private async usbPorts(): Promise<UsbPort[]> {
    const found = await (this.opts.listUsbPorts ?? (() => listBitaxePorts()))();
    const named = (this.opts.extraUsbPorts ?? []).filter((path) => !found.some((p) => p.path === path)).map((path) => ({ path, vendorId: '303a', productId: '1001' }));
    return [...found, ...named];
  }

  async usbDevices(): Promise<UsbDevice[]> {
    const ports = await this.usbPorts();
    return Promise.all(
      ports.map(async (port): Promise<UsbDevice> => {
        const device: UsbDevice = { path: port.path, firmware: 'unknown' };
        if (port.serialNumber) device.serialNumber = port.serialNumber;
        if (this.usb.busy(port.path)) return { ...device, problem: 'Axewallet is setting this Bitaxe up over USB right now.' };
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
}

export function createDeviceManager(opts: DeviceManagerOptions): DeviceManager {
  return new DeviceManager(opts);
}

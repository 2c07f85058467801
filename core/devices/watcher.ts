/**
 * Watching the known Bitaxes: each one's AxeOS client, live state and problem, polled and observed (alerts and
 * integrations hear every look), a history point stored when due, its log stream followed, and its MAC followed
 * to a new address when DHCP moves it. The device manager's actions go through the same fresh looks and restarts.
 */
import { ApiError } from '../api/define';
import type { Device } from '../api/devices';
import { AxeosClient, AxeosError } from '../../device/axeos/client';
import { type Stream, subscribeLogs } from '../../device/axeos/live';
import type { NormalizedInfo } from '../../device/axeos/normalize';
import { expandHosts, scanHosts } from '../../device/discovery/scan';
import { stripAnsi } from '../../device/serial/log-parser';
import type { DeviceManagerEvent, DeviceManagerOptions } from './manager-types';
import { type DeviceBaseline, type DeviceObservation, primaryPoolOf } from './observation';
import { type LocalAddress, lanAddressFor, localIpv4Addresses } from './lan';
import type { DeviceRow, DeviceStore } from './store';

/** A Bitaxe the manager knows, with what the last looks at it found. */
export interface TrackedDevice {
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function deviceIdOf(mac: string): string {
  return mac.replace(/:/g, '').toLowerCase();
}

/** AxeOS failures mapped to the API's error codes, keeping the device's message and hint. */
export function apiErrorOf(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AxeosError) {
    const code =
      ({ unauthorized: 'forbidden', rejected: 'bad_request', unsupported: 'conflict', timeout: 'unavailable', unreachable: 'unavailable' } as const)[error.kind as string] ?? 'upstream_error';
    return new ApiError(code, error.message, error.hint);
  }
  return new ApiError('internal', (error as Error)?.message ?? String(error));
}

function problemOf(error: unknown): Device['problem'] {
  if (error instanceof AxeosError) return { kind: error.kind, message: error.message, hint: error.hint };
  return { kind: 'unreachable', message: (error as Error)?.message ?? String(error), hint: 'Check the device and try again.' };
}

export interface WatcherOptions extends Pick<
  DeviceManagerOptions,
  'proxyEndpoint' | 'logger' | 'requestTimeoutMs' | 'offlineAfterFailures' | 'relocateIntervalMs' | 'rebootTimeoutMs' | 'sampleIntervalMs' | 'streamLogs' | 'localAddresses'
> {
  store: DeviceStore;
  emit: (event: DeviceManagerEvent) => void;
  /** the manager is shutting down: no look may start or land */
  stopped: () => boolean;
}

export class DeviceWatcher {
  readonly devices = new Map<string, TrackedDevice>();

  constructor(private readonly options: WatcherOptions) {}

  track(row: DeviceRow): TrackedDevice {
    const live: TrackedDevice = {
      row,
      client: new AxeosClient(row.address, { timeoutMs: this.options.requestTimeoutMs ?? 4000 }),
      status: 'offline',
      failures: 0,
      baseline: { pool: row.lastPool, bestDiff: row.bestDiff },
      logs: [],
      polling: false,
      poolChangeExpectedUntil: 0,
      lastSampleAt: 0,
      lastRelocateAt: 0,
    };
    this.devices.set(row.id, live);
    return live;
  }

  require(id: string): TrackedDevice {
    const live = this.devices.get(id);
    if (!live) throw new ApiError('not_found', `No device with id ${id}.`, 'Add it by address or run discovery.');
    return live;
  }

  name(live: TrackedDevice): string {
    return live.info?.hostname || live.row.hostname || live.row.mac;
  }

  view(live: TrackedDevice): Device {
    const info = live.info;
    const endpoint = this.options.proxyEndpoint();
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
      pools: (info?.pools ?? []).map(({ slot, url, port, user, protocol, tls, sv2ChannelType, sv2AuthorityPubkey, sv2RequireAuth }) => ({
        slot,
        url,
        port,
        user,
        protocol,
        tls,
        sv2ChannelType,
        sv2AuthorityPubkey,
        sv2RequireAuth,
      })),
      useFallbackStratum: info?.useFallbackStratum ?? false,
      primaryPool: info?.primaryPool ?? 0,
      secondaryPool: info?.secondaryPool ?? 1,
      viaAxewallet,
      canUndoProxy: live.row.proxyBackup !== null,
    };
  }

  private proxyHostCandidates(info: NormalizedInfo | undefined): string[] {
    const endpoint = this.options.proxyEndpoint();
    const hosts = endpoint ? [endpoint.host] : [];
    if (info?.ipv4) {
      const lan = lanAddressFor(info.ipv4, this.localAddresses());
      if (lan) hosts.push(lan);
    }
    return hosts;
  }

  localAddresses(): LocalAddress[] {
    return this.options.localAddresses?.() ?? localIpv4Addresses();
  }

  publish(live: TrackedDevice): void {
    this.options.emit({ type: 'device.state', device: this.view(live) });
  }

  private observed(live: TrackedDevice, observation: DeviceObservation): void {
    this.options.emit({ type: 'device.observed', id: live.row.id, name: this.name(live), observation, baseline: live.baseline });
    if (observation.online) live.baseline = { pool: primaryPoolOf(observation.info), bestDiff: Math.max(live.baseline.bestDiff, observation.info.bestDiff) };
  }

  /** One poll: live state, alerts, a history point when due. Never throws. */
  async poll(live: TrackedDevice): Promise<void> {
    if (live.polling || this.options.stopped() || live.status === 'restarting') return;
    live.polling = true;
    try {
      const { info } = await live.client.info();
      if (this.options.stopped() || !this.devices.has(live.row.id)) return;
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
      if (this.options.stopped() || !this.devices.has(live.row.id)) return;
      live.failures += 1;
      live.problem = problemOf(error);
      const kind = error instanceof AxeosError ? error.kind : 'unreachable';
      if (kind === 'unauthorized') live.status = 'refused';
      else if (kind === 'timeout' || kind === 'unreachable') {
        if (live.failures >= (this.options.offlineAfterFailures ?? 2)) {
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

  observe(live: TrackedDevice, info: NormalizedInfo): void {
    live.info = info;
    live.status = 'online';
    live.problem = undefined;
    live.failures = 0;
    this.observed(live, { online: true, info, poolChangeExpected: Date.now() < live.poolChangeExpectedUntil });
    const now = Date.now();
    live.row = { ...live.row, hostname: info.hostname, asicModel: info.asicModel, firmware: info.firmware.raw, lastSeen: now, bestDiff: live.baseline.bestDiff, lastPool: primaryPoolOf(info) };
    this.options.store.upsert(live.row);
    if (now - live.lastSampleAt >= (this.options.sampleIntervalMs ?? 60_000)) {
      live.lastSampleAt = now;
      this.options.store.addSample(live.row.id, {
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
    if (!live.logStream && this.options.streamLogs !== false) this.followLogs(live);
    this.publish(live);
  }

  private followLogs(live: TrackedDevice): void {
    live.logStream = subscribeLogs(
      live.client.baseUrl,
      (raw) => {
        const line = stripAnsi(raw);
        live.logs.push(line);
        if (live.logs.length > LOG_LINES) live.logs.splice(0, live.logs.length - LOG_LINES);
        this.options.emit({ type: 'device.log', id: live.row.id, line });
      },
      { retryDelayMs: 2000, maxDelayMs: 60_000 },
    );
  }

  /** Looks for an offline device's MAC on the /24 it was last seen on, and follows it there. */
  private async relocate(live: TrackedDevice): Promise<void> {
    const now = Date.now();
    if (now - live.lastRelocateAt < (this.options.relocateIntervalMs ?? 600_000)) return;
    live.lastRelocateAt = now;
    const { hostname, port } = new URL(live.client.baseUrl);
    const prefix = /^(\d+\.\d+\.\d+)\.\d+$/.exec(hostname)?.[1];
    if (!prefix) return;
    const hosts = expandHosts(`${prefix}.1-254`).filter((h) => h !== hostname);
    const result = await scanHosts({ hosts, port: port ? Number(port) : undefined, concurrency: 32, timeoutMs: 1500 });
    const found = result.found.find((d) => d.mac === live.row.mac);
    if (!found || this.options.stopped() || !this.devices.has(live.row.id)) return;
    this.moveTo(live, found.address);
    await this.poll(live);
  }

  moveTo(live: TrackedDevice, address: string): void {
    if (live.client.baseUrl === address) return;
    this.options.logger.info('device address changed', { device: live.row.id, from: live.client.baseUrl, to: address });
    live.logStream?.close();
    live.logStream = undefined;
    live.client = new AxeosClient(address, { timeoutMs: this.options.requestTimeoutMs ?? 4000 });
    live.row = { ...live.row, address };
    this.options.store.upsert(live.row);
  }

  async fresh(live: TrackedDevice): Promise<NormalizedInfo> {
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
  async restartAndWait(live: TrackedDevice, before: NormalizedInfo): Promise<NormalizedInfo> {
    live.status = 'restarting';
    this.publish(live);
    try {
      const requestedAt = Date.now();
      await live.client.restart();
      const deadline = Date.now() + (this.options.rebootTimeoutMs ?? 60_000);
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
          throw new ApiError(
            'unavailable',
            `${this.name(live)} did not come back within ${Math.round((this.options.rebootTimeoutMs ?? 60_000) / 1000)} s after its restart.`,
            'Check its power and Wi-Fi; the settings are saved on the device.',
          );
        }
      }
    } catch (error) {
      if (live.status === 'restarting') live.status = 'offline';
      this.publish(live);
      throw apiErrorOf(error);
    }
  }
}

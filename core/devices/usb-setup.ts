/**
 * "Set up over USB" for the API: one run per port, progress as device.usbSetup events, the
 * Axewallet pool worked out for the network the Bitaxe will join, and afterwards the Bitaxe found
 * on the network (its MAC in the proxy's miner list) and added to the devices.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../api/define';
import type { Logger } from '../../lib/log';
import { AxeosClient } from '../../device/axeos/client';
import { NvsBackups } from '../../device/provision/backups';
import type { PoolSetting } from '../../device/provision/plan';
import { type UsbProgress, UsbSetupError, restoreOverUsb, setUpOverUsb } from '../../device/provision/usb-setup';
import type { UsbPort } from '../../device/serial/ports';
import { type LocalAddress, localIpv4Addresses } from './lan';
import { hostOfAddress } from './address';

export interface UsbSetupProgressEvent {
  runId: string;
  path: string;
  action: 'setup' | 'restore';
  step: UsbProgress['step'] | 'online';
  state: 'running' | 'done' | 'failed' | 'finished';
  message: string;
  done?: number;
  total?: number;
  error?: { kind: string; message: string; hint: string; backupId?: string };
  result?: {
    mac: string;
    changes: string[];
    before: Awaited<ReturnType<typeof setUpOverUsb>>['before'];
    after: Awaited<ReturnType<typeof setUpOverUsb>>['after'];
    backupId: string;
    resumedFrom?: string;
    deviceId?: string;
  };
}

export interface UsbSetupServiceOptions {
  backupDir: string;
  listUsbPorts: () => Promise<UsbPort[]>;
  proxyEndpoint: () => { host: string; port: number } | undefined;
  proxyMiners: () => Array<{ address: string; worker: string }>;
  /** adds a device by address (the manager's add); used once the Bitaxe is on the network */
  addDevice: (address: string) => Promise<{ id: string }>;
  localAddresses?: () => LocalAddress[];
  emit: (progress: UsbSetupProgressEvent) => void;
  logger: Logger;
  /** how long to look for the Bitaxe in the proxy's miner list after the setup */
  onlineTimeoutMs?: number;
}

export interface UsbSetupInput {
  path: string;
  wifi?: { ssid: string; password: string };
  hostname?: string;
  pool?: PoolSetting;
  proxyHost?: string;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class UsbSetupService {
  readonly backups: NvsBackups;
  private readonly running = new Map<string, string>();
  private stopped = false;

  constructor(private readonly opts: UsbSetupServiceOptions) {
    this.backups = new NvsBackups(opts.backupDir);
  }

  /** A run is using this port: nobody else should open it now. */
  busy(path: string): boolean {
    return this.running.has(path);
  }

  stop(): void {
    this.stopped = true;
  }

  /** Where a Bitaxe joining the LAN reaches Axewallet's Stratum port. */
  private axewalletPool(proxyHost: string | undefined): PoolSetting {
    const endpoint = this.opts.proxyEndpoint();
    if (!endpoint) throw new ApiError('unavailable', "Axewallet's Stratum port is not running.", 'Start Axewallet’s mining first, then set the Bitaxe up.');
    if (proxyHost) return { url: proxyHost, port: endpoint.port, user: '' };
    if (!WILDCARD.has(endpoint.host)) return { url: endpoint.host, port: endpoint.port, user: '' };
    const lan = (this.opts.localAddresses?.() ?? localIpv4Addresses()).find((a) => !a.address.startsWith('127.'));
    if (!lan)
      throw new ApiError(
        'conflict',
        'This computer has no address on a local network for the Bitaxe to reach.',
        'Connect this computer to the network the Bitaxe will use (Wi-Fi or LAN), or enter the address by hand.',
        'proxyHost',
      );
    return { url: lan.address, port: endpoint.port, user: '' };
  }

  private async identityOf(path: string): Promise<{ usbVendorId?: number; usbProductId?: number }> {
    const port = (await this.opts.listUsbPorts()).find((p) => p.path === path);
    if (!port) throw new ApiError('not_found', `No Bitaxe on USB at ${path}.`, 'Plug it in with a data cable and look again.', 'path');
    return { usbVendorId: Number.parseInt(port.vendorId, 16), usbProductId: Number.parseInt(port.productId, 16) };
  }

  private claim(path: string): string {
    if (this.running.has(path)) throw new ApiError('conflict', `Axewallet is already working with the Bitaxe on ${path}.`, 'Wait for that to finish.');
    const runId = randomBytes(6).toString('hex');
    this.running.set(path, runId);
    return runId;
  }

  async start(input: UsbSetupInput): Promise<{ runId: string; pool: PoolSetting }> {
    const identity = await this.identityOf(input.path);
    const pool = input.pool ?? this.axewalletPool(input.proxyHost);
    const runId = this.claim(input.path);
    const report = this.reporter(runId, input.path, 'setup');
    void (async () => {
      try {
        const result = await setUpOverUsb({
          path: input.path,
          identity,
          backups: this.backups,
          onProgress: report,
          settings: { ...(input.wifi ? { wifi: input.wifi } : {}), ...(input.hostname ? { hostname: input.hostname } : {}), pool },
        });
        this.opts.logger.info('Bitaxe set up over USB', { mac: result.mac, changes: result.changes.length });
        const summary = {
          mac: result.mac,
          changes: result.changes,
          before: result.before,
          after: result.after,
          backupId: result.backup.id,
          ...(result.resumedFrom ? { resumedFrom: result.resumedFrom } : {}),
        };
        this.opts.emit({ runId, path: input.path, action: 'setup', step: 'reset', state: 'finished', message: 'The Bitaxe has its new settings and is restarting.', result: summary });
        this.running.delete(input.path);
        if (!input.pool) await this.waitOnline(runId, input.path, result.mac, summary);
      } catch (error) {
        this.fail(runId, input.path, 'setup', error);
      } finally {
        if (this.running.get(input.path) === runId) this.running.delete(input.path);
      }
    })();
    return { runId, pool };
  }

  async restore(input: { path: string; backupId?: string }): Promise<{ runId: string }> {
    const identity = await this.identityOf(input.path);
    if (input.backupId && !this.backups.get(input.backupId)) throw new ApiError('not_found', `No saved copy ${input.backupId}.`, 'Pick one from the list of saved copies.', 'backupId');
    const runId = this.claim(input.path);
    const report = this.reporter(runId, input.path, 'restore');
    void (async () => {
      try {
        const { mac, backup } = await restoreOverUsb({ path: input.path, identity, backups: this.backups, onProgress: report, ...(input.backupId ? { backupId: input.backupId } : {}) });
        this.opts.logger.info('Bitaxe settings restored over USB', { mac, backup: backup.id });
        this.opts.emit({ runId, path: input.path, action: 'restore', step: 'reset', state: 'finished', message: `The settings saved ${backup.createdAt} are back on the Bitaxe; it is restarting.` });
      } catch (error) {
        this.fail(runId, input.path, 'restore', error);
      } finally {
        this.running.delete(input.path);
      }
    })();
    return { runId };
  }

  private reporter(runId: string, path: string, action: 'setup' | 'restore'): (p: UsbProgress) => void {
    return (p) => this.opts.emit({ runId, path, action, ...p });
  }

  private fail(runId: string, path: string, action: 'setup' | 'restore', error: unknown): void {
    const e =
      error instanceof UsbSetupError
        ? { kind: error.kind, message: error.message, hint: error.hint, ...(error.backupId ? { backupId: error.backupId } : {}) }
        : { kind: 'internal', message: (error as Error)?.message ?? String(error), hint: 'Try again; if it keeps failing, the Axewallet log has the details.' };
    this.opts.logger.warn(`USB ${action} failed`, { kind: e.kind, error: e.message });
    this.opts.emit({ runId, path, action, step: 'connect', state: 'failed', message: e.message, error: e });
  }

  /** The restarted Bitaxe joins Wi-Fi and connects to the proxy: find it by its MAC and add it. */
  private async waitOnline(runId: string, path: string, mac: string, result: NonNullable<UsbSetupProgressEvent['result']>): Promise<void> {
    const emit = (state: UsbSetupProgressEvent['state'], message: string, deviceId?: string) =>
      this.opts.emit({ runId, path, action: 'setup', step: 'online', state, message, result: { ...result, ...(deviceId ? { deviceId } : {}) } });
    emit('running', 'Waiting for the Bitaxe to join the Wi-Fi and connect to Axewallet…');
    const deadline = Date.now() + (this.opts.onlineTimeoutMs ?? 300_000);
    const nextCheck = new Map<string, number>();
    while (Date.now() < deadline && !this.stopped) {
      for (const miner of this.opts.proxyMiners()) {
        const host = hostOfAddress(miner.address);
        if ((nextCheck.get(host) ?? 0) > Date.now()) continue;
        nextCheck.set(host, Date.now() + 5000);
        try {
          const { info } = await new AxeosClient(host, { timeoutMs: 3000 }).info();
          if (info.mac !== mac) continue;
          const device = await this.opts.addDevice(host);
          emit('done', `The Bitaxe is on the network at ${host} and mines through Axewallet.`, device.id);
          return;
        } catch {
          // not an AxeOS device, or not answering yet: asked again in a few seconds
        }
      }
      await sleep(1000);
    }
    if (!this.stopped) emit('failed', 'The Bitaxe has not connected to Axewallet yet. Check the Wi-Fi name and password; if they were wrong, it opens its own setup hotspot.');
  }
}

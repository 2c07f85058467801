/**
 * "Use Axewallet" and its undo: a Bitaxe pointed at this machine's Stratum port (its address on the device's
 * subnet), the pool it mined on kept as the fallback and saved before anything is written, a restart, and the
 * device confirmed in the proxy's miner list; undo writes the saved pools back.
 */
import { ApiError } from '../api/define';
import type { Device } from '../api/devices';
import type { DevicePool } from '../../device/axeos/normalize';
import { hostOfAddress } from './address';
import { lanAddressFor } from './lan';
import type { DeviceManagerOptions } from './manager-types';
import type { DeviceStore, ProxyBackup } from './store';
import { apiErrorOf, type DeviceWatcher, sleep, type TrackedDevice } from './watcher';

export class ProxyPointing {
  constructor(
    private readonly watcher: DeviceWatcher,
    private readonly store: DeviceStore,
    private readonly options: Pick<DeviceManagerOptions, 'proxyEndpoint' | 'proxyMiners' | 'confirmTimeoutMs' | 'logger'>,
  ) {}

  /**
   * Point the Bitaxe at Axewallet: this machine's address on the device's subnet as primary, the
   * previous primary kept as fallback (mining continues if Axewallet stops), restart, then confirm
   * the device appears in the proxy's miner list.
   */
  async point(id: string): Promise<{ device: Device; proxy: { host: string; port: number } }> {
    const live = this.watcher.require(id);
    const endpoint = this.options.proxyEndpoint();
    if (!endpoint) throw new ApiError('unavailable', "Axewallet's Stratum port is not running.", 'Start mining in Axewallet first, then point the Bitaxe at it.');
    const info = await this.watcher.fresh(live);
    const deviceIp = info.ipv4 || new URL(live.client.baseUrl).hostname;
    const host = this.hostFor(deviceIp, endpoint);
    const proxy = { host, port: endpoint.port };
    // the pool it mines on now: its fallback when it was told to use that one
    const inUse = info.useFallbackStratum && info.pools.some((p) => p.slot === info.secondaryPool) ? info.secondaryPool : info.primaryPool;
    const current = info.pools.find((p) => p.slot === inUse);
    if (current && current.url === host && current.port === endpoint.port && !info.useFallbackStratum) {
      await this.confirmConnected(live, deviceIp, proxy);
      return { device: this.watcher.view(live), proxy };
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
    live.poolChangeExpectedUntil = Date.now() + (this.options.confirmTimeoutMs ?? 90_000) + 60_000;
    try {
      // v2.15: the proxy goes into its own slot and the old primary's slot (password, Stratum V2 fields intact) becomes the secondary;
      // a device told to mine on its fallback (useFallbackStratum) would never reach the proxy
      const fallback = info.capabilities.poolsApi ? undefined : current && { ...current, slot: 1 };
      await live.client.writePools(info, proxyPool, fallback, { primary: proxyPool.slot, secondary: inUse }, info.useFallbackStratum ? { useFallbackStratum: false } : {});
    } catch (error) {
      throw apiErrorOf(error);
    }
    this.options.logger.info('pointing device at Axewallet', { device: live.row.id, proxy: `${host}:${endpoint.port}` });
    await this.watcher.restartAndWait(live, info);
    await this.confirmConnected(live, deviceIp, proxy);
    return { device: this.watcher.view(live), proxy };
  }

  private hostFor(deviceIp: string, endpoint: { host: string; port: number }): string {
    const lan = lanAddressFor(deviceIp, this.watcher.localAddresses());
    const wildcard = endpoint.host === '0.0.0.0' || endpoint.host === '::' || endpoint.host === '';
    if (lan) {
      if (!wildcard && endpoint.host !== lan && !(lan === '127.0.0.1' && endpoint.host.startsWith('127.'))) {
        throw new ApiError(
          'conflict',
          `Axewallet's Stratum port listens on ${endpoint.host} only, which ${deviceIp} cannot reach.`,
          'Set the Stratum host to 0.0.0.0 in Settings so devices on your network can connect.',
        );
      }
      return lan === '127.0.0.1' && !wildcard ? endpoint.host : lan;
    }
    if (!wildcard) return endpoint.host;
    throw new ApiError('conflict', `This computer has no address on ${deviceIp}'s network.`, 'Connect this computer to the same network (Wi-Fi or LAN) as the Bitaxe, without VPN.');
  }

  private async confirmConnected(live: TrackedDevice, deviceIp: string, proxy: { host: string; port: number }): Promise<void> {
    const timeoutMs = this.options.confirmTimeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.options.proxyMiners().some((m) => m.worker !== '' && hostOfAddress(m.address) === deviceIp)) return;
      await sleep(200);
    }
    throw new ApiError(
      'upstream_error',
      `${this.watcher.name(live)} restarted with Axewallet (${proxy.host}:${proxy.port}) as its pool but did not connect within ${Math.round(timeoutMs / 1000)} s.`,
      `Check that this computer's firewall allows incoming connections to port ${proxy.port}. The previous pool is the fallback, so the device keeps mining; "Undo" restores it as primary.`,
    );
  }

  /** Restores the pools the device had before use-proxy. */
  async undo(id: string): Promise<Device> {
    const live = this.watcher.require(id);
    const backup = live.row.proxyBackup;
    if (!backup) throw new ApiError('conflict', `${this.watcher.name(live)} has no saved pools to restore.`, 'Undo works after "Use Axewallet" was applied to this device.');
    const info = await this.watcher.fresh(live);
    live.poolChangeExpectedUntil = Date.now() + 120_000;
    try {
      if (backup.poolsApi) {
        await live.client.patch({ primaryPoolIndex: backup.primaryPool, secondaryPoolIndex: backup.secondaryPool, ...(backup.useFallbackStratum ? { useFallbackStratum: 1 } : {}) });
        const original = backup.pools.find((p) => p.slot === backup.proxySlot);
        if (original) await live.client.putPool(backup.proxySlot, original);
        else await live.client.deletePool(backup.proxySlot);
      } else {
        const primary = backup.pools.find((p) => p.slot === 0);
        if (primary)
          await live.client.writePools(
            info,
            primary,
            backup.pools.find((p) => p.slot === 1),
            undefined,
            backup.useFallbackStratum ? { useFallbackStratum: true } : {},
          );
      }
    } catch (error) {
      throw apiErrorOf(error);
    }
    live.row = { ...live.row, proxyBackup: null };
    this.store.upsert(live.row);
    await this.watcher.restartAndWait(live, info);
    return this.watcher.view(live);
  }
}

/**
 * First-time setup of a stock Bitaxe over USB: merge Wi-Fi and pool settings into the NVS
 * partition it already has (read, merge, write back; research/usb.md). Factory data
 * (boardversion, devicemodel, asicmodel, tuning, PHY calibration, other namespaces) is carried
 * over untouched; self-test flags are never set. Pools are written both as v2.15 `pool_N` JSON
 * and as the legacy keys older firmware reads. Pure: partition bytes in, partition bytes out.
 */
import { type NvsEntry, buildNvs, readNvs } from './nvs';

export const NVS_OFFSET = 0x9000;
export const NVS_SIZE = 0x6000;

export interface PoolSetting {
  url: string;
  port: number;
  user: string;
  password?: string;
}

export interface ProvisionSettings {
  wifi?: { ssid: string; password: string };
  hostname?: string;
  pool?: PoolSetting;
  fallback?: PoolSetting;
}

export class ProvisionRefused extends Error {}

const NS = 'main';

function setKey(entries: NvsEntry[], key: string, type: NvsEntry['type'], value: NvsEntry['value'], changes: string[]): void {
  const existing = entries.find((e) => e.namespace === NS && e.key === key);
  if (existing) {
    if (existing.value === value) return;
    // keep the stored type: the firmware reads each key with one getter
    existing.value = existing.type === 'str' ? String(value) : value;
  } else entries.push({ namespace: NS, key, type, value });
  changes.push(key);
}

/** What ESP-Miner v2.15 stores for a pool slot's fields that the user did not set. */
export const FIRMWARE_POOL_DEFAULTS = {
  stratumProtocol: 'SV1',
  stratumSuggestedDifficulty: 1000,
  stratumExtranonceSubscribe: false,
  stratumTLS: 0,
  stratumCert: '',
  stratumDecodeCoinbase: true,
  stratumV2ChannelType: 'extended',
  stratumV2AuthorityPubkey: '',
  stratumV2RequireAuth: false,
} as const;

function poolJson(entries: NvsEntry[], key: string, pool: PoolSetting): string {
  const stored = entries.find((e) => e.namespace === NS && e.key === key && e.type === 'str');
  let base: Record<string, unknown> = { ...FIRMWARE_POOL_DEFAULTS };
  if (stored) {
    try {
      base = { ...base, ...(JSON.parse(String(stored.value)) as Record<string, unknown>) };
    } catch {
      // an unreadable slot is replaced whole
    }
  }
  return JSON.stringify({ ...base, stratumURL: pool.url, stratumPort: pool.port, stratumUser: pool.user, stratumPassword: pool.password ?? 'x' });
}

function writePool(entries: NvsEntry[], slot: 1 | 2, pool: PoolSetting, changes: string[]): void {
  if (pool.port < 1 || pool.port > 65535 || !Number.isInteger(pool.port)) throw new ProvisionRefused(`pool port ${pool.port} is not a port number`);
  if (!pool.url || pool.url.length > 256) throw new ProvisionRefused('a pool needs a host name of at most 256 characters');
  const legacy = slot === 1 ? { url: 'stratumurl', port: 'stratumport', user: 'stratumuser', pass: 'stratumpass' } : { url: 'fbstratumurl', port: 'fbstratumport', user: 'fbstratumuser', pass: 'fbstratumpass' };
  setKey(entries, `pool_${slot}`, 'str', poolJson(entries, `pool_${slot}`, pool), changes);
  setKey(entries, legacy.url, 'str', pool.url, changes);
  setKey(entries, legacy.port, 'u16', pool.port, changes);
  setKey(entries, legacy.user, 'str', pool.user, changes);
  setKey(entries, legacy.pass, 'str', pool.password ?? 'x', changes);
}

/** The new partition image and the keys that changed. Throws ProvisionRefused instead of risking factory data. */
export function provisionImage(current: Uint8Array, settings: ProvisionSettings): { image: Uint8Array; changes: string[] } {
  const entries = readNvs(current).map((e) => ({ ...e }));
  const board = entries.find((e) => e.namespace === NS && e.key === 'boardversion');
  if (!board || String(board.value).trim() === '') {
    throw new ProvisionRefused('The partition has no factory board version: writing settings now would lose the factory data. Nothing was written.');
  }
  const changes: string[] = [];
  if (settings.wifi) {
    if (settings.wifi.ssid.length < 1 || settings.wifi.ssid.length > 32) throw new ProvisionRefused('a Wi-Fi name has 1 to 32 characters');
    if (settings.wifi.password.length > 63) throw new ProvisionRefused('a Wi-Fi password has at most 63 characters');
    setKey(entries, 'wifissid', 'str', settings.wifi.ssid, changes);
    setKey(entries, 'wifipass', 'str', settings.wifi.password, changes);
  }
  if (settings.hostname !== undefined) {
    if (!/^[A-Za-z0-9-]{1,32}$/.test(settings.hostname)) throw new ProvisionRefused('a hostname is 1 to 32 letters, digits or dashes');
    setKey(entries, 'hostname', 'str', settings.hostname, changes);
  }
  if (settings.pool) {
    writePool(entries, 1, settings.pool, changes);
    setKey(entries, 'prim_idx', 'u16', 0, changes);
  }
  if (settings.fallback) {
    writePool(entries, 2, settings.fallback, changes);
    setKey(entries, 'sec_idx', 'u16', 1, changes);
  }
  const image = buildNvs(entries, current.length);
  return { image, changes };
}

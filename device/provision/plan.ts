/**
 * First-time setup of a stock Bitaxe over USB: merge Wi-Fi and pool settings into the NVS
 * partition it already has (read, merge, write back; research/usb.md). Factory data
 * (boardversion, devicemodel, asicmodel, tuning, PHY calibration, other namespaces) is carried
 * over untouched; self-test flags are never set.
 *
 * Pools follow ESP-Miner v2.15 (main/nvs_config.c, main/http_server/http_server.c at 5c277131):
 * up to 8 slots `pool_1`..`pool_8`, each a JSON string with stratumProtocol (SV1|SV2) and the Sv2
 * fields stratumV2ChannelType, stratumV2AuthorityPubkey, stratumV2RequireAuth; `prim_idx` and
 * `sec_idx` select primary and fallback; `usefbstartum` (sic) makes the device mine on the fallback.
 * The new primary goes into a free slot and the device's current primary stays, intact, as the
 * fallback: a Bitaxe that mined Stratum V2 straight to a pool keeps that pool. Older firmware
 * (<= v2.14) reads the legacy stratum... and fbstratum... keys, which are written to match.
 * Pure: partition bytes in, partition bytes out.
 */
import { type NvsEntry, NvsFormatError, buildNvs, readNvs } from './nvs';

export const NVS_OFFSET = 0x9000;
export const NVS_SIZE = 0x6000;
export const MAX_POOLS = 8;

export interface PoolSetting {
  url: string;
  port: number;
  user: string;
  password?: string;
}

export interface ProvisionSettings {
  wifi?: { ssid: string; password: string };
  hostname?: string;
  /** the new primary pool (Axewallet's Stratum port) */
  pool?: PoolSetting;
  /** default: the device's current primary stays as the fallback; a pool given here replaces it */
  fallback?: PoolSetting;
}

/** A pool as the UI may show it: never the password. */
export interface PoolSummary {
  slot: number;
  url: string;
  port: number;
  user: string;
  protocol: 'SV1' | 'SV2';
}

export interface ProvisionResult {
  image: Uint8Array;
  /** NVS keys that changed */
  changes: string[];
  before: { primary?: PoolSummary; fallback?: PoolSummary };
  after: { primary?: PoolSummary; fallback?: PoolSummary };
}

export class ProvisionRefused extends Error {}

const NS = 'main';

/** What ESP-Miner v2.15 stores for a pool slot's fields that were not given (update_pool_nvs). */
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

type PoolJson = Record<string, unknown>;

function find(entries: NvsEntry[], key: string): NvsEntry | undefined {
  return entries.find((e) => e.namespace === NS && e.key === key);
}

function setKey(entries: NvsEntry[], key: string, type: NvsEntry['type'], value: NvsEntry['value'], changes: string[]): void {
  const existing = find(entries, key);
  if (existing) {
    // keep the stored type: the firmware reads each key with one getter
    const next = existing.type === 'str' ? String(value) : value;
    if (existing.value === next) return;
    existing.value = next;
  } else entries.push({ namespace: NS, key, type, value });
  changes.push(key);
}

const str = (entries: NvsEntry[], key: string): string | undefined => {
  const e = find(entries, key);
  return e?.type === 'str' ? String(e.value) : undefined;
};
const num = (entries: NvsEntry[], key: string): number | undefined => {
  const e = find(entries, key);
  return e && typeof e.value === 'number' ? e.value : undefined;
};

/** The slot a legacy (<= v2.14) configuration becomes, as migrate_legacy_pools builds it. */
function legacyPool(entries: NvsEntry[], prefix: '' | 'fb'): PoolJson | undefined {
  const url = str(entries, `${prefix}stratumurl`);
  if (!url) return undefined;
  const fb = prefix === 'fb';
  return {
    ...FIRMWARE_POOL_DEFAULTS,
    stratumProtocol: str(entries, `${prefix}stratumprot`) ?? 'SV1',
    stratumURL: url,
    stratumPort: num(entries, `${prefix}stratumport`) ?? 3333,
    stratumUser: str(entries, `${prefix}stratumuser`) ?? '',
    stratumPassword: str(entries, `${prefix}stratumpass`) ?? 'x',
    stratumSuggestedDifficulty: num(entries, `${prefix}stratumdiff`) ?? 1000,
    stratumExtranonceSubscribe: (num(entries, fb ? 'stratumfbxnsub' : 'stratumxnsub') ?? 0) !== 0,
    stratumTLS: num(entries, `${prefix}stratumtls`) ?? 0,
    stratumCert: str(entries, `${prefix}stratumcert`) ?? '',
    stratumV2ChannelType: str(entries, fb ? 'fbsv2chantype' : 'sv2chantype') ?? 'extended',
    stratumV2AuthorityPubkey: str(entries, fb ? 'fbsv2authpubk' : 'sv2authpubkey') ?? '',
    stratumDecodeCoinbase: (num(entries, `${prefix}stratumdecode`) ?? 1) !== 0,
  };
}

export interface NvsPools {
  slots: Array<PoolJson | undefined>;
  primary: number;
  secondary: number;
  /** usefbstartum: the user chose to mine on the fallback */
  useFallback: boolean;
  /** no pool_1 yet: the firmware builds slots 0 and 1 from the legacy keys at its next boot */
  fromLegacy: boolean;
}

/** The pool configuration a v2.15 firmware would load from these entries. */
export function poolsInNvs(entries: NvsEntry[]): NvsPools {
  const slots: Array<PoolJson | undefined> = new Array(MAX_POOLS).fill(undefined);
  const fromLegacy = str(entries, 'pool_1') === undefined;
  if (fromLegacy) {
    slots[0] = legacyPool(entries, '');
    slots[1] = legacyPool(entries, 'fb');
  } else {
    for (let i = 0; i < MAX_POOLS; i++) {
      const text = str(entries, `pool_${i + 1}`);
      if (!text) continue;
      try {
        const json = JSON.parse(text) as unknown;
        if (json && typeof json === 'object' && !Array.isArray(json) && typeof (json as PoolJson).stratumURL === 'string' && (json as PoolJson).stratumURL !== '') slots[i] = json as PoolJson;
      } catch {
        // the firmware skips a slot it cannot parse
      }
    }
  }
  const index = (key: string, fallback: number) => {
    const v = fromLegacy ? fallback : (num(entries, key) ?? fallback);
    return v >= 0 && v < MAX_POOLS ? v : fallback;
  };
  return { slots, primary: index('prim_idx', 0), secondary: index('sec_idx', 1), useFallback: (num(entries, 'usefbstartum') ?? 0) !== 0, fromLegacy };
}

function summary(slot: number, pool: PoolJson | undefined): PoolSummary | undefined {
  if (!pool) return undefined;
  return { slot, url: String(pool.stratumURL ?? ''), port: Number(pool.stratumPort ?? 0), user: String(pool.stratumUser ?? ''), protocol: pool.stratumProtocol === 'SV2' ? 'SV2' : 'SV1' };
}

function checkPool(pool: PoolSetting): void {
  if (!Number.isInteger(pool.port) || pool.port < 1 || pool.port > 65535) throw new ProvisionRefused(`pool port ${pool.port} is not a port number`);
  if (!pool.url || pool.url.length > 255) throw new ProvisionRefused('a pool needs a host name of at most 255 characters');
  if (pool.user.length > 255) throw new ProvisionRefused('a pool user (worker name) has at most 255 characters');
}

/** An empty user keeps the worker name the device used before (the proxy shows it per miner). */
function sv1Pool(pool: PoolSetting, current: PoolJson | undefined): PoolJson {
  checkPool(pool);
  const suggested = current?.stratumSuggestedDifficulty;
  return {
    ...FIRMWARE_POOL_DEFAULTS,
    ...(typeof suggested === 'number' ? { stratumSuggestedDifficulty: suggested } : {}),
    stratumURL: pool.url,
    stratumPort: pool.port,
    stratumUser: pool.user || String(current?.stratumUser || '') || 'axewallet',
    stratumPassword: pool.password ?? 'x',
  };
}

const sameEndpoint = (a: PoolJson | undefined, b: PoolJson) => !!a && a.stratumURL === b.stratumURL && Number(a.stratumPort) === Number(b.stratumPort);

/** The legacy keys of one pool, for firmware that predates pool slots. Protocol keys only when needed. */
function writeLegacy(entries: NvsEntry[], prefix: '' | 'fb', pool: PoolJson, changes: string[]): void {
  const fb = prefix === 'fb';
  setKey(entries, `${prefix}stratumurl`, 'str', String(pool.stratumURL), changes);
  setKey(entries, `${prefix}stratumport`, 'u16', Number(pool.stratumPort), changes);
  setKey(entries, `${prefix}stratumuser`, 'str', String(pool.stratumUser), changes);
  setKey(entries, `${prefix}stratumpass`, 'str', String(pool.stratumPassword ?? 'x'), changes);
  const sv2 = pool.stratumProtocol === 'SV2';
  const optional: Array<[string, string]> = [
    [`${prefix}stratumprot`, sv2 ? 'SV2' : 'SV1'],
    [fb ? 'fbsv2chantype' : 'sv2chantype', String(pool.stratumV2ChannelType ?? 'extended')],
    [fb ? 'fbsv2authpubk' : 'sv2authpubkey', String(pool.stratumV2AuthorityPubkey ?? '')],
  ];
  for (const [key, value] of optional) if (sv2 || find(entries, key)) setKey(entries, key, 'str', value, changes);
}

/** The new partition image, what changed and the pools before and after. Throws ProvisionRefused instead of risking factory data. */
export function provisionImage(current: Uint8Array, settings: ProvisionSettings): ProvisionResult {
  const entries = readNvs(current).map((e) => ({ ...e }));
  const board = find(entries, 'boardversion');
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

  const pools = poolsInNvs(entries);
  const before = { primary: summary(pools.primary, pools.slots[pools.primary]), fallback: pools.secondary !== pools.primary ? summary(pools.secondary, pools.slots[pools.secondary]) : undefined };
  const slots = [...pools.slots];
  let primary = pools.primary;
  let secondary = pools.secondary;
  // the pool the device mines on now: its fallback when the user told it to use that one (usefbstartum)
  const inUse = pools.useFallback && slots[pools.secondary] ? pools.secondary : pools.primary;
  if (settings.pool) {
    const current = slots[inUse];
    const next = sv1Pool(settings.pool, current);
    if (sameEndpoint(current, next)) {
      slots[inUse] = { ...current, ...next };
      primary = inUse;
      if (settings.fallback || secondary === primary) {
        if (secondary === primary) secondary = slots.findIndex((p, i) => !p && i !== primary);
        if (secondary < 0) secondary = (primary + 1) % MAX_POOLS;
        if (settings.fallback) slots[secondary] = sv1Pool(settings.fallback, undefined);
      }
    } else {
      const idle = inUse === pools.primary ? pools.secondary : pools.primary;
      const free = slots.findIndex((p, i) => !p && i !== inUse);
      const target = free >= 0 ? free : idle !== inUse ? idle : (inUse + 1) % MAX_POOLS;
      slots[target] = next;
      if (settings.fallback) slots[inUse] = sv1Pool(settings.fallback, undefined);
      // the pool it mined on (or its replacement) is the fallback now, Stratum V2 fields and password intact
      secondary = slots[inUse] ? inUse : idle !== target ? idle : inUse;
      primary = target;
    }
  } else if (settings.fallback) {
    if (secondary === primary) secondary = (primary + 1) % MAX_POOLS;
    slots[secondary] = sv1Pool(settings.fallback, undefined);
  }

  if (settings.pool || settings.fallback) {
    for (let i = 0; i < MAX_POOLS; i++) {
      const pool = slots[i];
      // without pool_1 the firmware would rebuild slots 0 and 1 from the legacy keys at boot and reset the selection: write every slot
      if (pool && (pools.fromLegacy || pool !== pools.slots[i])) setKey(entries, `pool_${i + 1}`, 'str', JSON.stringify(pool), changes);
    }
    setKey(entries, 'prim_idx', 'u16', primary, changes);
    setKey(entries, 'sec_idx', 'u16', secondary, changes);
    // a device told to mine on its fallback would never reach the new primary
    if (pools.useFallback) setKey(entries, 'usefbstartum', 'u16', 0, changes);
    const p = slots[primary];
    const f = slots[secondary];
    if (p) writeLegacy(entries, '', p, changes);
    if (f && secondary !== primary) writeLegacy(entries, 'fb', f, changes);
  }

  let image: Uint8Array;
  try {
    image = buildNvs(entries, current.length);
  } catch (error) {
    if (error instanceof NvsFormatError) {
      throw new ProvisionRefused(`The Bitaxe's settings storage is full: ${error.message}. Nothing was written.`);
    }
    throw error;
  }
  const after = { primary: summary(primary, slots[primary]), fallback: secondary !== primary ? summary(secondary, slots[secondary]) : undefined };
  return { image, changes, before, after };
}

/**
 * The simulator's settings as a stock unit keeps them: in the NVS partition, under ESP-Miner's keys
 * (main/nvs_config.c at 5c277131; fixtures/axeos/research-bitaxe/nvs_keys.tsv). A fresh unit holds
 * what the factory CSV for its board writes (fixtures/nvs/config-601-v2.15.0.csv) after a passed
 * self-test; a boot reads everything back from NVS, migrating the legacy pool keys as v2.15 does.
 */
import { isDeepStrictEqual } from 'node:util';
import { type NvsEntry, readNvs } from '../provision/nvs';
import { MAX_POOLS, poolsInNvs } from '../provision/plan';
import type { ModelSpec } from './models';
import { type SimPool, type SimSettings, blankPool } from './settings';

const NS = 'main';
const e = (key: string, type: NvsEntry['type'], value: NvsEntry['value']): NvsEntry => ({ namespace: NS, key, type, value });

/** One pool's keys as the factory CSV has them (fbstratumxnsum, sic). */
function legacyPool(prefix: '' | 'fb', pool: SimPool | undefined): NvsEntry[] {
  return [
    e(`${prefix}stratumurl`, 'str', pool?.stratumURL ?? ''),
    e(`${prefix}stratumport`, 'u16', pool?.stratumPort ?? 3333),
    e(`${prefix}stratumtls`, 'u16', 0),
    e(`${prefix}stratumcert`, 'str', 'x'),
    e(`${prefix}stratumuser`, 'str', pool?.stratumUser ?? ''),
    e(`${prefix}stratumpass`, 'str', pool?.stratumPassword ?? 'x'),
    e(`${prefix}stratumdiff`, 'u16', pool?.stratumSuggestedDifficulty ?? 1000),
    e(prefix ? 'fbstratumxnsum' : 'stratumxnsub', 'u16', 0),
  ];
}

/** The factory CSV's keys for a board, in its order, self-test passed. */
export function factoryEntries(model: ModelSpec, settings: SimSettings): NvsEntry[] {
  const primary = settings.pools[settings.primaryPoolIndex] ?? settings.pools[0];
  const fallback = settings.pools[settings.secondaryPoolIndex] ?? settings.pools[1];
  return [
    e('hostname', 'str', settings.hostname),
    e('wifissid', 'str', settings.ssid),
    e('wifipass', 'str', settings.wifiPass),
    ...legacyPool('', primary),
    ...legacyPool('fb', fallback),
    e('asicfrequency', 'u16', Math.round(model.defaultFrequency)),
    e('asicvoltage', 'u16', model.defaultVoltage),
    e('asicmodel', 'str', model.asicModel),
    e('devicemodel', 'str', model.deviceModel.toLowerCase()),
    e('boardversion', 'str', model.boardVersion),
    e('rotation', 'u16', 0),
    e('autofanspeed', 'u16', 1),
    e('fanspeed', 'u16', 100),
    e('selftest', 'u16', 0),
    e('overheat_mode', 'u16', 0),
  ];
}

/** Settings keys the firmware writes when a setting changes (nvs_config.c names and types). */
export function settingsEntries(settings: SimSettings): NvsEntry[] {
  const entries: NvsEntry[] = [
    e('wifissid', 'str', settings.ssid),
    e('wifipass', 'str', settings.wifiPass),
    e('hostname', 'str', settings.hostname),
    e('prim_idx', 'u16', settings.primaryPoolIndex),
    e('sec_idx', 'u16', settings.secondaryPoolIndex),
    e('usefbstartum', 'u16', settings.useFallbackStratum ? 1 : 0),
    e('asicfrequency_f', 'str', settings.frequency.toFixed(6)),
    e('asicvoltage', 'u16', settings.coreVoltage),
    e('autofanspeed', 'u16', settings.autofanspeed),
    e('manualfanspeed', 'u16', settings.manualFanSpeed),
    e('minfanspeed', 'u16', settings.minFanSpeed),
    e('temptarget', 'u16', settings.temptarget),
    e('overheat_mode', 'u16', settings.overheat_mode),
    e('rotation', 'u16', settings.rotation),
    e('invertscreen', 'u16', settings.invertscreen),
    e('statsFrequency', 'u16', settings.statsFrequency),
  ];
  for (let i = 0; i < MAX_POOLS; i++) entries.push(e(`pool_${i + 1}`, 'str', settings.pools[i] ? JSON.stringify(settings.pools[i]) : ''));
  return entries;
}

const sameJson = (a: string, b: string) => {
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return false;
  }
};

/**
 * `entries` with `updates` written over them, as nvs_set_* calls would leave the namespace. A pool
 * slot is only rewritten when it changed (the firmware writes the one slot a request names).
 */
export function mergeEntries(entries: NvsEntry[], updates: NvsEntry[]): NvsEntry[] {
  const out = entries.map((x) => ({ ...x }));
  for (const update of updates) {
    const existing = out.find((x) => x.namespace === update.namespace && x.key === update.key);
    if (existing?.key.startsWith('pool_') && sameJson(String(existing.value), String(update.value))) continue;
    if (existing) existing.value = existing.type === 'str' ? String(update.value) : update.value;
    else if (!(update.type === 'str' && update.value === '')) out.push({ ...update });
  }
  return out;
}

export interface BootedConfig {
  settings: SimSettings;
  /** the factory keys device_config_init reads; undefined when they are missing */
  board?: { boardVersion: string; deviceModel: string; asicModel: string };
}

/** What the firmware loads from the partition at boot, on top of the built-in defaults. */
export function settingsFromNvs(image: Uint8Array, defaults: SimSettings): BootedConfig {
  const entries = readNvs(image);
  const get = (key: string) => entries.find((x) => x.namespace === NS && x.key === key)?.value;
  const text = (key: string, fallback: string) => (typeof get(key) === 'string' ? String(get(key)) : fallback);
  const int = (key: string, fallback: number) => (typeof get(key) === 'number' ? Number(get(key)) : fallback);
  const pools = poolsInNvs(entries);
  const slots: Array<SimPool | undefined> = pools.slots.map((p) =>
    p ? blankPool({ ...(p as Partial<SimPool>), stratumURL: String(p.stratumURL), stratumPort: Number(p.stratumPort), stratumUser: String(p.stratumUser ?? '') }) : undefined,
  );
  const frequency = Number.parseFloat(text('asicfrequency_f', String(int('asicfrequency', defaults.frequency))));
  const settings: SimSettings = {
    ...defaults,
    ssid: text('wifissid', ''),
    wifiPass: text('wifipass', ''),
    hostname: text('hostname', 'bitaxe'),
    pools: slots,
    primaryPoolIndex: pools.primary,
    secondaryPoolIndex: pools.secondary,
    useFallbackStratum: pools.useFallback ? 1 : 0,
    frequency: Number.isFinite(frequency) ? frequency : defaults.frequency,
    coreVoltage: int('asicvoltage', defaults.coreVoltage),
    autofanspeed: int('autofanspeed', defaults.autofanspeed),
    manualFanSpeed: int('manualfanspeed', int('fanspeed', defaults.manualFanSpeed)),
    minFanSpeed: int('minfanspeed', defaults.minFanSpeed),
    temptarget: int('temptarget', defaults.temptarget),
    rotation: int('rotation', defaults.rotation),
    invertscreen: int('invertscreen', defaults.invertscreen),
    statsFrequency: int('statsFrequency', defaults.statsFrequency),
  };
  const boardVersion = get('boardversion');
  const board = typeof boardVersion === 'string' && boardVersion !== '' ? { boardVersion, deviceModel: text('devicemodel', 'unknown'), asicModel: text('asicmodel', 'unknown') } : undefined;
  return { settings, board };
}

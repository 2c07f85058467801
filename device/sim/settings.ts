/**
 * The simulator's "NVS": the settings a PATCH /api/system can change, validated like ESP-Miner's
 * settings table (fixtures/axeos/research-bitaxe/nvs_keys.tsv): any invalid field -> the whole
 * request is refused and nothing is saved; unknown keys are ignored.
 */
import { FIRMWARE_POOL_DEFAULTS } from '../provision/plan';
import type { SimFirmware } from './models';

export interface SimPool {
  stratumProtocol: 'SV1' | 'SV2';
  stratumURL: string;
  stratumPort: number;
  stratumUser: string;
  stratumPassword: string;
  stratumSuggestedDifficulty: number;
  stratumExtranonceSubscribe: boolean;
  stratumTLS: number;
  stratumCert: string;
  stratumDecodeCoinbase: boolean;
  stratumV2ChannelType: 'standard' | 'extended';
  stratumV2AuthorityPubkey: string;
  stratumV2RequireAuth: boolean;
}

export const MAX_POOLS = 8;

export interface SimSettings {
  [key: string]: unknown;
  ssid: string;
  wifiPass: string;
  hostname: string;
  /** slots 0..7; flat firmware uses 0 as primary and 1 as fallback */
  pools: Array<SimPool | undefined>;
  primaryPoolIndex: number;
  secondaryPoolIndex: number;
  useFallbackStratum: number;
  frequency: number;
  coreVoltage: number;
  overclockEnabled: number;
  display: string;
  rotation: number;
  invertscreen: number;
  displayOffset: number;
  displayTimeout: number;
  autofanspeed: number;
  manualFanSpeed: number;
  minFanSpeed: number;
  temptarget: number;
  overheat_mode: number;
  useCustomWWW: number;
  statsFrequency: number;
}

export function blankPool(fields: Partial<SimPool> & Pick<SimPool, 'stratumURL' | 'stratumPort' | 'stratumUser'>): SimPool {
  return {
    ...FIRMWARE_POOL_DEFAULTS,
    stratumPassword: 'x',
    ...fields,
  };
}

type Rule = { kind: 'str'; min: number; max: number } | { kind: 'num'; min: number; max: number; integer: boolean } | { kind: 'bool' };

const U16 = 65535;
const str = (min: number, max: number): Rule => ({ kind: 'str', min, max });
const int = (min: number, max: number): Rule => ({ kind: 'num', min, max, integer: true });

const COMMON_RULES: Record<string, Rule> = {
  ssid: str(1, 32),
  wifiPass: str(0, 63),
  hostname: str(1, 32),
  frequency: { kind: 'num', min: 1, max: U16, integer: false },
  coreVoltage: int(1, U16),
  overclockEnabled: { kind: 'bool' },
  display: str(0, 4000),
  rotation: int(0, 270),
  invertscreen: { kind: 'bool' },
  displayOffset: int(0, 255),
  displayTimeout: int(-1, U16),
  autofanspeed: { kind: 'bool' },
  minFanSpeed: int(0, 99),
  temptarget: int(35, 66),
  overheat_mode: int(0, 0),
  useCustomWWW: { kind: 'bool' },
  statsFrequency: int(0, U16),
};

const FLAT_POOL_RULES: Record<string, Rule> = {
  stratumURL: str(0, 4000),
  stratumPort: int(0, U16),
  stratumUser: str(0, 4000),
  stratumPassword: str(0, 4000),
  stratumSuggestedDifficulty: int(0, U16),
  fallbackStratumURL: str(0, 4000),
  fallbackStratumPort: int(0, U16),
  fallbackStratumUser: str(0, 4000),
  fallbackStratumPassword: str(0, 4000),
  fallbackStratumSuggestedDifficulty: int(0, U16),
};

export function rulesFor(firmware: SimFirmware): Record<string, Rule> {
  const rules: Record<string, Rule> = { ...COMMON_RULES };
  if (firmware === 'v2.9') rules.fanspeed = int(0, 100);
  else rules.manualFanSpeed = int(0, 100);
  if (firmware === 'v2.15') {
    rules.primaryPoolIndex = int(0, MAX_POOLS - 1);
    rules.secondaryPoolIndex = int(0, MAX_POOLS - 1);
    rules.useFallbackStratum = { kind: 'bool' };
  } else {
    Object.assign(rules, FLAT_POOL_RULES);
    rules.useFallbackStratum = { kind: 'bool' };
    // native Stratum V2 since v2.14 (nvs_config.c at v2.14.2: stratumprot 3 chars, sv2chantype 8, sv2authpubkey <= 52)
    if (firmware === 'v2.14')
      for (const prefix of ['stratum', 'fallbackStratum'])
        Object.assign(rules, { [`${prefix}Protocol`]: str(3, 3), [`${prefix}V2ChannelType`]: str(8, 8), [`${prefix}V2AuthorityPubkey`]: str(0, 52) });
  }
  return rules;
}

function valid(rule: Rule, value: unknown): boolean {
  switch (rule.kind) {
    case 'str':
      return typeof value === 'string' && value.length >= rule.min && value.length <= rule.max;
    case 'num':
      return typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max && (!rule.integer || Number.isInteger(value));
    case 'bool':
      return typeof value === 'boolean' || value === 0 || value === 1;
  }
}

export class SettingsRejected extends Error {}

/**
 * A pool slot from PATCH "pools" or PUT /api/system/pools/{i}, validated and stored as ESP-Miner
 * v2.15 does (http_server.c validate_pool_json / update_pool_nvs at 5c277131): a field that is
 * given must be valid, a field that is missing gets the firmware's default (not the old value);
 * "*****" keeps the stored password.
 */
export function poolFromBody(body: unknown, previous: SimPool | undefined): SimPool {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SettingsRejected('pool is not an object');
  const b = body as Record<string, unknown>;
  const isStr = (v: unknown, max: number) => v === undefined || (typeof v === 'string' && v.length <= max);
  const isNum = (v: unknown, min: number, max: number) => v === undefined || (typeof v === 'number' && v >= min && v <= max);
  const isFlag = (v: unknown) => v === undefined || typeof v === 'boolean' || typeof v === 'number';
  const flag = (v: unknown, fallback: boolean) => (v === undefined ? fallback : v === true || (typeof v === 'number' && v !== 0));
  if (typeof b.stratumURL !== 'string' || b.stratumURL.length === 0 || b.stratumURL.length > 255) throw new SettingsRejected('stratumURL');
  if (typeof b.stratumPort !== 'number' || b.stratumPort < 1 || b.stratumPort > U16) throw new SettingsRejected('stratumPort');
  if (typeof b.stratumUser !== 'string' || b.stratumUser.length === 0 || b.stratumUser.length > 255) throw new SettingsRejected('stratumUser');
  if (b.stratumProtocol !== undefined && b.stratumProtocol !== 'SV1' && b.stratumProtocol !== 'SV2') throw new SettingsRejected('stratumProtocol');
  if (b.stratumV2ChannelType !== undefined && b.stratumV2ChannelType !== 'standard' && b.stratumV2ChannelType !== 'extended') throw new SettingsRejected('stratumV2ChannelType');
  const checks: Array<[string, boolean]> = [
    ['stratumPassword', isStr(b.stratumPassword, 255)],
    ['stratumSuggestedDifficulty', isNum(b.stratumSuggestedDifficulty, 0, 1e18)],
    ['stratumExtranonceSubscribe', isFlag(b.stratumExtranonceSubscribe)],
    ['stratumTLS', isNum(b.stratumTLS, 0, 2)],
    ['stratumCert', isStr(b.stratumCert, 3000)],
    ['stratumDecodeCoinbase', isFlag(b.stratumDecodeCoinbase)],
    ['stratumV2AuthorityPubkey', isStr(b.stratumV2AuthorityPubkey, 128)],
    ['stratumV2RequireAuth', isFlag(b.stratumV2RequireAuth)],
  ];
  const bad = checks.find(([, ok]) => !ok);
  if (bad) throw new SettingsRejected(bad[0]);
  const password = typeof b.stratumPassword === 'string' ? (b.stratumPassword === '*****' ? (previous?.stratumPassword ?? 'x') : b.stratumPassword) : 'x';
  return {
    stratumProtocol: (b.stratumProtocol as SimPool['stratumProtocol'] | undefined) ?? 'SV1',
    stratumURL: b.stratumURL,
    stratumPort: Math.trunc(b.stratumPort),
    stratumUser: b.stratumUser,
    stratumPassword: password,
    stratumSuggestedDifficulty: typeof b.stratumSuggestedDifficulty === 'number' ? b.stratumSuggestedDifficulty : 0,
    stratumExtranonceSubscribe: flag(b.stratumExtranonceSubscribe, false),
    stratumTLS: typeof b.stratumTLS === 'number' ? Math.trunc(b.stratumTLS) : 0,
    stratumCert: typeof b.stratumCert === 'string' ? b.stratumCert : '',
    stratumDecodeCoinbase: flag(b.stratumDecodeCoinbase, true),
    stratumV2ChannelType: (b.stratumV2ChannelType as SimPool['stratumV2ChannelType'] | undefined) ?? 'extended',
    stratumV2AuthorityPubkey: typeof b.stratumV2AuthorityPubkey === 'string' ? b.stratumV2AuthorityPubkey : '',
    stratumV2RequireAuth: flag(b.stratumV2RequireAuth, false),
  };
}

/**
 * Applies a PATCH body. Throws SettingsRejected (-> 400 "Wrong API input") before changing anything
 * if any known field is invalid. Returns whether the hostname changed (AxeOS then answers with a redirect).
 */
export function applyPatch(settings: SimSettings, body: unknown, firmware: SimFirmware): { hostnameChanged: boolean } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SettingsRejected('body is not an object');
  const input = body as Record<string, unknown>;
  const rules = rulesFor(firmware);
  const updates: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const rule = rules[key];
    if (!rule) continue;
    if (!valid(rule, value)) throw new SettingsRejected(key);
    updates[key] = rule.kind === 'bool' ? Number(value === true || value === 1) : value;
  }
  let pools: SimSettings['pools'] | undefined;
  if (firmware === 'v2.15' && input.pools !== undefined) {
    if (!Array.isArray(input.pools)) throw new SettingsRejected('pools');
    pools = [...settings.pools];
    for (const entry of input.pools) {
      const id = (entry as { id?: unknown } | null)?.id;
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= MAX_POOLS) throw new SettingsRejected('pools.id');
      pools[id] = poolFromBody(entry, settings.pools[id]);
    }
  }
  // Everything is valid: save.
  const hostnameChanged = typeof updates.hostname === 'string' && updates.hostname !== settings.hostname;
  for (const [key, value] of Object.entries(updates)) {
    if (key.startsWith('stratum') || key.startsWith('fallbackStratum')) applyFlatPoolField(settings, key, value);
    else if (key === 'fanspeed') settings.manualFanSpeed = value as number;
    else settings[key] = value;
  }
  if (pools) settings.pools = pools;
  return { hostnameChanged };
}

function applyFlatPoolField(settings: SimSettings, key: string, value: unknown): void {
  const fallback = key.startsWith('fallback');
  const slot = fallback ? 1 : 0;
  const field = fallback ? `stratum${key.slice('fallbackStratum'.length)}` : key;
  const pool = settings.pools[slot] ?? blankPool({ stratumURL: '', stratumPort: 3333, stratumUser: '' });
  (pool as unknown as Record<string, unknown>)[field] = value;
  settings.pools[slot] = pool;
}

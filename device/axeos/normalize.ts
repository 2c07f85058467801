/**
 * The one place where AxeOS version differences are normalised (research/bitaxe.md):
 * bestDiff suffixed string (<= v2.10) vs number (v2.11+), stratumDiff (v2.4-2.6) vs poolDifficulty (v2.9+),
 * fanspeed (<= v2.10) vs manualFanSpeed (v2.11+), 0/1 integers for flags, flat pool fields (<= v2.14)
 * vs pools[] with primary/secondary indexes (v2.15+), pause/resume since v2.14, native Stratum V2
 * fields per pool since v2.14 (stratumProtocol, stratumV2ChannelType, stratumV2AuthorityPubkey; v2.15
 * adds stratumV2RequireAuth; names checked in ESP-Miner's openapi.yaml and system_api_json.c at 5c277131).
 * Pure: no I/O.
 */

export interface FirmwareVersion {
  major: number;
  minor: number;
  patch: number;
  /** as the device reports it, e.g. "v2.15.0" or "v2.14.0b1" */
  raw: string;
}

export interface Capabilities {
  /** PUT /api/system/pools/{i} and primary/secondary indexes; flat PATCH pool fields are ignored */
  poolsApi: boolean;
  pauseResume: boolean;
  /** PATCH key for a fixed fan speed */
  fanSpeedKey: 'manualFanSpeed' | 'fanspeed';
}

export interface DevicePool {
  /** slot id on v2.15+; 0 = primary, 1 = fallback for flat firmware */
  slot: number;
  url: string;
  port: number;
  user: string;
  /** the stored password when the firmware shows it; AxeOS v2.15 masks it as "*****" */
  password?: string;
  protocol: 'SV1' | 'SV2';
  tls: number;
  suggestedDifficulty?: number;
  extranonceSubscribe?: boolean;
  cert?: string;
  decodeCoinbase?: boolean;
  /** Stratum V2 (v2.14+): channel type and the pool's authority key (base58; public) */
  sv2ChannelType?: 'standard' | 'extended';
  sv2AuthorityPubkey?: string;
  /** v2.15: refuse a pool whose certificate the authority key does not verify */
  sv2RequireAuth?: boolean;
}

export interface NormalizedInfo {
  mac: string;
  hostname: string;
  ipv4: string;
  firmware: FirmwareVersion;
  capabilities: Capabilities;
  asicModel: string;
  boardVersion: string;
  /** GH/s */
  hashrate: number;
  hashrate1m: number;
  hashrate10m: number;
  hashrate1h: number;
  expectedHashrate: number;
  temperature: number;
  vrTemperature: number;
  power: number;
  fanRpm: number;
  sharesAccepted: number;
  sharesRejected: number;
  rejectReasons: Array<{ message: string; count: number }>;
  bestDiff: number;
  bestSessionDiff: number;
  poolDifficulty: number;
  responseTimeMs: number;
  uptimeSeconds: number;
  miningPaused: boolean;
  overheat: boolean;
  usingFallback: boolean;
  /** the user told the device to mine on its fallback pool (useFallbackStratum; default false since ESP-Miner #1823) */
  useFallbackStratum: boolean;
  pools: DevicePool[];
  primaryPool: number;
  secondaryPool: number;
  wifiRssi: number;
}

export class AxeosShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AxeosShapeError';
  }
}

export function parseFirmwareVersion(raw: string): FirmwareVersion {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(raw.trim());
  if (!match) return { major: 0, minor: 0, patch: 0, raw };
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), raw };
}

function atLeast(v: FirmwareVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

export function capabilitiesOf(v: FirmwareVersion): Capabilities {
  return {
    poolsApi: atLeast(v, 2, 15),
    pauseResume: atLeast(v, 2, 14),
    fanSpeedKey: atLeast(v, 2, 11) ? 'manualFanSpeed' : 'fanspeed',
  };
}

const SUFFIX: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** bestDiff as a number whether the firmware sends 2839541243 or "2.84G". */
export function parseDifficulty(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : 0;
  if (typeof value !== 'string') return 0;
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKMGTPE]?)\s*$/.exec(value);
  if (!match) return 0;
  return Number(match[1]) * (match[2] ? (SUFFIX[match[2]] ?? 1) : 1);
}

function num(value: unknown, fallback = 0): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

/** Flags arrive as 0/1 integers, booleans, or (rarely) "0"/"1". */
export function flag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value === '1' || value.toLowerCase() === 'true';
  return false;
}

const MASKED_PASSWORD = '*****';

function tlsOf(value: unknown): number {
  return typeof value === 'boolean' ? Number(value) : num(value);
}

function poolFrom(slot: number, raw: Record<string, unknown>, prefix: '' | 'fallback'): DevicePool | undefined {
  const key = (name: string) => (prefix ? `fallbackStratum${name}` : `stratum${name}`);
  const url = str(raw[key('URL')]);
  if (!url) return undefined;
  const password = str(raw[key('Password')]);
  const protocol = str(raw[key('Protocol')], 'SV1') === 'SV2' ? 'SV2' : 'SV1';
  const pool: DevicePool = { slot, url, port: num(raw[key('Port')]), user: str(raw[key('User')]), protocol, tls: tlsOf(raw[key('TLS')]) };
  if (password && password !== MASKED_PASSWORD) pool.password = password;
  const suggested = raw[key('SuggestedDifficulty')];
  if (typeof suggested === 'number') pool.suggestedDifficulty = suggested;
  const extranonce = raw[key('ExtranonceSubscribe')];
  if (extranonce !== undefined) pool.extranonceSubscribe = flag(extranonce);
  const cert = raw[key('Cert')];
  if (typeof cert === 'string') pool.cert = cert;
  const decode = raw[key('DecodeCoinbase')];
  if (decode !== undefined) pool.decodeCoinbase = flag(decode);
  const channel = raw[key('V2ChannelType')];
  if (channel === 'standard' || channel === 'extended') pool.sv2ChannelType = channel;
  const authority = raw[key('V2AuthorityPubkey')];
  if (typeof authority === 'string') pool.sv2AuthorityPubkey = authority;
  const requireAuth = raw[key('V2RequireAuth')];
  if (requireAuth !== undefined) pool.sv2RequireAuth = flag(requireAuth);
  return pool;
}

function poolsOf(raw: Record<string, unknown>, caps: Capabilities): { pools: DevicePool[]; primary: number; secondary: number } {
  if (caps.poolsApi && Array.isArray(raw.pools)) {
    const pools: DevicePool[] = [];
    for (const entry of raw.pools) {
      if (!entry || typeof entry !== 'object') continue;
      const record = entry as Record<string, unknown>;
      const pool = poolFrom(num(record.id, pools.length), record, '');
      if (pool) pools.push(pool);
    }
    return { pools, primary: num(raw.primaryPoolIndex, 0), secondary: num(raw.secondaryPoolIndex, 1) };
  }
  const pools = [poolFrom(0, raw, ''), poolFrom(1, raw, 'fallback')].filter((p): p is DevicePool => p !== undefined);
  return { pools, primary: 0, secondary: 1 };
}

/** Turns any AxeOS v2.4-v2.15+ /api/system/info body into one shape. Throws AxeosShapeError when it is not one. */
export function normalizeInfo(body: unknown): NormalizedInfo {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AxeosShapeError('system info is not a JSON object');
  const raw = body as Record<string, unknown>;
  const mac = str(raw.macAddr).toUpperCase();
  if (!/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/.test(mac)) throw new AxeosShapeError('system info has no valid macAddr: is this an AxeOS device?');
  const firmware = parseFirmwareVersion(str(raw.version, '0.0.0'));
  const capabilities = capabilitiesOf(firmware);
  const { pools, primary, secondary } = poolsOf(raw, capabilities);
  return {
    mac,
    hostname: str(raw.hostname),
    ipv4: str(raw.ipv4),
    firmware,
    capabilities,
    asicModel: str(raw.ASICModel),
    boardVersion: str(raw.boardVersion),
    hashrate: num(raw.hashRate),
    hashrate1m: num(raw.hashRate_1m, num(raw.hashRate)),
    hashrate10m: num(raw.hashRate_10m, num(raw.hashRate)),
    hashrate1h: num(raw.hashRate_1h, num(raw.hashRate)),
    expectedHashrate: num(raw.expectedHashrate),
    temperature: num(raw.temp),
    vrTemperature: num(raw.vrTemp),
    power: num(raw.power),
    fanRpm: num(raw.fanrpm),
    sharesAccepted: num(raw.sharesAccepted),
    sharesRejected: num(raw.sharesRejected),
    rejectReasons: Array.isArray(raw.sharesRejectedReasons)
      ? raw.sharesRejectedReasons.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object').map((r) => ({ message: str(r.message), count: num(r.count) }))
      : [],
    bestDiff: parseDifficulty(raw.bestDiff),
    bestSessionDiff: parseDifficulty(raw.bestSessionDiff),
    poolDifficulty: num(raw.poolDifficulty, num(raw.stratumDiff)),
    responseTimeMs: num(raw.responseTime),
    uptimeSeconds: num(raw.uptimeSeconds),
    miningPaused: flag(raw.miningPaused),
    overheat: flag(raw.overheat_mode),
    usingFallback: flag(raw.isUsingFallbackStratum),
    useFallbackStratum: flag(raw.useFallbackStratum),
    pools,
    primaryPool: primary,
    secondaryPool: secondary,
    wifiRssi: num(raw.wifiRSSI),
  };
}

/** Deep-merges a /api/ws/live diff into the full state: nested objects merge key by key, arrays are replaced whole. */
export function mergeLiveDiff(state: Record<string, unknown>, diff: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...state };
  for (const [key, value] of Object.entries(diff)) {
    const current = out[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)) {
      out[key] = mergeLiveDiff(current as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * The pool fields a PATCH understands, for firmware before the pools API. The Stratum V2 fields
 * exist from v2.14 (nvs_config.c at v2.14.2); older firmware ignores keys it does not know.
 */
export function flatPoolPatch(primary: DevicePool, fallback?: DevicePool): Record<string, unknown> {
  const fields = (prefix: 'stratum' | 'fallbackStratum', pool: DevicePool) => {
    const out: Record<string, unknown> = { [`${prefix}URL`]: pool.url, [`${prefix}Port`]: pool.port, [`${prefix}User`]: pool.user, [`${prefix}Protocol`]: pool.protocol };
    if (pool.password !== undefined) out[`${prefix}Password`] = pool.password;
    if (pool.sv2ChannelType !== undefined) out[`${prefix}V2ChannelType`] = pool.sv2ChannelType;
    if (pool.sv2AuthorityPubkey !== undefined) out[`${prefix}V2AuthorityPubkey`] = pool.sv2AuthorityPubkey;
    return out;
  };
  return { ...fields('stratum', primary), ...(fallback ? fields('fallbackStratum', fallback) : {}) };
}

/**
 * A pool slot body for PUT /api/system/pools/{i}, with every field the slot had: v2.15 stores a
 * missing field as its default, not as it was (http_server.c update_pool_nvs). "*****" keeps the
 * stored password.
 */
export function poolSlotBody(pool: DevicePool): Record<string, unknown> {
  const body: Record<string, unknown> = {
    stratumProtocol: pool.protocol,
    stratumURL: pool.url,
    stratumPort: pool.port,
    stratumUser: pool.user,
    stratumPassword: pool.password ?? MASKED_PASSWORD,
    stratumTLS: pool.tls,
  };
  if (pool.suggestedDifficulty !== undefined) body.stratumSuggestedDifficulty = pool.suggestedDifficulty;
  if (pool.extranonceSubscribe !== undefined) body.stratumExtranonceSubscribe = pool.extranonceSubscribe;
  if (pool.cert !== undefined) body.stratumCert = pool.cert;
  if (pool.decodeCoinbase !== undefined) body.stratumDecodeCoinbase = pool.decodeCoinbase;
  if (pool.sv2ChannelType !== undefined) body.stratumV2ChannelType = pool.sv2ChannelType;
  if (pool.sv2AuthorityPubkey !== undefined) body.stratumV2AuthorityPubkey = pool.sv2AuthorityPubkey;
  if (pool.sv2RequireAuth !== undefined) body.stratumV2RequireAuth = pool.sv2RequireAuth;
  return body;
}

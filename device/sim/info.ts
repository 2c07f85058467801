/**
 * /api/system/info as each firmware shapes it. v2.15 has every field of
 * fixtures/axeos/research-bitaxe/system_info_example.json with the same types; v2.14 lacks the pools
 * API fields; v2.9 also lacks pause and sends bestDiff as a suffixed string and fanspeed only.
 */
import type { ModelSpec, SimFirmware } from './models';
import type { SimPool, SimSettings } from './settings';

export interface SimRuntime {
  firmware: SimFirmware;
  version: string;
  model: ModelSpec;
  settings: SimSettings;
  mac: string;
  ipv4: string;
  uptimeSeconds: number;
  hashrate: number;
  hashrate1m: number;
  hashrate10m: number;
  hashrate1h: number;
  temperature: number;
  vrTemperature: number;
  power: number;
  fanRpm: number;
  fanPercent: number;
  sharesAccepted: number;
  sharesRejected: number;
  rejectReasons: Map<string, number>;
  bestDiff: number;
  bestSessionDiff: number;
  poolDifficulty: number;
  responseTime: number;
  miningPaused: boolean;
  usingFallback: boolean;
  blockFound: number;
  workReceived: number;
  totalHashes: number;
  identifying: boolean;
}

/** AxeOS <= v2.10 bestDiff: "%.2f" with a k/M/G/T/P/E suffix. */
export function suffixedDifficulty(value: number): string {
  const units = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  let v = value;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function poolJson(id: number, pool: SimPool): Record<string, unknown> {
  return { id, ...pool, stratumPassword: '*****' };
}

function flatPool(prefix: 'stratum' | 'fallbackStratum', pool: SimPool | undefined): Record<string, unknown> {
  const p = pool;
  return {
    [`${prefix}URL`]: p?.stratumURL ?? '',
    [`${prefix}Port`]: p?.stratumPort ?? 0,
    [`${prefix}User`]: p?.stratumUser ?? '',
    [`${prefix}SuggestedDifficulty`]: p?.stratumSuggestedDifficulty ?? 1000,
    [`${prefix}ExtranonceSubscribe`]: p?.stratumExtranonceSubscribe ?? false,
    [`${prefix}TLS`]: p?.stratumTLS ?? 0,
    [`${prefix}Cert`]: p?.stratumCert ?? '',
    [`${prefix}DecodeCoinbase`]: p?.stratumDecodeCoinbase ?? true,
    [`${prefix}Protocol`]: p?.stratumProtocol ?? 'SV1',
    [`${prefix}V2AuthorityPubkey`]: p?.stratumV2AuthorityPubkey ?? '',
    [`${prefix}V2ChannelType`]: p?.stratumV2ChannelType ?? 'extended',
  };
}

export function buildInfo(rt: SimRuntime): Record<string, unknown> {
  const s = rt.settings;
  const model = rt.model;
  const v215 = rt.firmware === 'v2.15';
  const primary = v215 ? s.pools[s.primaryPoolIndex] : s.pools[0];
  const fallback = v215 ? s.pools[s.secondaryPoolIndex] : s.pools[1];
  const hostname = s.hostname;
  const info: Record<string, unknown> = {
    power: rt.power,
    voltage: 5109.375,
    current: round2((rt.power / 5.1) * 1000),
    temp: rt.temperature,
    temp2: -1,
    vrTemp: rt.vrTemperature,
    coreVoltageActual: s.coreVoltage - 4,
    actualFrequency: s.frequency,
    expectedHashrate: model.expectedHashrate,
    fanspeed: rt.fanPercent,
    fanrpm: rt.fanRpm,
    fan2rpm: 0,
    hashRate: rt.hashrate,
    hashRate_1m: rt.hashrate1m,
    hashRate_10m: rt.hashrate10m,
    hashRate_1h: rt.hashrate1h,
    errorPercentage: 0.21,
    sharesAccepted: rt.sharesAccepted,
    sharesRejected: rt.sharesRejected,
    sharesPending: 0,
    bestDiff: rt.firmware === 'v2.9' ? suffixedDifficulty(rt.bestDiff) : rt.bestDiff,
    bestSessionDiff: rt.firmware === 'v2.9' ? suffixedDifficulty(rt.bestSessionDiff) : rt.bestSessionDiff,
    poolDifficulty: rt.poolDifficulty,
    responseTime: rt.responseTime,
    responseShareBatch: 0,
    processTime: 1.6,
    workReceived: rt.workReceived,
    blockFound: rt.blockFound,
    showNewBlock: rt.blockFound > 0,
    blockHeight: 912345,
    scriptsig: '/axewallet-sim/',
    networkDifficulty: 129435235580345,
    coinbaseValueTotalSatoshis: 312500000,
    coinbaseValueUserSatoshis: 312500000,
    freeHeap: 8123456,
    freeHeapInternal: 101234,
    freeHeapSpiram: 7990123,
    minFreeHeap: 7890123,
    maxAllocHeap: 45056,
    uptimeSeconds: rt.uptimeSeconds,
    totalUptimeSeconds: rt.uptimeSeconds + 2592000,
    totalHashes: rt.totalHashes,
    totalLog2Work: round2(Math.log2(Math.max(1, rt.totalHashes))),
    cpuUsage: 23.5,
    miningPaused: rt.miningPaused,
    overheat_mode: s.overheat_mode,
    wifiStatus: 'Connected!',
    wifiRSSI: -57,
    version: rt.version,
    axeOSVersion: rt.version,
    idfVersion: v215 ? 'v6.0.2' : 'v5.4.1',
    boardVersion: model.boardVersion,
    maxPower: model.maxPower,
    nominalVoltage: 5,
    smallCoreCount: model.smallCoreCount,
    ASICModel: model.asicModel,
    isPSRAMAvailable: 1,
    resetReason: 'Software reset via esp_restart',
    runningPartition: 'ota_0',
    macAddr: rt.mac,
    hostname,
    ssid: s.ssid,
    ipv4: rt.ipv4,
    ipv6: 'fe80::a2b7:65ff:fe12:3456%wlan0',
    apEnabled: 0,
    poolConnectionInfo: 'IPv4',
    isUsingFallbackStratum: Number(rt.usingFallback),
    primaryPoolIndex: s.primaryPoolIndex,
    secondaryPoolIndex: s.secondaryPoolIndex,
    useFallbackStratum: s.useFallbackStratum,
    pools: s.pools.flatMap((pool, id) => (pool ? [poolJson(id, pool)] : [])),
    ...flatPool('stratum', primary),
    ...flatPool('fallbackStratum', fallback),
    useCustomWWW: s.useCustomWWW,
    overclockEnabled: s.overclockEnabled,
    display: s.display,
    rotation: s.rotation,
    invertscreen: s.invertscreen,
    displayTimeout: s.displayTimeout,
    autofanspeed: s.autofanspeed,
    manualFanSpeed: s.manualFanSpeed,
    minFanSpeed: s.minFanSpeed,
    temptarget: s.temptarget,
    coreVoltage: s.coreVoltage,
    frequency: s.frequency,
    statsFrequency: s.statsFrequency,
    statsLimit: 720,
    hashrateMonitor: {
      asics: Array.from({ length: model.asicCount }, () => ({
        total: round2(rt.hashrate / model.asicCount),
        errorCount: 3,
        domains: Array.from({ length: model.hashDomains }, () => round2(rt.hashrate / model.asicCount / model.hashDomains)),
      })),
    },
    partitions: [
      { label: 'factory', isCurrent: false, isFactory: true, version: 'v2.13.2', compileDate: 'Mar  5 2026', compileTime: '12:00:00', usagePercent: 61 },
      { label: 'ota_0', isCurrent: true, isFactory: false, version: rt.version, compileDate: 'Aug 20 2026', compileTime: '18:00:00', usagePercent: 64 },
      { label: 'ota_1', isCurrent: false, isFactory: false, version: null, compileDate: null, compileTime: null, usagePercent: null },
    ],
    sharesRejectedReasons: [...rt.rejectReasons].map(([message, count]) => ({ message, count })),
    blockSignals: [],
    coinbaseOutputs: [{ value: 312500000, address: primary?.stratumUser.split('.')[0] ?? '' }],
    fullHostname: `${hostname}.local`,
    mdnsHostname: hostname,
  };
  if (!v215) {
    for (const key of ['pools', 'primaryPoolIndex', 'secondaryPoolIndex', 'partitions', 'blockSignals', 'coinbaseOutputs', 'hashrateMonitor', 'mdnsHostname', 'fullHostname']) {
      delete info[key];
    }
  }
  if (rt.firmware === 'v2.9') {
    for (const key of ['miningPaused', 'manualFanSpeed', 'totalLog2Work', 'totalHashes', 'sharesRejectedReasons', 'axeOSVersion']) delete info[key];
  }
  return JSON.parse(JSON.stringify(info)) as Record<string, unknown>;
}

export function buildAsic(model: ModelSpec): Record<string, unknown> {
  return {
    ASICModel: model.asicModel,
    deviceModel: model.deviceModel,
    swarmColor: model.swarmColor,
    asicCount: model.asicCount,
    hashDomains: model.hashDomains,
    defaultFrequency: model.defaultFrequency,
    frequencyOptions: model.frequencyOptions,
    defaultVoltage: model.defaultVoltage,
    voltageOptions: model.voltageOptions,
  };
}

/** /api/ws/live diff: changed keys only, nested objects diffed recursively, arrays whole. */
export function diffInfo(previous: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    const before = previous[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && before && typeof before === 'object' && !Array.isArray(before)) {
      const inner = diffInfo(before as Record<string, unknown>, value as Record<string, unknown>);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else if (JSON.stringify(value) !== JSON.stringify(before)) {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Alert rules for a device, as transitions (an alert fires when a condition starts, not on every
 * poll): offline, hashrate drop, overheat, pool changed elsewhere, new best difficulty. Pure.
 */
import type { NormalizedInfo } from '../../device/axeos/normalize';

export interface AlertDraft {
  kind: 'offline' | 'online' | 'hashrate-drop' | 'overheat' | 'pool-change' | 'best-difficulty';
  severity: 'info' | 'warning' | 'critical';
  title: string;
  message: string;
  hint?: string;
}

export interface AlertMemory {
  offline: boolean;
  hashrateLow: boolean;
  overheat: boolean;
  /** "host:port" of the primary pool last seen; null before the first observation */
  pool: string | null;
  bestDiff: number;
}

export interface AlertThresholds {
  overheatCelsius: number;
  /** hashrate (10 min) below this share of the expected hashrate is a drop */
  hashrateDropRatio: number;
  /** a device needs this uptime before its hashrate is judged */
  warmupSeconds: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { overheatCelsius: 70, hashrateDropRatio: 0.5, warmupSeconds: 600 };

export function primaryPoolOf(info: NormalizedInfo): string | null {
  const pool = info.pools.find((p) => p.slot === info.primaryPool);
  return pool ? `${pool.url}:${pool.port}` : null;
}

export function evaluateAlerts(
  name: string,
  memory: AlertMemory,
  observation: { online: true; info: NormalizedInfo; poolChangeExpected: boolean } | { online: false; reason: string },
  thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
): { drafts: AlertDraft[]; memory: AlertMemory } {
  const drafts: AlertDraft[] = [];
  const next = { ...memory };
  if (!observation.online) {
    if (!memory.offline) {
      drafts.push({ kind: 'offline', severity: 'critical', title: `${name} is offline`, message: observation.reason, hint: 'Check its power and Wi-Fi; if its address changed, run discovery.' });
    }
    next.offline = true;
    return { drafts, memory: next };
  }
  const info = observation.info;
  if (memory.offline) drafts.push({ kind: 'online', severity: 'info', title: `${name} is back online`, message: `${name} answers again at ${info.ipv4 || 'its address'}.` });
  next.offline = false;

  const low = !info.miningPaused && info.expectedHashrate > 0 && info.uptimeSeconds >= thresholds.warmupSeconds && info.hashrate10m < info.expectedHashrate * thresholds.hashrateDropRatio;
  if (low && !memory.hashrateLow) {
    drafts.push({
      kind: 'hashrate-drop',
      severity: 'warning',
      title: `${name}: hashrate dropped`,
      message: `${info.hashrate10m.toFixed(0)} GH/s over 10 minutes, expected about ${info.expectedHashrate.toFixed(0)} GH/s.`,
      hint: 'Check the pool connection and the device temperature; a restart often helps.',
    });
  }
  next.hashrateLow = low;

  const hot = info.overheat || info.temperature >= thresholds.overheatCelsius;
  if (hot && !memory.overheat) {
    drafts.push({
      kind: 'overheat',
      severity: 'critical',
      title: `${name} is overheating`,
      message: info.overheat ? 'The firmware entered overheat mode and throttled the ASIC.' : `ASIC temperature ${info.temperature} °C.`,
      hint: 'Give it airflow, check the fan, or lower frequency and voltage.',
    });
  }
  next.overheat = hot;

  const pool = primaryPoolOf(info);
  if (memory.pool !== null && pool !== memory.pool && !observation.poolChangeExpected) {
    drafts.push({
      kind: 'pool-change',
      severity: 'warning',
      title: `${name}: pool changed`,
      message: `Its primary pool is now ${pool ?? 'none'} (was ${memory.pool}).`,
      hint: 'If you did not change it, someone else on your network did: check the device.',
    });
  }
  next.pool = pool;

  if (info.bestDiff > memory.bestDiff) {
    if (memory.bestDiff > 0) {
      drafts.push({ kind: 'best-difficulty', severity: 'info', title: `${name}: new best difficulty`, message: `Best share difficulty is now ${Math.round(info.bestDiff).toLocaleString('en-US')}.` });
    }
    next.bestDiff = info.bestDiff;
  }
  return { drafts, memory: next };
}

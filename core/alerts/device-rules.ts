/**
 * Alert rules for a Bitaxe: what holds after one look at it (offline, hashrate drop, overheat) and what
 * changed since the last look (its pool changed elsewhere, a new best difficulty). Pure: the center
 * turns the states into alerts that start and clear.
 */
import { type DeviceBaseline, type DeviceObservation, primaryPoolOf } from '../devices/observation';
import type { AlertDraft, RuleOutcome } from './center';

export interface AlertThresholds {
  overheatCelsius: number;
  /** hashrate (10 min) below this share of the expected hashrate is a drop */
  hashrateDropRatio: number;
  /** a device needs this uptime before its hashrate is judged */
  warmupSeconds: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { overheatCelsius: 70, hashrateDropRatio: 0.5, warmupSeconds: 600 };

export const deviceAlertKey = (kind: string, id: string) => `device:${id}:${kind}`;

export function deviceAlerts(device: { id: string; name: string }, observation: DeviceObservation, baseline: DeviceBaseline, thresholds: AlertThresholds = DEFAULT_THRESHOLDS): RuleOutcome {
  const { id, name } = device;
  const draft = (d: Omit<AlertDraft, 'source' | 'subject'>): AlertDraft => ({ source: 'device', subject: id, ...d });
  if (!observation.online) {
    const offline = draft({
      kind: 'offline',
      severity: 'critical',
      title: `${name} is offline`,
      message: observation.reason,
      hint: 'Check its power and Wi-Fi; if its address changed, run discovery.',
    });
    return { states: [{ key: deviceAlertKey('offline', id), active: offline }], notes: [] };
  }
  const info = observation.info;
  const low = !info.miningPaused && info.expectedHashrate > 0 && info.uptimeSeconds >= thresholds.warmupSeconds && info.hashrate10m < info.expectedHashrate * thresholds.hashrateDropRatio;
  const hot = info.overheat || info.temperature >= thresholds.overheatCelsius;
  const states = [
    { key: deviceAlertKey('offline', id), active: false as const },
    {
      key: deviceAlertKey('hashrate-drop', id),
      active:
        low &&
        draft({
          kind: 'hashrate-drop',
          severity: 'warning',
          title: `${name}: hashrate dropped`,
          message: `${info.hashrate10m.toFixed(0)} GH/s over 10 minutes, expected about ${info.expectedHashrate.toFixed(0)} GH/s.`,
          hint: 'Check the pool connection and the device temperature; a restart often helps.',
        }),
    },
    {
      key: deviceAlertKey('overheat', id),
      active:
        hot &&
        draft({
          kind: 'overheat',
          severity: 'critical',
          title: `${name} is overheating`,
          message: info.overheat ? 'The firmware entered overheat mode and throttled the ASIC.' : `ASIC temperature ${info.temperature} °C.`,
          hint: 'Give it airflow, check the fan, or lower frequency and voltage.',
        }),
    },
  ];

  const notes: AlertDraft[] = [];
  const pool = primaryPoolOf(info);
  if (baseline.pool !== null && pool !== baseline.pool && !observation.poolChangeExpected) {
    notes.push(
      draft({
        kind: 'pool-change',
        severity: 'warning',
        title: `${name}: pool changed`,
        message: `Its primary pool is now ${pool ?? 'none'} (was ${baseline.pool}).`,
        hint: 'If you did not change it, someone else on your network did: check the device.',
      }),
    );
  }
  if (info.bestDiff > baseline.bestDiff && baseline.bestDiff > 0) {
    notes.push(
      draft({ kind: 'best-difficulty', severity: 'info', title: `${name}: new best difficulty`, message: `Best share difficulty is now ${Math.round(info.bestDiff).toLocaleString('en-US')}.` }),
    );
  }
  return { states, notes };
}

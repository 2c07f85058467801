/** What one look at a Bitaxe found, as the device manager reports it to whoever watches (alerts, MQTT, metrics). */
import type { NormalizedInfo } from '../../device/axeos/normalize';

export type DeviceObservation = { online: true; info: NormalizedInfo; poolChangeExpected: boolean } | { online: false; reason: string };

/** What the look before saw: the primary pool ("host:port", null before any look) and the best difficulty. */
export interface DeviceBaseline {
  pool: string | null;
  bestDiff: number;
}

export function primaryPoolOf(info: NormalizedInfo): string | null {
  const pool = info.pools.find((p) => p.slot === info.primaryPool);
  return pool ? `${pool.url}:${pool.port}` : null;
}

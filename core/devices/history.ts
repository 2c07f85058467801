/** A device's stored samples as chart points: share counts as deltas, at most MAX_HISTORY_POINTS averaged buckets. */
import { type SampleRow, shareDeltas } from './store';

export type HistoryRange = '1h' | '24h' | '7d' | '30d';

export interface HistoryPoint {
  at: string;
  hashrate1m: number;
  hashrate10m: number;
  hashrate1h: number;
  temperature: number;
  power: number;
  shares: number;
  rejects: number;
}

export const RANGE_MS: Record<HistoryRange, number> = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const MAX_HISTORY_POINTS = 500;

export function historyPoints(samples: SampleRow[]): HistoryPoint[] {
  const deltas = shareDeltas(samples);
  const points = samples.map((s, i) => ({ ...s, shares: deltas[i]?.shares ?? 0, rejects: deltas[i]?.rejects ?? 0 }));
  const bucket = Math.max(1, Math.ceil(points.length / MAX_HISTORY_POINTS));
  const out: HistoryPoint[] = [];
  for (let i = 0; i < points.length; i += bucket) {
    const group = points.slice(i, i + bucket);
    const avg = (pick: (p: (typeof points)[number]) => number) => group.reduce((sum, p) => sum + pick(p), 0) / group.length;
    const last = group[group.length - 1];
    if (!last) continue;
    out.push({
      at: new Date(last.at).toISOString(),
      hashrate1m: avg((p) => p.hashrate1m),
      hashrate10m: avg((p) => p.hashrate10m),
      hashrate1h: avg((p) => p.hashrate1h),
      temperature: avg((p) => p.temperature),
      power: avg((p) => p.power),
      shares: group.reduce((sum, p) => sum + p.shares, 0),
      rejects: group.reduce((sum, p) => sum + p.rejects, 0),
    });
  }
  return out;
}

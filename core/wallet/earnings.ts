/**
 * What the wallet earned and did, read from its history for people rather than for accounting:
 * - an earnings series (ehash minted from shares per time bucket), so the dashboard charts income, not the balance
 *   (a send is not a loss), from the store, so it survives reloads and restarts;
 * - activity grouped by day: one "mined" row per day and mint/unit however many batches were minted, one row per
 *   send (its claim or reclaim folded in), one per receive and restore.
 * Pure over HistoryRow[]: the caller reads the rows (WalletStore.historySince).
 */
import type { HistoryRow } from './store';

export const earningsRanges = { '1h': { spanMs: 3_600_000, bucketMs: 60_000 }, '24h': { spanMs: 86_400_000, bucketMs: 900_000 }, '7d': { spanMs: 604_800_000, bucketMs: 3_600_000 } } as const;
export type EarningsRange = keyof typeof earningsRanges;

export interface EarningsSeries {
  mint: string;
  unit: string;
  /** earned in the whole range */
  total: bigint;
  /** one amount per bucket, oldest first; bucket i starts at from + i * bucketMs */
  buckets: bigint[];
}

export interface Earnings {
  from: number;
  to: number;
  bucketMs: number;
  series: EarningsSeries[];
}

/** ehash minted from shares, per bucket, for each mint and unit that earned anything in the range. */
export function earningsSeries(rows: readonly HistoryRow[], range: EarningsRange, now: number): Earnings {
  const { spanMs, bucketMs } = earningsRanges[range];
  // buckets are aligned to the bucket size, so a chart drawn twice a minute does not shift its bars
  const to = Math.ceil(now / bucketMs) * bucketMs;
  const from = to - spanMs;
  const count = spanMs / bucketMs;
  const byKey = new Map<string, EarningsSeries>();
  for (const row of rows) {
    if (row.kind !== 'mint' || row.at < from || row.at >= to) continue;
    const key = `${row.mint_url} ${row.unit}`;
    let series = byKey.get(key);
    if (!series) byKey.set(key, (series = { mint: row.mint_url, unit: row.unit, total: 0n, buckets: new Array<bigint>(count).fill(0n) }));
    const amount = BigInt(row.amount);
    const index = Math.floor((row.at - from) / bucketMs);
    series.buckets[index] = series.buckets[index]! + amount;
    series.total += amount;
  }
  return { from, to, bucketMs, series: [...byKey.values()].sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : 0)) };
}

export type ActivityKind = 'mined' | 'send' | 'receive' | 'restore' | 'reclaim';

export interface ActivityEntry {
  kind: ActivityKind;
  direction: 'in' | 'out';
  mint: string;
  unit: string;
  amount: bigint;
  /** the first and last moment this entry covers (a day's mining spans many batches) */
  at: number;
  until: number;
  /** mined: shares paid for (one quote per accepted share); absent when the history does not say */
  shares?: number;
  /** mined: minting batches folded into this row */
  batches?: number;
  /** send: still waiting for the receiver, claimed by them, or taken back */
  state?: 'pending' | 'claimed' | 'reclaimed';
  /** reclaimed send: what came back (less any mint fee) */
  returned?: bigint;
  memo?: string;
  /** send id (sends) */
  ref?: string;
}

export interface ActivityDay {
  /** local calendar day, YYYY-MM-DD */
  day: string;
  entries: ActivityEntry[];
}

/** "57 quotes" -> 57: the engine notes how many share quotes a minting batch paid. */
function sharesOf(row: HistoryRow): number | undefined {
  const match = row.ref ? /^(\d+) quotes?$/.exec(row.ref) : null;
  return match ? Number(match[1]) : undefined;
}

/** YYYY-MM-DD of a moment, in the zone `utcOffsetMinutes` east of UTC (a browser's -getTimezoneOffset()). */
export function localDay(at: number, utcOffsetMinutes: number): string {
  return new Date(at + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** Activity by local day, newest day first and newest entry first within a day. */
export function groupActivity(rows: readonly HistoryRow[], utcOffsetMinutes: number): ActivityDay[] {
  const days = new Map<string, ActivityEntry[]>();
  const entriesOf = (day: string) => days.get(day) ?? days.set(day, []).get(day)!;
  const mined = new Map<string, ActivityEntry>();
  const sends = new Map<string, ActivityEntry>();
  for (const row of [...rows].sort((a, b) => a.at - b.at || a.id - b.id)) {
    const day = localDay(row.at, utcOffsetMinutes);
    const amount = BigInt(row.amount);
    const base = { mint: row.mint_url, unit: row.unit, amount, at: row.at, until: row.at };
    if (row.kind === 'mint') {
      const key = `${day} ${row.mint_url} ${row.unit}`;
      const entry = mined.get(key);
      const shares = sharesOf(row);
      if (!entry) {
        const created: ActivityEntry = { ...base, kind: 'mined', direction: 'in', batches: 1 };
        if (shares !== undefined) created.shares = shares;
        mined.set(key, created);
        entriesOf(day).push(created);
        continue;
      }
      entry.amount += amount;
      entry.until = row.at;
      entry.batches = (entry.batches ?? 0) + 1;
      // one batch whose note is unreadable makes the day's share count unknown rather than wrong
      entry.shares = entry.shares !== undefined && shares !== undefined ? entry.shares + shares : undefined;
      if (entry.shares === undefined) delete entry.shares;
      continue;
    }
    const settles = (row.kind === 'claimed' || row.kind === 'reclaim') && row.ref ? sends.get(row.ref) : undefined;
    if (settles) {
      settles.state = row.kind === 'claimed' ? 'claimed' : 'reclaimed';
      settles.until = row.at;
      if (row.kind === 'reclaim') settles.returned = amount;
      continue;
    }
    const entry: ActivityEntry =
      row.kind === 'send' || row.kind === 'claimed'
        ? { ...base, kind: 'send', direction: 'out', state: row.kind === 'claimed' ? 'claimed' : 'pending' }
        : { ...base, kind: row.kind, direction: row.direction };
    if (row.memo) entry.memo = row.memo;
    if (row.ref && entry.kind === 'send') {
      entry.ref = row.ref;
      sends.set(row.ref, entry);
    }
    entriesOf(day).push(entry);
  }
  return [...days.entries()].sort(([a], [b]) => (a < b ? 1 : -1)).map(([day, entries]) => ({ day, entries: entries.sort((a, b) => b.until - a.until) }));
}

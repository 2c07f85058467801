/**
 * What the wallet earned and did, read from its history for people rather than for accounting:
 * - an earnings series (ehash minted from shares per time bucket), so the dashboard charts income, not the balance
 *   (a send is not a loss), from the store, so it survives reloads and restarts;
 * - activity grouped by day: one "mined" row per day and mint/unit however many batches were minted, one row per
 *   send (its claim or reclaim folded in), one per receive and restore.
 * Pure over what the store's history reads: the ehash minted per minute (WalletHistory.mintedSince) and the other
 * rows (besidesMintingSince).
 */
import type { MintedMinute } from './history';
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
export function earningsSeries(minted: readonly MintedMinute[], range: EarningsRange, now: number): Earnings {
  const { spanMs, bucketMs } = earningsRanges[range];
  // buckets are aligned to the bucket size, so a chart drawn twice a minute does not shift its bars
  const to = Math.ceil(now / bucketMs) * bucketMs;
  const from = to - spanMs;
  const count = spanMs / bucketMs;
  const byKey = new Map<string, EarningsSeries>();
  // a minute lies wholly within one bucket: every bucket is a whole number of minutes from the epoch
  for (const row of minted) {
    if (row.minute < from || row.minute >= to) continue;
    const key = `${row.mint_url} ${row.unit}`;
    let series = byKey.get(key);
    if (!series) byKey.set(key, (series = { mint: row.mint_url, unit: row.unit, total: 0n, buckets: new Array<bigint>(count).fill(0n) }));
    const index = Math.floor((row.minute - from) / bucketMs);
    series.buckets[index] = series.buckets[index]! + row.amount;
    series.total += row.amount;
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

/** YYYY-MM-DD of a moment, in the zone `utcOffsetMinutes` east of UTC (a browser's -getTimezoneOffset()). */
export function localDay(at: number, utcOffsetMinutes: number): string {
  return new Date(at + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * Activity by local day, newest day first and newest entry first within a day: each day's minting (per mint and
 * unit) from the minutes it was minted in, the other rows as they are. A mined entry's times are its first and
 * last minute's.
 */
export function groupActivity(minted: readonly MintedMinute[], rows: readonly HistoryRow[], utcOffsetMinutes: number): ActivityDay[] {
  const days = new Map<string, ActivityEntry[]>();
  const entriesOf = (day: string) => days.get(day) ?? days.set(day, []).get(day)!;
  const mined = new Map<string, ActivityEntry>();
  for (const minute of [...minted].sort((a, b) => a.minute - b.minute)) {
    const day = localDay(minute.minute, utcOffsetMinutes);
    const key = `${day} ${minute.mint_url} ${minute.unit}`;
    const entry = mined.get(key);
    if (!entry) {
      const created: ActivityEntry = {
        kind: 'mined',
        direction: 'in',
        mint: minute.mint_url,
        unit: minute.unit,
        amount: minute.amount,
        at: minute.minute,
        until: minute.minute,
        batches: minute.batches,
      };
      if (minute.shares !== undefined) created.shares = minute.shares;
      mined.set(key, created);
      entriesOf(day).push(created);
      continue;
    }
    entry.amount += minute.amount;
    entry.until = minute.minute;
    entry.batches = (entry.batches ?? 0) + minute.batches;
    // one batch whose count is not known makes the day's share count unknown rather than wrong
    entry.shares = entry.shares !== undefined && minute.shares !== undefined ? entry.shares + minute.shares : undefined;
    if (entry.shares === undefined) delete entry.shares;
  }
  const sends = new Map<string, ActivityEntry>();
  for (const row of [...rows].sort((a, b) => a.at - b.at || a.id - b.id)) {
    if (row.kind === 'mint') continue; // counted from the minutes above
    const day = localDay(row.at, utcOffsetMinutes);
    const amount = BigInt(row.amount);
    const base = { mint: row.mint_url, unit: row.unit, amount, at: row.at, until: row.at };
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

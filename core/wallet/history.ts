/**
 * The wallet's history, in its store: one row per thing a person did or saw happen (a minting batch, a send and its
 * claim or reclaim, a receive, a restore), and the ehash minted summed per mint, unit and minute as batches are
 * minted. A pass mints whatever few shares came in since the last one, so a week of one Bitaxe is ~100,000 batches:
 * the earnings chart and the day-grouped activity read the minutes (at most 10,080 a week per mint and unit), never
 * the batches, and the batches are kept a week (the sweeper drops older ones).
 */
import type Database from 'better-sqlite3';
import type { HistoryRow } from './schema';

/** The ehash one mint minted in one unit within one minute, from `batches` minting batches. */
export interface MintedMinute {
  mint_url: string;
  unit: string;
  /** the minute's first millisecond */
  minute: number;
  amount: bigint;
  batches: number;
  /** shares paid for; absent when a batch's count is not known (rows written before the count was kept) */
  shares?: number;
}

/** History other than minting, as its callers write it. */
export type HistoryEntry = Omit<HistoryRow, 'id' | 'at' | 'kind'> & { kind: Exclude<HistoryRow['kind'], 'mint'> };

const MINUTE_MS = 60_000;
// a minute's amount as two integers, so SQLite adds them exactly: amounts reach 2^64, past its signed 64 bits
const BILLION = 1_000_000_000n;
// every kind but minting, as a record so that a kind added to HistoryRow and left out here fails to compile
const OTHER_KINDS = Object.keys({ send: true, receive: true, reclaim: true, restore: true, claimed: true } satisfies Record<HistoryEntry['kind'], true>);

export class WalletHistory {
  constructor(private readonly statement: (sql: string) => Database.Statement) {}

  add(entry: HistoryEntry): void {
    this.insert({ ...entry, at: Date.now() });
  }

  /** A minting batch: its history row and its minute's sum, in the caller's transaction. */
  minted(batch: { mint_url: string; unit: string; amount: bigint; quotes: number }): void {
    const at = Date.now();
    this.insert({ kind: 'mint', direction: 'in', mint_url: batch.mint_url, unit: batch.unit, amount: batch.amount.toString(), ref: `${batch.quotes} quotes`, memo: null, at });
    this.statement(
      `INSERT INTO minted_minutes (minute, mint_url, unit, amount_billions, amount_rest, batches, shares) VALUES (?, ?, ?, ?, ?, 1, ?)
         ON CONFLICT (minute, mint_url, unit) DO UPDATE SET amount_billions = amount_billions + excluded.amount_billions,
           amount_rest = amount_rest + excluded.amount_rest, batches = batches + 1, shares = shares + excluded.shares`,
    ).run(at - (at % MINUTE_MS), batch.mint_url, batch.unit, batch.amount / BILLION, batch.amount % BILLION, batch.quotes);
  }

  /** What was minted since a moment (rounded down to its minute), by minute, oldest first. */
  mintedSince(sinceMs: number): MintedMinute[] {
    const rows = this.statement('SELECT * FROM minted_minutes WHERE minute >= ? ORDER BY minute')
      .safeIntegers(true)
      .all(sinceMs - (sinceMs % MINUTE_MS)) as { mint_url: string; unit: string; minute: bigint; amount_billions: bigint; amount_rest: bigint; batches: bigint; shares: bigint | null }[];
    return rows.map((row) => {
      const minute: MintedMinute = { mint_url: row.mint_url, unit: row.unit, minute: Number(row.minute), amount: row.amount_billions * BILLION + row.amount_rest, batches: Number(row.batches) };
      if (row.shares !== null) minute.shares = Number(row.shares);
      return minute;
    });
  }

  /** Every row but minting's (sends, claims, reclaims, receives, restores) since a moment, oldest first. */
  besidesMintingSince(sinceMs: number): HistoryRow[] {
    return this.statement(`SELECT * FROM history WHERE kind IN (${OTHER_KINDS.map((k) => `'${k}'`).join(', ')}) AND at >= ? ORDER BY at, id`).all(sinceMs) as HistoryRow[];
  }

  /**
   * Deletes up to `limit` minting batches made before `before`; returns how many. Their minutes keep what they
   * minted, and every view of minting reads the minutes.
   */
  dropMintingBefore(before: number, limit: number): number {
    return this.statement("DELETE FROM history WHERE rowid IN (SELECT rowid FROM history WHERE kind = 'mint' AND at < ? LIMIT ?)").run(before, limit).changes;
  }

  /** The newest rows, or those before `beforeId`, newest first. */
  recent(limit = 100, beforeId?: number): HistoryRow[] {
    return (
      beforeId ? this.statement('SELECT * FROM history WHERE id < ? ORDER BY id DESC LIMIT ?').all(beforeId, limit) : this.statement('SELECT * FROM history ORDER BY id DESC LIMIT ?').all(limit)
    ) as HistoryRow[];
  }

  private insert(row: Omit<HistoryRow, 'id'>): void {
    this.statement('INSERT INTO history (at, kind, direction, mint_url, unit, amount, ref, memo) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      row.at,
      row.kind,
      row.direction,
      row.mint_url,
      row.unit,
      row.amount,
      row.ref,
      row.memo,
    );
  }
}

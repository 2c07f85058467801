/**
 * The share ledger's retention: single shares are kept for a while (the wallet ties quotes to them by header
 * hash, a late verdict may still correct them), then folded into hourly aggregates per worker (accepted and
 * rejected by reason, and the work accepted), and hourly aggregates into daily ones. What the API shows as
 * totals and history reads the kept shares and the aggregates together, so nothing seems to vanish when
 * shares are pruned. Plain SQL, run by the ledger's writer thread; the reads here run on the proxy's thread.
 */
import type Database from 'better-sqlite3';

export interface RetentionPolicy {
  /** single shares older than this are folded into hourly aggregates (default 7 days) */
  keepSharesMs: number;
  /** and at most this many single shares are kept (default 200,000: some 70 MB) */
  maxShares: number;
  /** hourly aggregates older than this are folded into daily ones (default 90 days) */
  keepHoursMs: number;
  /** daily aggregates older than this are dropped (default 5 years) */
  keepDaysMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  keepSharesMs: 7 * 86_400_000,
  maxShares: 200_000,
  keepHoursMs: 90 * 86_400_000,
  keepDaysMs: 5 * 365 * 86_400_000,
};

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const HISTORY_SCHEMA = `
  CREATE TABLE IF NOT EXISTS share_history (
    span TEXT NOT NULL,
    start INTEGER NOT NULL,
    worker TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    shares INTEGER NOT NULL,
    work REAL NOT NULL,
    PRIMARY KEY (span, start, worker, verdict, reason)
  ) WITHOUT ROWID;
`;

/** Cut-offs for one compaction, computed on the proxy's thread from the policy and the clock. */
export interface Compaction {
  sharesBefore: number;
  maxShares: number;
  hoursBefore: number;
  daysBefore: number;
}

export function compactionAt(policy: RetentionPolicy, now: number): Compaction {
  return { sharesBefore: now - policy.keepSharesMs, maxShares: policy.maxShares, hoursBefore: now - policy.keepHoursMs, daysBefore: now - policy.keepDaysMs };
}

/**
 * One transaction (the writer runs it): settled shares past the cut-offs into hourly rows, old hourly rows into
 * daily rows, the oldest daily rows out. A share still awaiting its verdict is never folded.
 */
export const COMPACTION_SQL = {
  lastKeptId: 'SELECT id FROM shares ORDER BY id DESC LIMIT 1 OFFSET ?',
  foldShares: `INSERT INTO share_history (span, start, worker, verdict, reason, shares, work)
    SELECT 'hour', at - at % ${HOUR_MS}, worker, verdict, COALESCE(reason, ''), COUNT(*), SUM(CASE WHEN verdict = 'accepted' THEN difficulty ELSE 0 END)
    FROM shares WHERE verdict != 'awaiting' AND (at < @before OR id <= @idCut) GROUP BY 2, 3, 4, 5
    ON CONFLICT (span, start, worker, verdict, reason) DO UPDATE SET shares = shares + excluded.shares, work = work + excluded.work`,
  dropShares: `DELETE FROM shares WHERE verdict != 'awaiting' AND (at < @before OR id <= @idCut)`,
  foldHours: `INSERT INTO share_history (span, start, worker, verdict, reason, shares, work)
    SELECT 'day', start - start % ${DAY_MS}, worker, verdict, reason, SUM(shares), SUM(work)
    FROM share_history WHERE span = 'hour' AND start < @before GROUP BY 2, 3, 4, 5
    ON CONFLICT (span, start, worker, verdict, reason) DO UPDATE SET shares = shares + excluded.shares, work = work + excluded.work`,
  dropHours: `DELETE FROM share_history WHERE span = 'hour' AND start < @before`,
  dropDays: `DELETE FROM share_history WHERE span = 'day' AND start < @before`,
};

export interface HistoryBucket {
  /** unix ms, start of the hour or day (UTC) */
  start: number;
  worker: string;
  accepted: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  /** sum of the difficulty of the accepted shares: hashes done = work * 2^32 */
  work: number;
}

export interface HistoryRow {
  start: number;
  worker: string;
  verdict: string;
  reason: string | null;
  shares: number;
  work: number;
}

/** Every bucket of `span` since `since`, from the aggregates and the single shares not yet folded. */
export function readHistory(db: Database.Database, span: 'hour' | 'day', since: number): HistoryRow[] {
  const size = span === 'hour' ? HOUR_MS : DAY_MS;
  const from = since - (since % size);
  const aggregates = db
    .prepare(
      `SELECT start - start % ${size} AS start, worker, verdict, reason, SUM(shares) AS shares, SUM(work) AS work FROM share_history
       WHERE start >= ? AND (span = ? OR span = 'hour') GROUP BY 1, 2, 3, 4`,
    )
    .all(from, span) as HistoryRow[];
  const shares = db
    .prepare(
      `SELECT at - at % ${size} AS start, worker, verdict, reason, COUNT(*) AS shares, SUM(CASE WHEN verdict = 'accepted' THEN difficulty ELSE 0 END) AS work
       FROM shares WHERE at >= ? AND verdict != 'awaiting' GROUP BY 1, 2, 3, 4`,
    )
    .all(from) as HistoryRow[];
  return [...aggregates, ...shares];
}

/** Adds rows into buckets by (start, worker), oldest first. */
export function toBuckets(rows: Iterable<HistoryRow>): HistoryBucket[] {
  const buckets = new Map<string, HistoryBucket>();
  for (const row of rows) {
    const key = `${row.start}\u0000${row.worker}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { start: row.start, worker: row.worker, accepted: 0, rejected: 0, rejectReasons: {}, work: 0 };
      buckets.set(key, bucket);
    }
    if (row.verdict === 'accepted') {
      bucket.accepted += row.shares;
      bucket.work += row.work;
    } else if (row.verdict === 'rejected') {
      bucket.rejected += row.shares;
      const reason = row.reason || 'unknown';
      bucket.rejectReasons[reason] = (bucket.rejectReasons[reason] ?? 0) + row.shares;
    }
  }
  return [...buckets.values()].sort((a, b) => a.start - b.start || a.worker.localeCompare(b.worker));
}

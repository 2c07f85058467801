/**
 * The share ledger: every share a miner submits through the proxy that has a header hash, with its verdict
 * (the upstream's, or ours for a share below the miner's own target, which is never forwarded).
 * SQLite (WAL) so counts survive restarts. The writes happen on a writer thread: a commit (and now and
 * then a WAL checkpoint) costs tens of microseconds to milliseconds, which on the proxy's thread sat
 * between a miner's submit and its answer. Rows and verdicts go to the writer in batches (every 100 ms, or
 * at 500 rows), one transaction each there; a row still awaiting its verdict waits up to 100 ms for it, so that
 * most shares are one INSERT. Rows the writer has not committed yet stay in memory so reads see them (a crash
 * loses those: the last 200 ms of shares, and at saturation up to ~150 ms more that the writer has not reached yet;
 * a share awaiting at a crash is recorded lost at the next start only if its row was written). Counts are kept in
 * memory and seeded from the database, so reading them is free.
 * The size is bounded: old shares are folded into hourly and daily aggregates (ledger-history.ts).
 */
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { compactionAt, DEFAULT_RETENTION, HISTORY_SCHEMA, type HistoryBucket, readHistory, type RetentionPolicy, toBuckets } from './ledger-history';
import { PendingShares, ROW_WIDTH, type RowBatch, VERDICT_WIDTH } from './ledger-pending';
import { INSERT_SQL, JUDGE_SQL, startLedgerWriter } from './ledger-writer';
import type { ShareRecord, ShareVerdict } from './share-record';

export interface ShareCounts {
  accepted: number;
  rejected: number;
  awaiting: number;
  rejectReasons: Record<string, number>;
}

export type NewShare = Omit<ShareRecord, 'id' | 'verdict' | 'reason' | 'latencyMs'>;

interface Row {
  id: number;
  at: number;
  miner_id: string;
  worker: string;
  upstream: string;
  job_id: string;
  header_hash: string;
  difficulty: number;
  share_difficulty: number;
  verdict: ShareVerdict;
  reason: string | null;
  latency_ms: number | null;
}

function fromRow(row: Row): ShareRecord {
  return {
    id: row.id,
    at: row.at,
    minerId: row.miner_id,
    worker: row.worker,
    upstream: row.upstream,
    jobId: row.job_id,
    headerHash: row.header_hash,
    difficulty: row.difficulty,
    shareDifficulty: row.share_difficulty,
    verdict: row.verdict,
    reason: row.reason,
    latencyMs: row.latency_ms,
  };
}

/** Shares the proxy could not get judged because the upstream went away first. */
export const UPSTREAM_LOST = 'upstream-lost';

/**
 * Each hand-over costs both threads a wake-up and the writer a commit, whatever its size: at 10 ms, one miner's
 * ~6,000 shares/s came in 100 commits a second, and the writer's CPU on two shared cores doubled the proxy's p99
 * (0.72 against 0.35 ms, side by side); 1,000 miners' p50 rose ~0.1 ms. A crash loses at most this plus the hold.
 */
const BATCH_MS = 100;
const BATCH_ROWS = 500;
/** a row still awaiting its verdict is held back this long, so the verdict goes in with it (ledger-pending.ts take) */
const HOLD_AWAITING_MS = 100;
/** how often old shares are folded into aggregates */
const COMPACT_EVERY_MS = 10 * 60_000;

/**
 * The stored shares with a header hash that are rejected, or may be: a row committed while awaiting can have its
 * verdict (lost, say) still on its way to the writer, and only reading it with that verdict tells.
 */
const REJECTED_OR_AWAITING_BY_HASH_SQL = `SELECT * FROM (SELECT * FROM shares WHERE header_hash = ? AND verdict = 'rejected' ORDER BY id DESC LIMIT 50)
  UNION ALL SELECT * FROM (SELECT * FROM shares WHERE header_hash = ? AND verdict = 'awaiting')`;

export class ShareLedger {
  /** the start-up work and every read; WAL lets it read while the writer thread writes */
  private readonly db: Database.Database;
  private writer: Worker;
  /** rows and verdicts not committed yet, gathered or handed to the writer: reads see them from here */
  private readonly pending = new PendingShares();
  private seq = 0;
  /** writer restarts since the last commit that succeeded */
  private restarts = 0;
  private writerAlive = false;
  private flushScheduled = false;
  private flushNow = false;
  /** rows held back by the last timed hand-over; the next early one waits for BATCH_ROWS more */
  private held = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private nextId: number;
  private readonly totals: ShareCounts = { accepted: 0, rejected: 0, awaiting: 0, rejectReasons: {} };
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly retention: RetentionPolicy;
  private readonly compactTimer: NodeJS.Timeout;
  private compactions: Array<() => void> = [];
  private lastFolded = 0;
  private syncWaiters: Array<{ seq: number; resolve: () => void }> = [];

  constructor(
    private readonly path: string,
    /** told when the writer could not store a batch (disk full, ...): counts stay right, those rows are missing on disk */
    private readonly onWriteError: (message: string) => void = () => undefined,
    retention: Partial<RetentionPolicy> = {},
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...retention };
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS shares (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        miner_id TEXT NOT NULL,
        worker TEXT NOT NULL,
        upstream TEXT NOT NULL,
        job_id TEXT NOT NULL,
        header_hash TEXT NOT NULL,
        difficulty REAL NOT NULL,
        share_difficulty REAL NOT NULL,
        verdict TEXT NOT NULL,
        reason TEXT,
        latency_ms REAL
      );
      -- Only rejected shares are indexed by header hash: a quote can still settle one given up as lost (the ones
      -- awaiting are few and found through shares_awaiting). A random-key index over every share cost each insert,
      -- and each verdict of a share stored while awaiting, ~20 µs on the writer thread: most of its work.
      DROP INDEX IF EXISTS shares_header_hash;
      CREATE INDEX IF NOT EXISTS shares_rejected_hash ON shares(header_hash) WHERE verdict = 'rejected';
      -- only the few shares still awaiting a verdict are looked up by it (at start-up): a full index on a
      -- three-valued column cost every insert and every verdict an index update on the writer thread
      DROP INDEX IF EXISTS shares_verdict;
      CREATE INDEX IF NOT EXISTS shares_awaiting ON shares(id) WHERE verdict = 'awaiting';
      ${HISTORY_SCHEMA}
    `);
    // A share still awaiting when the process stopped can no longer be judged: its upstream session is gone.
    this.db.prepare(`UPDATE shares SET verdict = 'rejected', reason = ? WHERE verdict = 'awaiting'`).run(UPSTREAM_LOST);
    const max = this.db.prepare('SELECT MAX(id) AS id FROM shares').get() as { id: number | null };
    this.nextId = (max.id ?? 0) + 1;
    // totals over everything kept: the single shares and the aggregates they were folded into
    const rows = this.db
      .prepare(
        `SELECT verdict, reason, COUNT(*) AS n FROM shares GROUP BY verdict, reason
         UNION ALL SELECT verdict, NULLIF(reason, ''), SUM(shares) FROM share_history GROUP BY verdict, reason`,
      )
      .all() as Array<{ verdict: ShareVerdict; reason: string | null; n: number }>;
    for (const row of rows) {
      this.totals[row.verdict] += row.n;
      if (row.verdict === 'rejected') this.totals.rejectReasons[row.reason ?? 'unknown'] = (this.totals.rejectReasons[row.reason ?? 'unknown'] ?? 0) + row.n;
    }
    this.writer = this.startWriter();
    this.compact();
    this.compactTimer = setInterval(() => this.compact(), COMPACT_EVERY_MS);
    this.compactTimer.unref();
  }

  /** Folds what the retention policy says into aggregates, on the writer thread; resolves with how many shares were folded. */
  compact(now = Date.now()): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    this.flush();
    return new Promise((resolve) => {
      this.compactions.push(() => resolve(this.lastFolded));
      this.writer.postMessage({ compact: compactionAt(this.retention, now) });
    });
  }

  /** Accepted work (difficulty sums) per minute since `since` (unix ms), oldest first. */
  workPerMinute(since: number): Array<{ minute: number; work: number }> {
    return this.db.prepare(`SELECT at - at % 60000 AS minute, SUM(difficulty) AS work FROM shares WHERE verdict = 'accepted' AND at >= ? GROUP BY 1 ORDER BY 1`).all(since) as Array<{
      minute: number;
      work: number;
    }>;
  }

  /**
   * Buckets of accepted and rejected shares and accepted work per worker, per hour or day, since `since` (unix ms):
   * read once everything recorded so far is committed, so they agree with counts().
   */
  async history(span: 'hour' | 'day', since: number): Promise<HistoryBucket[]> {
    await this.synced();
    return toBuckets(readHistory(this.db, span, since));
  }

  /** Resolves once every share and verdict recorded so far is committed (a writer that died has resent it). */
  synced(): Promise<void> {
    this.flush();
    const seq = this.seq;
    if (this.closed || !this.pending.hasSent) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push({ seq, resolve }));
  }

  private startWriter(): Worker {
    const writer = startLedgerWriter(this.path);
    writer.on('message', (message: { seq?: number; error?: string; compacted?: number }) => {
      if (message.error) this.onWriteError(`share ledger ${this.path}: a batch was not stored (${message.error})`);
      if (message.seq !== undefined) this.committed(message.seq);
      if (message.compacted !== undefined || message.error?.startsWith('compaction')) {
        this.lastFolded = message.compacted ?? 0;
        this.compactions.shift()?.();
        this.lastFolded = 0;
      }
    });
    writer.on('error', (error) => this.onWriteError(`share ledger writer failed (${error.message}); restarting it`));
    writer.on('exit', () => {
      if (writer === this.writer) this.writerAlive = false;
      // a compaction the thread did not finish is simply done again next time
      for (const done of this.compactions.splice(0)) done();
      if (this.closed || writer !== this.writer) return;
      // the thread is gone: a new one takes over and gets everything not yet committed again (INSERT OR REPLACE);
      // a writer that keeps dying (the disk is gone) is retried ever more slowly, not in a tight loop
      const delay = Math.min(30_000, 100 * 2 ** this.restarts++);
      setTimeout(() => {
        if (this.closed) return;
        this.writer = this.startWriter();
        for (const batch of this.pending.unconfirmed()) this.post(batch);
      }, delay).unref();
    });
    writer.unref();
    this.writerAlive = true;
    return writer;
  }

  /** Records a share awaiting its verdict, or with the verdict it already has; returns the share's id. */
  record(share: NewShare, judged?: { verdict: 'accepted' | 'rejected'; reason: string | null }): number {
    const id = this.nextId++;
    if (judged) this.count(judged.verdict, judged.reason, 1);
    else this.totals.awaiting++;
    this.pending.add({
      id,
      at: share.at,
      minerId: share.minerId,
      worker: share.worker,
      upstream: share.upstream,
      jobId: share.jobId,
      headerHash: share.headerHash,
      difficulty: share.difficulty,
      shareDifficulty: share.shareDifficulty,
      verdict: judged?.verdict ?? 'awaiting',
      reason: judged?.reason ?? null,
    });
    this.scheduleFlush();
    return id;
  }

  settle(id: number, verdict: 'accepted' | 'rejected', reason: string | null, latencyMs: number | null): void {
    this.totals.awaiting--;
    this.count(verdict, reason, 1);
    this.store(id, verdict, reason, latencyMs);
  }

  /** Replaces the verdict of a share already judged (a late Success, or a quote for its header hash, for one recorded lost). */
  correct(share: ShareRecord, verdict: 'accepted' | 'rejected', reason: string | null): void {
    if (share.verdict === 'awaiting') return;
    this.count(share.verdict, share.reason, -1);
    this.count(verdict, reason, 1);
    this.store(share.id, verdict, reason, share.latencyMs);
  }

  private count(verdict: 'accepted' | 'rejected', reason: string | null, n: 1 | -1): void {
    this.totals[verdict] += n;
    if (verdict !== 'rejected') return;
    const key = reason ?? 'unknown';
    const left = (this.totals.rejectReasons[key] ?? 0) + n;
    if (left > 0) this.totals.rejectReasons[key] = left;
    else delete this.totals.rejectReasons[key];
  }

  private store(id: number, verdict: 'accepted' | 'rejected', reason: string | null, latencyMs: number | null): void {
    if (this.pending.setVerdict(id, verdict, reason, latencyMs)) this.scheduleFlush();
  }

  counts(): ShareCounts {
    return { ...this.totals, rejectReasons: { ...this.totals.rejectReasons } };
  }

  /** One share by its id, with any verdict not yet committed. */
  get(id: number): ShareRecord | undefined {
    const fresh = this.pending.row(id);
    if (fresh) return fresh;
    const row = this.db.prepare('SELECT * FROM shares WHERE id = ?').get(id) as Row | undefined;
    return row && this.current([row])[0];
  }

  /**
   * The shares with this raw sha256d(header) hex that were rejected (as lost, a duplicate, ...): the ones a quote for it
   * can still correct. An index lookup, cheap enough for every minted proof.
   */
  rejectedByHeaderHash(hex: string): ShareRecord[] {
    const wanted = hex.toLowerCase();
    const stored = this.db.prepare(REJECTED_OR_AWAITING_BY_HASH_SQL).all(wanted, wanted) as Row[];
    return this.withFresh(wanted, stored).filter((r) => r.verdict === 'rejected');
  }

  /**
   * The share whose raw sha256d(header) hex equals `hex` (how the API ties a quote to a share); an accepted one over
   * its duplicates. Only rejected shares are indexed by hash; awaiting ones are few; accepted ones are found by reading
   * from the newest row back, which reaches a recent share at once and the oldest kept one in tens of milliseconds.
   */
  shareByHeaderHash(hex: string): ShareRecord | undefined {
    const wanted = hex.toLowerCase();
    const stored = this.db
      .prepare(`${REJECTED_OR_AWAITING_BY_HASH_SQL} UNION ALL SELECT * FROM (SELECT * FROM shares WHERE header_hash = ? AND verdict = 'accepted' ORDER BY id DESC LIMIT 1)`)
      .all(wanted, wanted, wanted) as Row[];
    const all = this.withFresh(wanted, stored);
    all.sort((a, b) => Number(b.verdict === 'accepted') - Number(a.verdict === 'accepted') || b.id - a.id);
    return all[0] && { ...all[0] };
  }

  /** Stored rows with their pending verdicts, and the rows not committed yet, for one header hash; each share once. */
  private withFresh(headerHash: string, stored: Row[]): ShareRecord[] {
    return [...new Map([...this.current(stored), ...this.pending.rowsWithHash(headerHash)].map((r) => [r.id, r])).values()];
  }

  recent(limit: number): ShareRecord[] {
    const stored = this.current(this.db.prepare('SELECT * FROM shares ORDER BY id DESC LIMIT ?').all(limit) as Row[]);
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const r of this.pending.newest(limit)) byId.set(r.id, r);
    return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, limit);
  }

  /** Sends the rows and verdicts gathered so far to the writer as one batch. */
  flush(): void {
    this.send(undefined);
  }

  /** Sends what is left, waits until the writer has committed it, then closes both connections. */
  close(): Promise<void> {
    if (!this.closing) {
      this.flush();
      this.closed = true;
      clearInterval(this.compactTimer);
      for (const w of this.syncWaiters.splice(0)) w.resolve();
      this.closing = new Promise<void>((resolve) => {
        const writer = this.writer;
        if (!this.writerAlive) return resolve();
        writer.on('message', (message: { closed?: boolean }) => {
          if (message.closed) void writer.terminate().then(() => resolve());
        });
        writer.on('exit', () => resolve());
        writer.postMessage({ close: true });
      }).then(() => {
        // whatever no writer committed (it died and its replacement had not started yet) goes in here, last
        if (this.pending.hasSent) {
          const insert = this.db.prepare(INSERT_SQL);
          const judge = this.db.prepare(JUDGE_SQL);
          this.db.transaction(() => {
            for (const { rows, verdicts } of this.pending.unconfirmed()) {
              for (let i = 0; i < rows.length; i += ROW_WIDTH) insert.run(rows.slice(i, i + ROW_WIDTH));
              for (let i = 0; i < verdicts.length; i += VERDICT_WIDTH) judge.run(verdicts.slice(i, i + VERDICT_WIDTH));
            }
          })();
        }
        this.db.close();
      });
    }
    return this.closing;
  }

  private post(batch: RowBatch): void {
    this.writer.postMessage({ seq: batch.seq, rows: batch.rows, verdicts: batch.verdicts });
  }

  private committed(seq: number): void {
    this.restarts = 0;
    this.pending.committed(seq);
    // a batch written again by a new writer keeps its number
    this.syncWaiters = this.syncWaiters.filter((w) => (w.seq <= seq ? void w.resolve() : true));
  }

  /** Stored rows with any verdict not yet committed laid over them. */
  private current(rows: Row[]): ShareRecord[] {
    const verdicts = rows.length > 0 ? this.pending.verdicts() : undefined;
    return rows.map((row) => {
      const record = fromRow(row);
      const pending = verdicts?.get(record.id);
      if (pending) [record.verdict, record.reason, record.latencyMs] = pending;
      return record;
    });
  }

  /**
   * Batches go to the writer every BATCH_MS (sooner when BATCH_ROWS more than were held back are waiting): at a share
   * per event-loop turn, a message and a commit per share would cost more than the share's own work, on both threads.
   */
  private scheduleFlush(): void {
    if (this.closed) return;
    if (this.pending.gatheredCount >= this.held + BATCH_ROWS) {
      if (!this.flushNow) {
        this.flushNow = true;
        setImmediate(() => this.sendDue());
      }
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.flushTimer = setTimeout(() => this.sendDue(), BATCH_MS);
    this.flushTimer.unref();
  }

  /** The timed hand-over: young rows still awaiting stay; whatever stayed is looked at again on the next timer. */
  private sendDue(): void {
    this.send(Date.now() - HOLD_AWAITING_MS);
    if (this.held > 0) this.scheduleFlush();
  }

  /** Hands the gathered rows and verdicts to the writer; with `holdAwaitingFrom`, see PendingShares.take. */
  private send(holdAwaitingFrom: number | undefined): void {
    this.flushScheduled = false;
    this.flushNow = false;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.closed) return;
    const batch = this.pending.take(this.seq + 1, holdAwaitingFrom);
    this.held = this.pending.gatheredCount;
    if (!batch) return;
    this.seq = batch.seq;
    this.post(batch);
  }
}

/**
 * The share ledger: every submit a miner makes through the proxy, with the upstream's verdict.
 * SQLite (WAL) so counts survive restarts; writes are coalesced into one transaction per event-loop
 * turn so thousands of submits per second cost one fsync-free commit each turn, not one per share.
 * Counts are kept in memory and seeded from the database, so reading them is free.
 */
import Database from 'better-sqlite3';

export type ShareVerdict = 'awaiting' | 'accepted' | 'rejected';

export interface ShareRecord {
  id: number;
  /** unix ms when the miner submitted */
  at: number;
  minerId: string;
  worker: string;
  upstream: string;
  jobId: string;
  /** hex of the raw sha256d(header), the same string a hashpool quote carries as `request` */
  headerHash: string;
  /** difficulty the share was submitted against */
  difficulty: number;
  /** difficulty the hash actually reached */
  shareDifficulty: number;
  verdict: ShareVerdict;
  reason: string | null;
  /** ms from the miner's submit to the upstream's verdict */
  latencyMs: number | null;
}

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

export class ShareLedger {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly judge: Database.Statement;
  /** recorded shares not yet in the database */
  private readonly unwritten = new Map<number, ShareRecord>();
  /** verdicts for shares already in the database */
  private readonly verdicts: Array<[ShareVerdict, string | null, number | null, number]> = [];
  private flushScheduled = false;
  private nextId: number;
  private readonly totals: ShareCounts = { accepted: 0, rejected: 0, awaiting: 0, rejectReasons: {} };
  private closed = false;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
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
      CREATE INDEX IF NOT EXISTS shares_header_hash ON shares(header_hash);
      CREATE INDEX IF NOT EXISTS shares_verdict ON shares(verdict);
    `);
    // A share still awaiting when the process stopped can no longer be judged: its upstream session is gone.
    this.db.prepare(`UPDATE shares SET verdict = 'rejected', reason = ? WHERE verdict = 'awaiting'`).run(UPSTREAM_LOST);
    this.insert = this.db.prepare(
      `INSERT INTO shares (id, at, miner_id, worker, upstream, job_id, header_hash, difficulty, share_difficulty, verdict, reason, latency_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.judge = this.db.prepare(`UPDATE shares SET verdict = ?, reason = ?, latency_ms = ? WHERE id = ?`);
    const max = this.db.prepare('SELECT MAX(id) AS id FROM shares').get() as { id: number | null };
    this.nextId = (max.id ?? 0) + 1;
    const rows = this.db.prepare('SELECT verdict, reason, COUNT(*) AS n FROM shares GROUP BY verdict, reason').all() as Array<{
      verdict: ShareVerdict;
      reason: string | null;
      n: number;
    }>;
    for (const row of rows) {
      this.totals[row.verdict] += row.n;
      if (row.verdict === 'rejected') this.totals.rejectReasons[row.reason ?? 'unknown'] = (this.totals.rejectReasons[row.reason ?? 'unknown'] ?? 0) + row.n;
    }
  }

  /** Records a submit as awaiting its verdict; returns the share's id. */
  record(share: NewShare): number {
    const id = this.nextId++;
    this.totals.awaiting++;
    this.unwritten.set(id, { id, ...share, verdict: 'awaiting', reason: null, latencyMs: null });
    this.scheduleFlush();
    return id;
  }

  settle(id: number, verdict: 'accepted' | 'rejected', reason: string | null, latencyMs: number | null): void {
    this.totals.awaiting--;
    this.totals[verdict]++;
    if (verdict === 'rejected') {
      const key = reason ?? 'unknown';
      this.totals.rejectReasons[key] = (this.totals.rejectReasons[key] ?? 0) + 1;
    }
    const row = this.unwritten.get(id);
    if (row) {
      // judged before it was written: one insert with the verdict instead of an insert and an update
      row.verdict = verdict;
      row.reason = reason;
      row.latencyMs = latencyMs;
    } else {
      this.verdicts.push([verdict, reason, latencyMs, id]);
      this.scheduleFlush();
    }
  }

  counts(): ShareCounts {
    return { ...this.totals, rejectReasons: { ...this.totals.rejectReasons } };
  }

  /** The share whose raw sha256d(header) hex equals `hex` (how the wallet ties a quote to a share); an accepted one over its duplicates. */
  shareByHeaderHash(hex: string): ShareRecord | undefined {
    this.flush();
    const row = this.db.prepare("SELECT * FROM shares WHERE header_hash = ? ORDER BY verdict = 'accepted' DESC, id DESC LIMIT 1").get(hex.toLowerCase()) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  recent(limit: number): ShareRecord[] {
    this.flush();
    const rows = this.db.prepare('SELECT * FROM shares ORDER BY id DESC LIMIT ?').all(limit) as Row[];
    return rows.map(fromRow);
  }

  /** Writes everything queued so far in one transaction. */
  flush(): void {
    this.flushScheduled = false;
    if ((this.unwritten.size === 0 && this.verdicts.length === 0) || this.closed) return;
    const rows = [...this.unwritten.values()];
    const verdicts = this.verdicts.splice(0);
    this.unwritten.clear();
    this.db.transaction(() => {
      for (const r of rows) {
        this.insert.run(r.id, r.at, r.minerId, r.worker, r.upstream, r.jobId, r.headerHash, r.difficulty, r.shareDifficulty, r.verdict, r.reason, r.latencyMs);
      }
      for (const v of verdicts) this.judge.run(...v);
    })();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  private scheduleFlush(): void {
    if (this.closed || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }
}

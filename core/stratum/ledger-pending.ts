/**
 * The shares and verdicts the ledger holds in memory until its writer thread has committed them: the batch gathered
 * since the last hand-over and the batches handed over but not yet confirmed. Reads see them from here.
 *
 * Rows are kept flat, twelve values each in the column order of the ledger's INSERT, and a batch's rows have
 * consecutive ids (the ledger numbers shares in order): a row is found by arithmetic, a batch goes to the writer as
 * one flat array, and a commit lets go of a whole batch at once. An object and two map entries per row, as before,
 * cost the proxy's thread ~8 µs a share, more than the writer's SQLite work per share.
 */
import type { ShareRecord, ShareVerdict } from './share-record';

/** values per row, in INSERT order: id, at, miner_id, worker, upstream, job_id, header_hash, difficulty, share_difficulty, verdict, reason, latency_ms */
export const ROW_WIDTH = 12;
/** values per verdict, in UPDATE order: verdict, reason, latency_ms, id */
export const VERDICT_WIDTH = 4;

const AT = 1;
const HEADER_HASH = 6;
const VERDICT = 9;
const REASON = 10;
const LATENCY = 11;

export type FlatValue = string | number | null;
export type VerdictTuple = [ShareVerdict, string | null, number | null, number];

export interface RowBatch {
  /** 0 while gathering; numbered when handed to the writer */
  seq: number;
  /** id of the first row; the rest follow one by one */
  first: number;
  readonly rows: FlatValue[];
  /** verdicts for rows handed over in earlier batches (a row of this batch carries its own) */
  readonly verdicts: FlatValue[];
}

function rowCount(batch: RowBatch): number {
  return batch.rows.length / ROW_WIDTH;
}

function offsetOf(batch: RowBatch, id: number): number {
  const index = id - batch.first;
  return index >= 0 && index < rowCount(batch) ? index * ROW_WIDTH : -1;
}

/** Offset of the first row awaiting a verdict and recorded at or after `from`; the rows' length when there is none. */
function heldFrom(rows: readonly FlatValue[], from: number): number {
  for (let at = 0; at < rows.length; at += ROW_WIDTH) if (rows[at + VERDICT] === 'awaiting' && (rows[at + AT] as number) >= from) return at;
  return rows.length;
}

function setRow(rows: FlatValue[], at: number, verdict: ShareVerdict, reason: string | null, latencyMs: number | null): void {
  rows[at + VERDICT] = verdict;
  rows[at + REASON] = reason;
  rows[at + LATENCY] = latencyMs;
}

function recordAt(rows: readonly FlatValue[], at: number): ShareRecord {
  return {
    id: rows[at] as number,
    at: rows[at + 1] as number,
    minerId: rows[at + 2] as string,
    worker: rows[at + 3] as string,
    upstream: rows[at + 4] as string,
    jobId: rows[at + 5] as string,
    headerHash: rows[at + 6] as string,
    difficulty: rows[at + 7] as number,
    shareDifficulty: rows[at + 8] as number,
    verdict: rows[at + 9] as ShareVerdict,
    reason: rows[at + 10] as string | null,
    latencyMs: rows[at + 11] as number | null,
  };
}

export class PendingShares {
  private gathering: RowBatch = { seq: 0, first: 0, rows: [], verdicts: [] };
  /** handed to the writer, oldest first */
  private readonly sent: RowBatch[] = [];

  /** rows and verdicts gathered since the last hand-over */
  get gatheredCount(): number {
    return rowCount(this.gathering) + this.gathering.verdicts.length / VERDICT_WIDTH;
  }

  get hasSent(): boolean {
    return this.sent.length > 0;
  }

  add(share: Omit<ShareRecord, 'latencyMs'>): void {
    const batch = this.gathering;
    if (batch.rows.length === 0) batch.first = share.id;
    else if (share.id !== batch.first + rowCount(batch)) throw new Error(`ledger rows out of order: ${share.id} after ${batch.first + rowCount(batch) - 1}`);
    batch.rows.push(share.id, share.at, share.minerId, share.worker, share.upstream, share.jobId, share.headerHash, share.difficulty, share.shareDifficulty, share.verdict, share.reason, null);
  }

  /**
   * A verdict for share `id`. A row still gathering takes it (one insert instead of an insert and an update); otherwise
   * it is queued as an update, and a row handed over but not confirmed shows it at once. Returns whether it was queued.
   */
  setVerdict(id: number, verdict: ShareVerdict, reason: string | null, latencyMs: number | null): boolean {
    const here = offsetOf(this.gathering, id);
    if (here >= 0) {
      setRow(this.gathering.rows, here, verdict, reason, latencyMs);
      return false;
    }
    for (const batch of this.sent) {
      const at = offsetOf(batch, id);
      if (at >= 0) setRow(batch.rows, at, verdict, reason, latencyMs);
    }
    this.gathering.verdicts.push(verdict, reason, latencyMs, id);
    return true;
  }

  /**
   * The gathered batch, numbered `seq` and kept until confirmed; undefined when there is nothing to send. With
   * `holdAwaitingFrom` (unix ms), the rows from the first one still awaiting a verdict and recorded at or after that
   * time stay gathered: their verdict usually comes within milliseconds and then lands in the row, one INSERT instead
   * of an INSERT, an UPDATE and an index entry made and dropped again.
   */
  take(seq: number, holdAwaitingFrom?: number): RowBatch | undefined {
    const gathered = this.gathering;
    const cut = holdAwaitingFrom === undefined ? gathered.rows.length : heldFrom(gathered.rows, holdAwaitingFrom);
    if (cut === 0 && gathered.verdicts.length === 0) return undefined;
    // the rows sent leave from the front: the held ones (at saturation, every share in flight) are never copied, which
    // cost ~3 us a row when they were (old-space stores, each through the write barrier)
    const rows = cut === gathered.rows.length ? gathered.rows : gathered.rows.splice(0, cut);
    const batch: RowBatch = { seq, first: gathered.first, rows, verdicts: gathered.verdicts };
    this.gathering = { seq: 0, first: gathered.first + cut / ROW_WIDTH, rows: rows === gathered.rows ? [] : gathered.rows, verdicts: [] };
    this.sent.push(batch);
    return batch;
  }

  /** The writer committed every batch up to `seq`. */
  committed(seq: number): void {
    while (this.sent.length > 0 && this.sent[0]!.seq <= seq) this.sent.shift();
  }

  /** Everything handed over and not confirmed, oldest first: what a new writer thread must write again. */
  unconfirmed(): readonly RowBatch[] {
    return this.sent;
  }

  /** A row not committed yet, as it stands now. */
  row(id: number): ShareRecord | undefined {
    for (const batch of [this.gathering, ...this.sent]) {
      const at = offsetOf(batch, id);
      if (at >= 0) return recordAt(batch.rows, at);
    }
    return undefined;
  }

  /** The rows not committed yet with this header hash. */
  rowsWithHash(headerHash: string): ShareRecord[] {
    const found: ShareRecord[] = [];
    for (const batch of [...this.sent, this.gathering]) {
      for (let at = 0; at < batch.rows.length; at += ROW_WIDTH) if (batch.rows[at + HEADER_HASH] === headerHash) found.push(recordAt(batch.rows, at));
    }
    return found;
  }

  /** Up to `limit` of the newest rows not committed yet, newest first. */
  newest(limit: number): ShareRecord[] {
    const found: ShareRecord[] = [];
    for (const batch of [this.gathering, ...[...this.sent].reverse()]) {
      for (let at = batch.rows.length - ROW_WIDTH; at >= 0 && found.length < limit; at -= ROW_WIDTH) found.push(recordAt(batch.rows, at));
    }
    return found;
  }

  /** The newest verdict not yet committed for each committed row that has one. */
  verdicts(): Map<number, VerdictTuple> {
    const byId = new Map<number, VerdictTuple>();
    for (const batch of [...this.sent, this.gathering]) {
      const v = batch.verdicts;
      for (let at = 0; at < v.length; at += VERDICT_WIDTH) byId.set(v[at + 3] as number, [v[at] as ShareVerdict, v[at + 1] as string | null, v[at + 2] as number | null, v[at + 3] as number]);
    }
    return byId;
  }
}

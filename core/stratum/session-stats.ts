/**
 * What one miner connection has done, owned by its session: verdict counts (the same the miner was told),
 * reject reasons, answer latency and the accepted work behind its hashrate. The proxy's snapshot and its
 * hashrate history only read these.
 */
import type { Verdict } from './upstream';

const HASHRATE_WINDOW_MS = 10 * 60_000;
const WORK_BUCKET_MS = 10_000;
const HISTORY_POINTS = 1440;

export class SessionStats {
  accepted = 0;
  rejected = 0;
  awaiting = 0;
  readonly rejectReasons: Record<string, number> = {};
  lastShareAt: number | null = null;
  /** smoothed ms from submit to upstream verdict */
  latencyMs: number | null = null;
  /** accepted work in the hashrate window, summed per bucket: (bucket start ms, difficulty sum) */
  private readonly work: Array<[number, number]> = [];

  constructor(private readonly connectedAt: number) {}

  forwarded(): void {
    this.awaiting++;
  }

  /** A forwarded share's verdict arrived. */
  judged(verdict: Verdict, difficulty: number, latencyMs: number | null, now = Date.now()): void {
    this.awaiting--;
    this.count(verdict, difficulty, now);
    if (latencyMs !== null) this.latencyMs = this.latencyMs === null ? latencyMs : this.latencyMs * 0.8 + latencyMs * 0.2;
  }

  /** A share judged here and never forwarded (below the miner's own target). */
  rejectedHere(reason: string, now = Date.now()): void {
    this.count({ accepted: false, reason, kind: 'other' }, 0, now);
  }

  /** A verdict that arrived after the share had been settled otherwise (a late Success, a quote for its hash). */
  corrected(from: Verdict, to: Verdict, difficulty: number, now = Date.now()): void {
    if (from.accepted) this.accepted--;
    else {
      this.rejected--;
      const left = (this.rejectReasons[from.reason] ?? 1) - 1;
      if (left > 0) this.rejectReasons[from.reason] = left;
      else delete this.rejectReasons[from.reason];
    }
    this.count(to, difficulty, now);
  }

  /** H/s from the accepted work of the last 10 minutes (at least one minute of the connection's life). */
  hashrate(now = Date.now()): number {
    const from = now - HASHRATE_WINDOW_MS;
    while (this.work.length > 0 && this.work[0]![0] < from) this.work.shift();
    const span = Math.min(HASHRATE_WINDOW_MS, Math.max(60_000, now - this.connectedAt));
    let sum = 0;
    for (const [, d] of this.work) sum += d;
    return (sum * 2 ** 32) / (span / 1000);
  }

  private count(verdict: Verdict, difficulty: number, now: number): void {
    this.lastShareAt = now;
    if (verdict.accepted) {
      this.accepted++;
      this.addWork(difficulty, now);
    } else {
      this.rejected++;
      this.rejectReasons[verdict.reason] = (this.rejectReasons[verdict.reason] ?? 0) + 1;
    }
  }

  /** Bounded: one entry per 10 s bucket. */
  private addWork(difficulty: number, now: number): void {
    const bucket = now - (now % WORK_BUCKET_MS);
    const last = this.work.at(-1);
    if (last && last[0] === bucket) last[1] += difficulty;
    else this.work.push([bucket, difficulty]);
    if (this.work.length > HASHRATE_WINDOW_MS / WORK_BUCKET_MS + 1) this.work.shift();
  }
}

/** The proxy's total hashrate, one point a minute for a day (what the dashboard's chart starts from). */
export class HashrateHistory {
  private readonly points: Array<{ at: string; hashrate: number }> = [];

  /**
   * Rebuilds the day before a restart from the ledger's accepted work per minute, averaged over 10 minutes like
   * the live samples, so the chart does not start empty.
   */
  seed(workPerMinute: Array<{ minute: number; work: number }>, now = Date.now()): void {
    const first = workPerMinute[0]?.minute;
    if (first === undefined) return;
    const byMinute = new Map(workPerMinute.map((w) => [w.minute, w.work]));
    const windowMinutes = HASHRATE_WINDOW_MS / 60_000;
    let windowWork = 0;
    for (let minute = first; minute <= now; minute += 60_000) {
      windowWork += byMinute.get(minute) ?? 0;
      windowWork -= byMinute.get(minute - windowMinutes * 60_000) ?? 0;
      this.sample((Math.max(0, windowWork) * 2 ** 32) / (HASHRATE_WINDOW_MS / 1000), Math.min(minute + 60_000, now));
    }
  }

  sample(hashrate: number, now = Date.now()): void {
    this.points.push({ at: new Date(now).toISOString(), hashrate });
    if (this.points.length > HISTORY_POINTS) this.points.shift();
  }

  list(): Array<{ at: string; hashrate: number }> {
    return [...this.points];
  }
}

/**
 * The share ledger with its writer thread: reads see every share at once (before the writer commits),
 * the database ends up with every row and verdict, counts survive a reopen, and a writer thread that
 * dies is replaced without losing what it had not committed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { constants, getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ShareLedger, type NewShare } from './ledger';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ledgerPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'axw-ledger-'));
  dirs.push(dir);
  return join(dir, 'ledger.sqlite');
}

function share(i: number): NewShare {
  return {
    at: 1_700_000_000_000 + i,
    minerId: `m${i % 3}`,
    worker: `bc1q.w${i % 3}`,
    upstream: 'stratum+tcp://127.0.0.1:1',
    jobId: `job${i}`,
    headerHash: i.toString(16).padStart(64, '0'),
    difficulty: 1,
    shareDifficulty: 2.5,
  };
}

/** How many of this process's threads run at `priority`, read from each one's /proc stat (nice is its 19th field). */
function threadsAt(priority: number): number {
  return readdirSync('/proc/self/task').filter((tid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      return false; // a thread that ended since the listing (an earlier test's writer, say)
    }
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) === priority;
  }).length;
}

describe('ShareLedger', () => {
  it.runIf(process.platform === 'linux')('commits on a thread of the lowest priority and leaves the proxy at its own, so a batch does not take the proxy its core', async () => {
    const lowest = constants.priority.PRIORITY_LOW;
    const before = threadsAt(lowest);
    const ownPriority = getPriority();
    const ledger = new ShareLedger(ledgerPath());
    ledger.record(share(1));
    await ledger.synced();
    expect(threadsAt(lowest)).toBe(before + 1);
    expect(getPriority()).toBe(ownPriority);
    await ledger.close();
  });

  it('shows every share and verdict at once, and stores them all', async () => {
    const path = ledgerPath();
    const ledger = new ShareLedger(path);
    const ids: number[] = [];
    for (let i = 0; i < 300; i++) {
      ids.push(ledger.record(share(i)));
      if (i % 3 === 0) ledger.settle(ids[i]!, 'accepted', null, 1); // judged in the same turn
      if (i % 50 === 49) ledger.flush(); // a batch to the writer
    }
    ledger.flush();
    for (let i = 0; i < 300; i++) if (i % 3 === 1) ledger.settle(ids[i]!, 'rejected', 'stale', 2); // judged after it was sent
    // read at once, whatever the writer has committed so far
    expect(ledger.shareByHeaderHash(share(1).headerHash)).toMatchObject({ verdict: 'rejected', reason: 'stale' });
    expect(ledger.shareByHeaderHash(share(3).headerHash)?.verdict).toBe('accepted');
    expect(ledger.shareByHeaderHash(share(2).headerHash)?.verdict).toBe('awaiting');
    const recent = ledger.recent(10);
    expect(recent.map((r) => r.id)).toEqual(ids.slice(-10).reverse());
    expect(ledger.counts()).toMatchObject({ accepted: 100, rejected: 100, awaiting: 100, rejectReasons: { stale: 100 } });
    await ledger.close();

    // reopened: everything is on disk; what was still awaiting can no longer be judged
    const again = new ShareLedger(path);
    expect(again.counts()).toMatchObject({ accepted: 100, rejected: 200, awaiting: 0, rejectReasons: { stale: 100, 'upstream-lost': 100 } });
    expect(again.shareByHeaderHash(share(4).headerHash)).toMatchObject({ verdict: 'rejected', reason: 'stale', latencyMs: 2, worker: 'bc1q.w1' });
    // every row as recorded, whichever statement stored it (sixteen rows to one, the rest of a batch one by one)
    const stored = again.recent(300).reverse();
    expect(stored.map((r) => [r.id, r.at, r.minerId, r.worker, r.jobId, r.headerHash])).toEqual(
      ids.map((id, i) => [id, share(i).at, share(i).minerId, share(i).worker, share(i).jobId, share(i).headerHash]),
    );
    await again.close();
  });

  it('indexes by header hash only the rejected shares, which a quote can still correct; an older full index is dropped; lookups still find every share', async () => {
    const path = ledgerPath();
    const old = new Database(path);
    old.exec(`CREATE TABLE shares (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, miner_id TEXT NOT NULL, worker TEXT NOT NULL, upstream TEXT NOT NULL,
      job_id TEXT NOT NULL, header_hash TEXT NOT NULL, difficulty REAL NOT NULL, share_difficulty REAL NOT NULL, verdict TEXT NOT NULL, reason TEXT, latency_ms REAL);
      CREATE INDEX shares_header_hash ON shares(header_hash);`);
    old.close();

    const ledger = new ShareLedger(path);
    const accepted = ledger.record(share(1), { verdict: 'accepted', reason: null });
    ledger.record(share(2), { verdict: 'rejected', reason: 'stale' });
    ledger.record(share(3));
    ledger.record(share(1), { verdict: 'rejected', reason: 'duplicate' });
    await ledger.synced();

    const db = new Database(path, { readonly: true });
    const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'shares' AND sql LIKE '%header_hash%'`).all() as Array<{ name: string; sql: string }>;
    expect(indexes).toEqual([{ name: 'shares_rejected_hash', sql: expect.stringContaining("WHERE verdict = 'rejected'") }]);
    // the entries of a partial index are the rows its condition admits: the two rejected shares
    const indexed = db.prepare(`SELECT id FROM shares INDEXED BY shares_rejected_hash WHERE verdict = 'rejected' AND header_hash > ''`).all() as Array<{ id: number }>;
    expect(indexed).toHaveLength(2);
    expect(indexed.map((r) => r.id)).not.toContain(accepted);
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('00') as Array<{ detail: string }>).map((p) => p.detail).join();
    expect(plan(`SELECT * FROM shares WHERE header_hash = ? AND verdict = 'rejected'`)).toContain('USING INDEX shares_rejected_hash');
    expect(plan(`SELECT * FROM shares WHERE header_hash = ? AND verdict = 'awaiting'`)).toContain('USING INDEX shares_awaiting');
    db.close();

    expect(ledger.shareByHeaderHash(share(1).headerHash)).toMatchObject({ id: accepted, verdict: 'accepted' });
    expect(ledger.shareByHeaderHash(share(2).headerHash)).toMatchObject({ verdict: 'rejected', reason: 'stale' });
    expect(ledger.shareByHeaderHash(share(3).headerHash)?.verdict).toBe('awaiting');
    expect(ledger.shareByHeaderHash(share(9).headerHash)).toBeUndefined();
    expect(ledger.rejectedByHeaderHash(share(1).headerHash).map((r) => r.reason)).toEqual(['duplicate']);
    expect(ledger.rejectedByHeaderHash(share(2).headerHash).map((r) => r.reason)).toEqual(['stale']);
    expect(ledger.rejectedByHeaderHash(share(3).headerHash)).toEqual([]);
    await ledger.close();
  });

  it('replaces a writer thread that dies and loses nothing it had not committed', async () => {
    const path = ledgerPath();
    const errors: string[] = [];
    const ledger = new ShareLedger(path, (m) => errors.push(m));
    const ids: number[] = [];
    for (let i = 0; i < 100; i++) ids.push(ledger.record(share(i)));
    ledger.flush();
    // the thread goes away with the batch possibly not committed
    await (ledger as unknown as { writer: { terminate(): Promise<number> } }).writer.terminate();
    for (const id of ids) ledger.settle(id, 'accepted', null, 1);
    for (let i = 100; i < 150; i++) ledger.record(share(i));
    await ledger.synced();
    await ledger.close();
    const again = new ShareLedger(path);
    expect(again.counts()).toMatchObject({ accepted: 100, rejected: 50, awaiting: 0 });
    expect(again.recent(1000)).toHaveLength(150);
    await again.close();
    expect(errors).toEqual([]);
  });

  it('closes with a dead writer and no replacement yet: what it had not committed is written on the way out', async () => {
    const path = ledgerPath();
    const ledger = new ShareLedger(path);
    for (let i = 0; i < 40; i++) ledger.record(share(i));
    ledger.flush();
    await (ledger as unknown as { writer: { terminate(): Promise<number> } }).writer.terminate();
    for (let i = 40; i < 60; i++) ledger.settle(ledger.record(share(i)), 'accepted', null, 1);
    await ledger.close(); // must not wait for a writer that is gone
    const again = new ShareLedger(path);
    expect(again.recent(100)).toHaveLength(60);
    expect(again.counts()).toMatchObject({ accepted: 20, rejected: 40, awaiting: 0 });
    await again.close();
  });
});

describe('ShareLedger retention', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;

  it('folds old shares into hourly aggregates: size bounded, totals and history unchanged, also after a reopen', async () => {
    const path = ledgerPath();
    const now = Date.UTC(2026, 11, 20, 12, 0, 0);
    const ledger = new ShareLedger(path, undefined, { keepSharesMs: DAY, maxShares: 1_000_000 });
    // ten days of shares, one every 10 minutes, from two workers; every 7th rejected as stale, every 11th lost
    const expected = new Map<string, { accepted: number; rejected: number; work: number }>();
    for (let i = 0; i < 10 * 144; i++) {
      const at = now - 10 * DAY + i * 600_000;
      const worker = i % 2 === 0 ? 'bc1qa.one' : 'bc1qb.two';
      const id = ledger.record({ ...share(i), at, worker, difficulty: 2 });
      const verdict = i % 7 === 0 ? (['rejected', 'stale-share'] as const) : i % 11 === 0 ? (['rejected', 'upstream-lost'] as const) : (['accepted', null] as const);
      ledger.settle(id, verdict[0], verdict[1], 5);
      const key = `${at - (at % HOUR)}|${worker}`;
      const bucket = expected.get(key) ?? { accepted: 0, rejected: 0, work: 0 };
      if (verdict[0] === 'accepted') {
        bucket.accepted++;
        bucket.work += 2;
      } else bucket.rejected++;
      expected.set(key, bucket);
    }
    const before = ledger.counts();
    const folded = await ledger.compact(now);
    expect(folded).toBe(9 * 144); // all but the last day
    expect(ledger.recent(10_000)).toHaveLength(144);
    expect(ledger.counts()).toEqual(before);
    const history = await ledger.history('hour', now - 10 * DAY);
    expect(history.reduce((n, b) => n + b.accepted + b.rejected, 0)).toBe(10 * 144);
    for (const bucket of history) {
      expect(expected.get(`${bucket.start}|${bucket.worker}`)).toEqual({ accepted: bucket.accepted, rejected: bucket.rejected, work: bucket.work });
    }
    expect(history.find((b) => b.rejectReasons['stale-share'])).toBeDefined();
    await ledger.close();

    const again = new ShareLedger(path, undefined, { keepSharesMs: DAY });
    expect(again.counts()).toEqual(before);
    const days = await again.history('day', now - 10 * DAY);
    expect(days.filter((b) => b.worker === 'bc1qa.one')).toHaveLength(11); // ten days and a part of the eleventh
    expect(days.reduce((n, b) => n + b.accepted, 0)).toBe(before.accepted);
    await again.close();
  });

  it('keeps at most maxShares single shares, never one still awaiting its verdict', async () => {
    const path = ledgerPath();
    const ledger = new ShareLedger(path, undefined, { maxShares: 500 });
    const waiting = ledger.record(share(0));
    for (let i = 1; i < 2000; i++) ledger.settle(ledger.record(share(i)), 'accepted', null, 1);
    await ledger.compact(1_700_000_100_000);
    const kept = ledger.recent(10_000);
    expect(kept.length).toBe(501);
    expect(kept.some((r) => r.id === waiting && r.verdict === 'awaiting')).toBe(true);
    expect(ledger.counts()).toMatchObject({ accepted: 1999, awaiting: 1 });
    await ledger.close();
  });

  it('hourly aggregates older than keepHoursMs become daily ones, and those older than keepDaysMs go', async () => {
    const path = ledgerPath();
    const now = Date.UTC(2026, 11, 20);
    const ledger = new ShareLedger(path, undefined, { keepSharesMs: HOUR, keepHoursMs: 3 * DAY, keepDaysMs: 30 * DAY });
    for (let day = 1; day <= 40; day++) for (let h = 0; h < 3; h++) ledger.settle(ledger.record({ ...share(day * 10 + h), worker: 'bc1qd.w', at: now - day * DAY + h * HOUR }), 'accepted', null, 1);
    await ledger.compact(now);
    expect((await ledger.history('hour', now - 40 * DAY)).length).toBe(3 * 3); // days 1-3 still by the hour
    const days = await ledger.history('day', now - 40 * DAY);
    expect(days.length).toBe(30); // days 1-30; the older ones went
    expect(days.every((d) => d.accepted === 3)).toBe(true);
    await ledger.close();
  });

  it('records a share judged here, and corrects a lost one when its verdict turns up', async () => {
    const path = ledgerPath();
    const ledger = new ShareLedger(path);
    const low = ledger.record(share(1), { verdict: 'rejected', reason: 'low-difficulty' });
    const lost = ledger.record(share(2));
    ledger.settle(lost, 'rejected', 'upstream-lost', null);
    ledger.flush();
    expect(ledger.counts()).toMatchObject({ accepted: 0, rejected: 2, awaiting: 0, rejectReasons: { 'low-difficulty': 1, 'upstream-lost': 1 } });
    ledger.correct(ledger.get(lost)!, 'accepted', null);
    expect(ledger.counts()).toEqual({ accepted: 1, rejected: 1, awaiting: 0, rejectReasons: { 'low-difficulty': 1 } });
    expect(ledger.get(low)).toMatchObject({ verdict: 'rejected', reason: 'low-difficulty' });
    await ledger.close();
    const again = new ShareLedger(path);
    expect(again.counts()).toEqual({ accepted: 1, rejected: 1, awaiting: 0, rejectReasons: { 'low-difficulty': 1 } });
    expect(again.shareByHeaderHash(share(2).headerHash)?.verdict).toBe('accepted');
    await again.close();
  });

  it('finds a share stored while awaiting among the rejected by its hash as soon as it is given up as lost', async () => {
    const ledger = new ShareLedger(ledgerPath());
    const lost = ledger.record(share(3));
    // the row is committed while it still awaits; its verdict has not reached the writer when the quote turns up
    await ledger.synced();
    ledger.settle(lost, 'rejected', 'upstream-lost', null);
    expect(ledger.rejectedByHeaderHash(share(3).headerHash)).toMatchObject([{ id: lost, verdict: 'rejected', reason: 'upstream-lost' }]);
    await ledger.synced();
    expect(ledger.rejectedByHeaderHash(share(3).headerHash)).toMatchObject([{ id: lost, verdict: 'rejected', reason: 'upstream-lost' }]);
    await ledger.close();
  });
});

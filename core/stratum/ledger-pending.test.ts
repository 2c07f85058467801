/**
 * The ledger's rows in memory before the writer commits them: flat batches of consecutive ids, a verdict landing in
 * its row while the row is still gathered, queued as an update once the row was handed over, and whole batches let
 * go of on commit.
 */
import { describe, expect, it } from 'vitest';
import { PendingShares, ROW_WIDTH, VERDICT_WIDTH } from './ledger-pending';

function row(id: number, headerHash = `h${id}`) {
  return {
    id,
    at: 1000 + id,
    minerId: `m${id % 2}`,
    worker: 'bc1q.w',
    upstream: 'stratum2+tcp://pool:1',
    jobId: `j${id}`,
    headerHash,
    difficulty: 1,
    shareDifficulty: 3,
    verdict: 'awaiting' as const,
    reason: null,
  };
}

describe('PendingShares', () => {
  it('keeps a verdict in its row while the row is gathered, and queues it as an update once the row was handed over', () => {
    const pending = new PendingShares();
    for (let id = 1; id <= 3; id++) pending.add(row(id));
    expect(pending.setVerdict(2, 'accepted', null, 1.5)).toBe(false);
    const first = pending.take(1)!;
    expect(first).toMatchObject({ seq: 1, first: 1, verdicts: [] });
    expect(first.rows).toHaveLength(3 * ROW_WIDTH);
    expect(first.rows.slice(ROW_WIDTH, 2 * ROW_WIDTH)).toEqual([2, 1002, 'm0', 'bc1q.w', 'stratum2+tcp://pool:1', 'j2', 'h2', 1, 3, 'accepted', null, 1.5]);

    pending.add(row(4));
    // row 3 was handed over: the writer gets an update, and reads see the verdict at once
    expect(pending.setVerdict(3, 'rejected', 'stale', 2)).toBe(true);
    expect(pending.row(3)).toMatchObject({ verdict: 'rejected', reason: 'stale', latencyMs: 2 });
    expect(pending.gatheredCount).toBe(2);
    const second = pending.take(2)!;
    expect(second.first).toBe(4);
    expect(second.verdicts).toEqual(['rejected', 'stale', 2, 3]);
    expect(second.verdicts).toHaveLength(VERDICT_WIDTH);
    expect(pending.take(3)).toBeUndefined();
  });

  it('reads the rows not committed yet by id, by header hash and newest first; a commit lets go of whole batches', () => {
    const pending = new PendingShares();
    for (let id = 10; id <= 14; id++) pending.add(row(id, id % 2 === 0 ? 'even' : 'odd'));
    pending.take(1);
    for (let id = 15; id <= 16; id++) pending.add(row(id, 'even'));
    expect(pending.row(12)?.jobId).toBe('j12');
    expect(pending.row(9)).toBeUndefined();
    expect(pending.rowsWithHash('even').map((r) => r.id)).toEqual([10, 12, 14, 15, 16]);
    expect(pending.newest(4).map((r) => r.id)).toEqual([16, 15, 14, 13]);

    pending.setVerdict(3, 'accepted', null, 1); // a committed row: only the update is kept
    pending.setVerdict(3, 'rejected', 'duplicate', 1);
    expect(pending.verdicts().get(3)).toEqual(['rejected', 'duplicate', 1, 3]);

    expect(pending.hasSent).toBe(true);
    pending.committed(1);
    expect(pending.hasSent).toBe(false);
    expect(pending.row(12)).toBeUndefined();
    expect(pending.row(16)?.id).toBe(16);
  });

  it('holds back the young rows still awaiting from a timed hand-over, so their verdicts go in with them', () => {
    const pending = new PendingShares();
    // recorded at 1001..1006; rows 1 and 2 judged, row 3 awaiting but old, row 4 awaiting and young, 5 judged, 6 young
    for (let id = 1; id <= 6; id++) pending.add(row(id));
    pending.setVerdict(1, 'accepted', null, 1);
    pending.setVerdict(2, 'accepted', null, 1);
    pending.setVerdict(5, 'rejected', 'stale', 1);
    const sent = pending.take(1, 1004)!;
    // everything before the first young row still awaiting goes, the old awaiting row with it
    expect(sent.rows.length / ROW_WIDTH).toBe(3);
    expect(sent.rows[2 * ROW_WIDTH + 9]).toBe('awaiting');
    expect(pending.gatheredCount).toBe(3);
    // a held row takes its verdict in place: nothing queued as an update
    expect(pending.setVerdict(4, 'accepted', null, 2)).toBe(false);
    expect(pending.setVerdict(3, 'accepted', null, 2)).toBe(true);
    pending.add(row(7));
    // a hand-over of everything (close, synced) holds nothing back
    const rest = pending.take(2)!;
    expect(rest.first).toBe(4);
    expect(rest.rows.filter((_, i) => i % ROW_WIDTH === 0)).toEqual([4, 5, 6, 7]);
    expect(rest.rows[9]).toBe('accepted');
    expect(rest.verdicts).toEqual(['accepted', null, 2, 3]);
    expect(pending.take(3, 0)).toBeUndefined();
  });

  it('refuses rows out of order: a batch is found by arithmetic on consecutive ids', () => {
    const pending = new PendingShares();
    pending.add(row(1));
    expect(() => pending.add(row(3))).toThrow(/out of order/);
  });
});

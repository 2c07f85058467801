/**
 * The share ledger with its writer thread: reads see every share at once (before the writer commits),
 * the database ends up with every row and verdict, counts survive a reopen, and a writer thread that
 * dies is replaced without losing what it had not committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShareLedger, type NewShare } from './ledger';
import { until } from '../../test/until';

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

describe('ShareLedger', () => {
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
    expect(again.recent(300)).toHaveLength(300);
    await again.close();
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
    await until(() => (ledger as unknown as { inFlightRows: Map<number, unknown> }).inFlightRows.size === 0, 'the new writer to commit');
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

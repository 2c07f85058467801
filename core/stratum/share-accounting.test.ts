/**
 * The recent shares a dashboard opens with: the newest hundred, one entry per share showing its latest verdict, a
 * verdict moving its share to the end, and after a restart the same from the ledger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShareAccounting, type ShareMiner } from './share-accounting';
import type { LocalShare } from './share-record';
import { type AwaitedAnswer, LOST_VERDICT } from './upstream';

const dirs: string[] = [];
const open: ShareAccounting[] = [];
afterEach(async () => {
  for (const accounting of open.splice(0)) await accounting.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function accountingAt(path: string): ShareAccounting {
  const accounting = new ShareAccounting(path, (message) => {
    throw new Error(message);
  });
  open.push(accounting);
  return accounting;
}

function newLedgerPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'axw-accounting-'));
  dirs.push(dir);
  return join(dir, 'ledger.sqlite');
}

const miner: ShareMiner = { id: 'm1', worker: 'bc1qrig.one' };
const share = (i: number): LocalShare => ({ jobId: '1', upstreamJobId: 'j1', headerHash: i.toString(16).padStart(64, '0'), difficulty: 1, shareDifficulty: 2 });
const UPSTREAM = 'stratum+tcp://127.0.0.1:1';
/** an answer no verdict from elsewhere reaches in these tests */
const IGNORED: AwaitedAnswer = { settle: () => undefined };

describe('ShareAccounting recent shares', () => {
  it('lists each share once with its latest verdict, a verdict moving it to the end', () => {
    const accounting = accountingAt(newLedgerPath());
    const first = accounting.record(miner, share(1), UPSTREAM, IGNORED);
    const second = accounting.record(miner, share(2), UPSTREAM, IGNORED);
    accounting.record(miner, share(3), UPSTREAM, undefined, { accepted: false, reason: 'duplicate-share', kind: 'duplicate' });
    accounting.settle(miner, share(1), first, { accepted: true }, 12);
    const recent = accounting.recentShares();
    expect(recent.map((event) => [event.headerHash, event.verdict])).toEqual([
      [share(2).headerHash, 'awaiting'],
      [share(3).headerHash, 'rejected'],
      [share(1).headerHash, 'accepted'],
    ]);
    expect(recent.at(-1)!.latencyMs).toBe(12);
    expect(recent[0]!.shareId).toBe(second);
  });

  it('keeps the newest hundred shares, however many events each had', () => {
    const accounting = accountingAt(newLedgerPath());
    for (let i = 0; i < 250; i++) {
      const id = accounting.record(miner, share(i), UPSTREAM, IGNORED);
      // every share judged lost, then corrected by a late verdict: three events each
      accounting.settle(miner, share(i), id, LOST_VERDICT, null);
      accounting.late(id, { accepted: true });
    }
    const recent = accounting.recentShares();
    expect(recent).toHaveLength(100);
    expect(recent.map((event) => event.headerHash)).toEqual(Array.from({ length: 100 }, (_, k) => share(150 + k).headerHash));
    expect(new Set(recent.map((event) => event.verdict))).toEqual(new Set(['accepted']));
  });

  it('after a restart, lists the newest hundred from the ledger and goes on from there', async () => {
    const path = newLedgerPath();
    const before = accountingAt(path);
    for (let i = 0; i < 120; i++) {
      const id = before.record(miner, share(i), UPSTREAM, IGNORED);
      before.settle(miner, share(i), id, { accepted: true }, 5);
    }
    await before.close();
    open.splice(open.indexOf(before), 1);
    const after = accountingAt(path);
    const loaded = after.recentShares();
    expect(loaded.map((event) => event.headerHash)).toEqual(Array.from({ length: 100 }, (_, k) => share(20 + k).headerHash));
    after.record(miner, share(500), UPSTREAM, IGNORED);
    const next = after.recentShares();
    expect(next).toHaveLength(100);
    expect(next[0]!.headerHash).toBe(share(21).headerHash);
    expect(next.at(-1)!.verdict).toBe('awaiting');
  });
});

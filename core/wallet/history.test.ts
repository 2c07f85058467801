import { afterEach, describe, expect, it, vi } from 'vitest';
import { WalletHistory } from './history';
import { WalletStore } from './store';
import { databaseAtVersion, freshDatabasePath } from './testing/kit';

const MINT = 'http://mint';
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

const storePath = () => freshDatabasePath(cleanups);

function open(path = storePath()): WalletStore {
  const store = new WalletStore(path);
  cleanups.push(() => store.close());
  return store;
}

/** The plan SQLite picks for a statement: a SCAN reads the whole table, a SEARCH only the range asked for. */
function plan(store: WalletStore, sql: string): string {
  return (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(0) as { detail: string }[]).map((step) => step.detail).join('; ');
}

describe('wallet history', () => {
  it('sums the batches minted within a minute exactly past 2^63, per mint and unit, and keeps a row per batch', () => {
    // all three batches in one minute, whenever the test runs
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 6, 9, 41, 5) });
    cleanups.push(() => vi.useRealTimers());
    const store = open();
    store.tx(() => {
      store.history.minted({ mint_url: MINT, unit: 'hash', amount: 2n ** 63n + 1n, quotes: 3 });
      store.history.minted({ mint_url: MINT, unit: 'hash', amount: 2n ** 63n + 999_999_999n, quotes: 2 });
      store.history.minted({ mint_url: MINT, unit: 'hash_ab_1', amount: 5n, quotes: 1 });
      store.history.add({ kind: 'send', direction: 'out', mint_url: MINT, unit: 'hash', amount: '7', ref: 's1', memo: null });
    });
    const minutes = store.history.mintedSince(Date.now() - 60_000);
    expect(minutes.map(({ unit, amount, batches, shares }) => ({ unit, amount, batches, shares }))).toEqual([
      { unit: 'hash', amount: 2n ** 64n + 1_000_000_000n, batches: 2, shares: 5 },
      { unit: 'hash_ab_1', amount: 5n, batches: 1, shares: 1 },
    ]);
    expect(minutes[0]!.minute % 60_000).toBe(0);
    // the batches stay one row each (the NIP-60 backup and the history list read them); the send is not minting
    expect(store.history.recent().map((h) => [h.kind, h.ref])).toEqual([
      ['send', 's1'],
      ['mint', '1 quotes'],
      ['mint', '2 quotes'],
      ['mint', '3 quotes'],
    ]);
    expect(store.history.besidesMintingSince(0).map((h) => h.kind)).toEqual(['send']);
  });

  it('reads only the range asked for, by its indexes, however long the history', () => {
    const store = open();
    // the statements the views' reads run, as the history module writes them
    const asked: string[] = [];
    const history = new WalletHistory((sql) => {
      asked.push(sql);
      return store.db.prepare(sql);
    });
    history.mintedSince(0);
    history.besidesMintingSince(0);
    const [minutes, others] = asked.map((sql) => plan(store, sql));
    expect(minutes).toMatch(/^SEARCH minted_minutes USING PRIMARY KEY \(minute>\?\)$/);
    expect(others).toContain('SEARCH history USING INDEX history_kind_at (kind=? AND at>?)');
    expect(others).not.toContain('SCAN');
  });

  it('migration 4 sums the minting batches of version 3 per minute, share counts where every batch noted one', () => {
    const path = storePath();
    const v3 = databaseAtVersion(path, 3);
    const insert = v3.prepare("INSERT INTO history (at, kind, direction, mint_url, unit, amount, ref, memo) VALUES (?, ?, 'in', ?, 'hash', ?, ?, NULL)");
    const minute = Date.UTC(2026, 11, 1, 8, 30);
    insert.run(minute + 1_000, 'mint', MINT, (2n ** 63n).toString(), '3 quotes');
    insert.run(minute + 59_999, 'mint', MINT, '1234567890123', '1 quote');
    insert.run(minute + 60_000, 'mint', MINT, '4', null);
    insert.run(minute + 61_000, 'mint', MINT, '8', '2 quotes');
    insert.run(minute + 62_000, 'receive', MINT, '100', 'op-1');
    v3.close();

    const store = open(path);
    expect(store.history.mintedSince(minute)).toEqual([
      { mint_url: MINT, unit: 'hash', minute, amount: 2n ** 63n + 1_234_567_890_123n, batches: 2, shares: 4 },
      { mint_url: MINT, unit: 'hash', minute: minute + 60_000, amount: 12n, batches: 2 },
    ]);
    expect(store.history.besidesMintingSince(minute).map((h) => [h.kind, h.amount])).toEqual([['receive', '100']]);
  });
});

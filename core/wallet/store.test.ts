import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './schema';
import { StoreError, WalletStore } from './store';
import { databaseAtVersion, freshDatabasePath, randomHeaderHash } from './testing/kit';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

const freshPath = () => freshDatabasePath(cleanups);

function open(): { store: WalletStore; path: string } {
  const path = freshPath();
  const store = new WalletStore(path);
  cleanups.push(() => store.close());
  return { store, path };
}

const proof = (y: string, amount: bigint, unit = 'hash') => ({
  y,
  mint_url: 'http://mint',
  keyset_id: '01ab',
  unit,
  amount: amount.toString(),
  secret: `secret-${y}`,
  c: '02'.padEnd(66, '1'),
  dleq: null,
  state: 'unspent' as const,
  origin: 'quote' as const,
  quote_id: null,
  send_id: null,
});

describe('wallet store', () => {
  it('migrates once, in WAL mode, and reopens as is', () => {
    const { store, path } = open();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    store.upsertMint('http://mint', undefined, {});
    store.close();
    const again = new WalletStore(path);
    expect(again.mints().map((m) => m.url)).toEqual(['http://mint']);
    again.close();
  });

  it('migration 2 keeps every quote of version 1; none counts as described by the mint until it answers again', () => {
    const path = freshPath();
    const v1 = databaseAtVersion(path, 1);
    v1.prepare("INSERT INTO quotes (mint_url, id, unit, amount, state, source, seen_at) VALUES ('http://mint', 'q1', 'hash', '4', 'paid', 'lookup', 1)").run();
    v1.prepare("INSERT INTO quotes (mint_url, id, state, source, seen_at) VALUES ('http://mint', 'q2', 'unpaid', 'event', 2)").run();
    v1.close();
    const store = new WalletStore(path);
    cleanups.push(() => store.close());
    expect(store.quote('http://mint', 'q1')).toMatchObject({ state: 'paid', unit: 'hash', amount: '4', pubkey: null, checked_at: null, reason: null, retry_at: 0 });
    expect(store.quote('http://mint', 'q2')).toMatchObject({ state: 'unpaid', checked_at: null });
    expect(store.lookupRoute('http://mint')).toEqual({ route: null, probedAt: null });
  });

  it('migration 3 keeps every proof of version 2 and indexes them by Y alone, not by their secrets as well', () => {
    const path = freshPath();
    const v2 = databaseAtVersion(path, 2);
    const insert = v2.prepare(
      'INSERT INTO proofs (y, mint_url, keyset_id, unit, amount, secret, c, dleq, state, origin, quote_id, send_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('y1', 'http://mint', '01ab', 'hash', '4', 'secret-1', '02aa', '{"e":"01"}', 'unspent', 'quote', 'q1', null, 1);
    insert.run('y2', 'http://mint', '01ab', 'hash', '8', 'secret-2', '02bb', null, 'spent', 'swap', null, 's1', 2);
    v2.close();
    const store = new WalletStore(path);
    cleanups.push(() => store.close());
    expect(store.proofs({ state: 'unspent' })).toMatchObject([{ y: 'y1', amount: '4', secret: 'secret-1', dleq: '{"e":"01"}', quote_id: 'q1', created_at: 1 }]);
    expect(store.proofs({ state: 'spent' })).toMatchObject([{ y: 'y2', origin: 'swap', send_id: 's1' }]);
    const indexed = (store.db.pragma('index_list(proofs)') as { name: string }[]).flatMap((index) => (store.db.pragma(`index_info(${index.name})`) as { name: string }[]).map((column) => column.name));
    expect(indexed).toContain('y');
    expect(indexed).not.toContain('secret');
    expect(store.insertProof(proof('y1', 4n))).toBe(false);
  });

  it("migration 5 drops the indexes on header hashes and on proofs' quotes; a share's trail still finds its quote and proofs", () => {
    const path = freshPath();
    const v4 = databaseAtVersion(path, 4);
    v4.prepare("INSERT INTO quotes (mint_url, id, header_hash, state, source, seen_at) VALUES ('http://mint', 'q1', 'aa', 'issued', 'event', 1)").run();
    v4.close();
    const store = new WalletStore(path);
    cleanups.push(() => store.close());
    const indexes = (table: string) => (store.db.pragma(`index_list(${table})`) as { name: string }[]).map((index) => index.name);
    expect(indexes('quotes')).not.toContain('quotes_header');
    expect(indexes('proofs')).not.toContain('proofs_quote');
    store.insertProof({ ...proof('y1', 4n), quote_id: 'q1' });
    expect(store.quotesByHeaderHash('aa')).toMatchObject([{ id: 'q1' }]);
    expect(store.proofsOfQuote('http://mint', 'q1')).toEqual([{ amount: 4n, state: 'unspent' }]);
  });

  it('100 shares into a store of 5,000 write the pages of their rows, the states and the keys, not a random page each for header hashes and quote ids', () => {
    const { store } = open();
    const mintUrl = 'http://mint';
    store.upsertMint(mintUrl, undefined, {});
    const share = (quoteId: string, state: 'spent' | 'unspent') => ({ ...proof(`02${randomHeaderHash()}`, 1n), quote_id: quoteId, state });
    store.tx(() => {
      for (let i = 0; i < 5000; i++) {
        const id = randomUUID();
        store.noteQuote({ mintUrl, id, headerHash: randomHeaderHash(), source: 'event', state: 'issued' });
        store.insertProof(share(id, 'spent'));
      }
    });
    const framesOf = (write: () => void) => {
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      store.tx(write);
      return (store.db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
    };
    // random ids, as a mint's are: new ones land all over the key space
    const ids = Array.from({ length: 100 }, () => randomUUID());
    // WAL frames in eight probes: 74-78 and 91-105; with both indexes 144-148 and 141-159
    expect(framesOf(() => ids.forEach((id) => store.noteQuote({ mintUrl, id, headerHash: randomHeaderHash(), source: 'event' })))).toBeLessThan(110);
    expect(
      framesOf(() => {
        for (const id of ids) store.insertProof(share(id, 'unspent'));
        store.markQuotesIssued(mintUrl, ids);
      }),
    ).toBeLessThan(125);
  });

  it('migration 6 keeps an operation in flight; writing an operation ahead and removing it take a page each, not two', () => {
    const path = freshPath();
    const v5 = databaseAtVersion(path, 5);
    v5.prepare(
      "INSERT INTO operations (id, kind, purpose, mint_url, keyset_id, outputs, quote_ids, input_ys, created_at) VALUES ('op1', 'mint', 'sweep', 'http://mint', '01ab', '[]', '[\"q1\"]', '[]', 1)",
    ).run();
    v5.close();
    const store = new WalletStore(path);
    cleanups.push(() => store.close());
    expect(store.operations()).toMatchObject([{ id: 'op1', kind: 'mint', quote_ids: '["q1"]', created_at: 1 }]);
    const framesOf = (write: () => void, durable = false) => {
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      store.tx(write, durable);
      return (store.db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
    };
    const op = {
      id: 'op2',
      kind: 'mint' as const,
      purpose: 'sweep' as const,
      mint_url: 'http://mint',
      keyset_id: '01ab',
      outputs: '[]',
      quote_ids: '["q2"]',
      input_ys: '[]',
      send_id: null,
      extra: null,
    };
    expect(framesOf(() => store.insertOperation(op), true)).toBe(1);
    expect(framesOf(() => store.deleteOperation('op2'))).toBe(1);
    expect(store.operations().map((o) => o.id)).toEqual(['op1']);
  });

  it('refuses a damaged database file at open', () => {
    const path = freshPath();
    writeFileSync(path, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0xee)]));
    expect(() => new WalletStore(path)).toThrow(StoreError);
  });

  it('quote state only advances, except by the mint itself; issued is final', () => {
    const { store } = open();
    const note = (state: 'unpaid' | 'paid' | 'issued', authoritative = false) => store.noteQuote({ mintUrl: 'http://mint', id: 'q1', source: 'test', state, authoritative });
    expect(note('unpaid')).toBe(true);
    expect(note('paid')).toBe(false);
    note('unpaid');
    expect(store.quote('http://mint', 'q1')?.state).toBe('paid');
    note('unpaid', true);
    expect(store.quote('http://mint', 'q1')?.state).toBe('unpaid');
    note('issued', true);
    note('paid', true);
    expect(store.quote('http://mint', 'q1')?.state).toBe('issued');
    // later sightings fill in what was missing, never overwrite
    store.noteQuote({ mintUrl: 'http://mint', id: 'q1', source: 'test', headerHash: 'aa', amount: 4n });
    store.noteQuote({ mintUrl: 'http://mint', id: 'q1', source: 'test', headerHash: 'bb', amount: 8n });
    expect(store.quote('http://mint', 'q1')).toMatchObject({ header_hash: 'aa', amount: '4' });
  });

  it("the mint's answer about quotes it already knew writes their rows and states: a few pages, not one a quote", () => {
    const { store } = open();
    const mintUrl = 'http://mint';
    const headers = new Map<string, string>();
    const headerOf = (id: string) => headers.get(id) ?? headers.set(id, randomHeaderHash()).get(id)!;
    store.tx(() => {
      for (let i = 0; i < 5000; i++) store.noteQuote({ mintUrl, id: `past-${i}`, headerHash: headerOf(`past-${i}`), source: 'event', state: 'issued' });
      for (let i = 0; i < 100; i++) store.noteQuote({ mintUrl, id: `new-${i}`, headerHash: headerOf(`new-${i}`), source: 'event' });
    });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.tx(() => {
      for (let i = 0; i < 100; i++) store.noteQuote({ mintUrl, id: `new-${i}`, unit: 'hash', amount: 1n, headerHash: headerOf(`new-${i}`), source: 'check', state: 'paid', authoritative: true });
    });
    // pages the transaction wrote: its WAL frames (an index on random header hashes, rewritten, dirtied ~60 more)
    const { log } = (store.db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!;
    expect(log).toBeLessThan(20);
    expect(store.quotesById(mintUrl, ['new-0', 'new-99'])).toMatchObject([
      { state: 'paid', header_hash: headerOf('new-0') },
      { state: 'paid', header_hash: headerOf('new-99') },
    ]);
    // a header hash the quote lacked is still filled in
    store.noteQuote({ mintUrl, id: 'bare', source: 'backup' });
    store.noteQuote({ mintUrl, id: 'bare', headerHash: 'aa', source: 'check', state: 'paid', authoritative: true });
    expect(store.quote(mintUrl, 'bare')?.header_hash).toBe('aa');
  });

  it('balances are exact past 2^63 and counters only move forward', () => {
    const { store } = open();
    store.upsertMint('http://mint', undefined, {});
    expect(store.insertProof(proof('y1', 2n ** 63n))).toBe(true);
    expect(store.insertProof(proof('y2', 2n ** 63n))).toBe(true);
    expect(store.insertProof(proof('y2', 2n ** 63n))).toBe(false);
    store.insertProof(proof('y3', 5n, 'hash_02aa_1'));
    expect(store.balances().sort((a, b) => a.unit.localeCompare(b.unit))).toEqual([
      { mint_url: 'http://mint', unit: 'hash', amount: 2n ** 64n, count: 2 },
      { mint_url: 'http://mint', unit: 'hash_02aa_1', amount: 5n, count: 1 },
    ]);
    expect(store.tx(() => store.reserveCounters('01ab', 10), true)).toBe(0);
    expect(store.reserveCounters('01ab', 5)).toBe(10);
    store.advanceCounter('01ab', 3);
    expect(store.reserveCounters('01ab', 1)).toBe(15);
    store.advanceCounter('01ab', 100);
    expect(store.counters()).toEqual([{ keyset_id: '01ab', next: 100 }]);
  });
});

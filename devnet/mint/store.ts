/**
 * Mint state in SQLite (WAL): seed, keysets, quotes, spent proofs (by Y) and every blind signature issued
 * (by B_, for NUT-09 restore and "outputs already signed"). Amounts are decimal TEXT: u64 does not fit
 * SQLite's signed INTEGER. Spent Ys and signed B_s are primary keys, so a proof cannot be spent twice and
 * an output cannot be signed twice even by a second process on the same file.
 */
import Database from 'better-sqlite3';

export interface QuoteRow {
  id: string;
  method: string;
  unit: string;
  request: string;
  amount: bigint;
  amountPaid: bigint;
  amountIssued: bigint;
  pubkey: string | null;
  createdAt: number;
  updatedAt: number;
  expiry: number;
}

export interface SignatureRow {
  B_: string;
  keysetId: string;
  amount: bigint;
  C_: string;
  e: string;
  s: string;
}

export interface KeysetRow {
  id: string;
  unit: string;
  version: number;
  active: boolean;
  generation: number;
  finalExpiry: number | null;
}

interface RawQuote {
  id: string;
  method: string;
  unit: string;
  request: string;
  amount: string;
  amount_paid: string;
  amount_issued: string;
  pubkey: string | null;
  created_at: number;
  updated_at: number;
  expiry: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keysets (id TEXT PRIMARY KEY, unit TEXT NOT NULL, version INTEGER NOT NULL, active INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS quotes (
  id TEXT PRIMARY KEY, method TEXT NOT NULL, unit TEXT NOT NULL, request TEXT NOT NULL, amount TEXT NOT NULL,
  amount_paid TEXT NOT NULL, amount_issued TEXT NOT NULL, pubkey TEXT, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, expiry INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS quotes_by_pubkey ON quotes (pubkey);
CREATE TABLE IF NOT EXISTS spent (y TEXT PRIMARY KEY, keyset_id TEXT NOT NULL, amount TEXT NOT NULL, witness TEXT, spent_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS quotes_by_unit ON quotes (unit);
CREATE TABLE IF NOT EXISTS signatures (
  b TEXT PRIMARY KEY, keyset_id TEXT NOT NULL, amount TEXT NOT NULL, c TEXT NOT NULL, e TEXT NOT NULL, s TEXT NOT NULL,
  created_at INTEGER NOT NULL);
`;

function toQuote(r: RawQuote): QuoteRow {
  return {
    id: r.id,
    method: r.method,
    unit: r.unit,
    request: r.request,
    amount: BigInt(r.amount),
    amountPaid: BigInt(r.amount_paid),
    amountIssued: BigInt(r.amount_issued),
    pubkey: r.pubkey,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiry: r.expiry,
  };
}

export class MintStore {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // keyset rotation and final_expiry came later: databases from before get the columns
    const columns = new Set((this.db.prepare('PRAGMA table_info(keysets)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('generation')) this.db.exec('ALTER TABLE keysets ADD COLUMN generation INTEGER NOT NULL DEFAULT 0');
    if (!columns.has('final_expiry')) this.db.exec('ALTER TABLE keysets ADD COLUMN final_expiry INTEGER');
    const db = this.db;
    this.stmt = {
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      keysets: db.prepare<[], { id: string; unit: string; version: number; active: number; generation: number; final_expiry: number | null }>(
        'SELECT id, unit, version, active, generation, final_expiry FROM keysets ORDER BY created_at, rowid',
      ),
      addKeyset: db.prepare('INSERT OR IGNORE INTO keysets (id, unit, version, active, created_at, generation, final_expiry) VALUES (?, ?, ?, 1, ?, ?, ?)'),
      setKeysetActive: db.prepare('UPDATE keysets SET active = ? WHERE id = ?'),
      restamp: db.prepare("UPDATE quotes SET unit = ?, amount_paid = amount, updated_at = ? WHERE unit = ? AND amount_issued = '0'"),
      unpaidIdsOfUnit: db.prepare<[string], { id: string }>("SELECT id FROM quotes WHERE amount_paid = '0' AND unit = ?"),
      signaturesOfKeyset: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM signatures WHERE keyset_id = ?'),
      insertQuote: db.prepare(
        'INSERT INTO quotes (id, method, unit, request, amount, amount_paid, amount_issued, pubkey, created_at, updated_at, expiry) VALUES (@id, @method, @unit, @request, @amount, @amount_paid, @amount_issued, @pubkey, @created_at, @updated_at, @expiry)',
      ),
      getQuote: db.prepare<[string], RawQuote>('SELECT * FROM quotes WHERE id = ?'),
      quotesByPubkey: db.prepare<[string], RawQuote>('SELECT * FROM quotes WHERE pubkey = ? ORDER BY created_at, id'),
      // amount_issued never exceeds amount_paid, so "not equal" is "something left to mint" on canonical decimals.
      mintableByPubkey: db.prepare<[string], RawQuote>('SELECT * FROM quotes WHERE pubkey = ? AND amount_paid <> amount_issued ORDER BY created_at, id'),
      setPaid: db.prepare('UPDATE quotes SET amount_paid = ?, updated_at = ? WHERE id = ?'),
      setIssued: db.prepare('UPDATE quotes SET amount_issued = ?, updated_at = ? WHERE id = ? AND amount_issued = ?'),
      setExpiry: db.prepare('UPDATE quotes SET expiry = ?, updated_at = ? WHERE id = ?'),
      unpaidIds: db.prepare<[], { id: string }>("SELECT id FROM quotes WHERE amount_paid = '0'"),
      allIds: db.prepare<[], { id: string }>('SELECT id FROM quotes'),
      insertSpent: db.prepare('INSERT INTO spent (y, keyset_id, amount, witness, spent_at) VALUES (?, ?, ?, ?, ?)'),
      getSpent: db.prepare<[string], { y: string; witness: string | null }>('SELECT y, witness FROM spent WHERE y = ?'),
      insertSignature: db.prepare('INSERT INTO signatures (b, keyset_id, amount, c, e, s, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      getSignature: db.prepare<[string], { b: string; keyset_id: string; amount: string; c: string; e: string; s: string }>('SELECT * FROM signatures WHERE b = ?'),
    };
  }

  getMeta(key: string): string | undefined {
    return this.stmt.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt.setMeta.run(key, value);
  }

  keysets(): KeysetRow[] {
    return this.stmt.keysets.all().map((r) => ({ id: r.id, unit: r.unit, version: r.version, active: r.active === 1, generation: r.generation, finalExpiry: r.final_expiry }));
  }

  addKeyset(id: string, unit: string, version: number, generation = 0, finalExpiry: number | null = null): void {
    this.stmt.addKeyset.run(id, unit, version, Date.now(), generation, finalExpiry);
  }

  setKeysetActive(id: string, active: boolean): void {
    this.stmt.setKeysetActive.run(active ? 1 : 0, id);
  }

  /** Moves the never-issued quotes of `from` to `to` and pays them (an epoch boundary orphaned by a reorg). */
  restampQuotes(from: string, to: string, now: number): number {
    return this.stmt.restamp.run(to, now, from).changes;
  }

  unpaidQuoteIdsOfUnit(unit: string): string[] {
    return this.stmt.unpaidIdsOfUnit.all(unit).map((r) => r.id);
  }

  /** How many blind signatures a keyset has issued. */
  signaturesOfKeyset(keysetId: string): number {
    return this.stmt.signaturesOfKeyset.get(keysetId)?.n ?? 0;
  }

  insertQuote(q: QuoteRow): void {
    this.stmt.insertQuote.run({
      id: q.id,
      method: q.method,
      unit: q.unit,
      request: q.request,
      amount: q.amount.toString(),
      amount_paid: q.amountPaid.toString(),
      amount_issued: q.amountIssued.toString(),
      pubkey: q.pubkey,
      created_at: q.createdAt,
      updated_at: q.updatedAt,
      expiry: q.expiry,
    });
  }

  getQuote(id: string): QuoteRow | undefined {
    const raw = this.stmt.getQuote.get(id);
    return raw ? toQuote(raw) : undefined;
  }

  quotesByPubkey(pubkey: string, onlyMintable: boolean): QuoteRow[] {
    return (onlyMintable ? this.stmt.mintableByPubkey : this.stmt.quotesByPubkey).all(pubkey).map(toQuote);
  }

  setPaid(id: string, amountPaid: bigint, now: number): void {
    this.stmt.setPaid.run(amountPaid.toString(), now, id);
  }

  /** Compare-and-set on amount_issued: false when another writer got there first. */
  addIssued(id: string, from: bigint, to: bigint, now: number): boolean {
    return this.stmt.setIssued.run(to.toString(), now, id, from.toString()).changes === 1;
  }

  setExpiry(id: string, expiry: number, now: number): void {
    this.stmt.setExpiry.run(expiry, now, id);
  }

  unpaidQuoteIds(): string[] {
    return this.stmt.unpaidIds.all().map((r) => r.id);
  }

  allQuoteIds(): string[] {
    return this.stmt.allIds.all().map((r) => r.id);
  }

  /** Throws a SQLite constraint error when Y is already spent. */
  markSpent(y: string, keysetId: string, amount: bigint, witness: string | null, now: number): void {
    this.stmt.insertSpent.run(y, keysetId, amount.toString(), witness, now);
  }

  spent(y: string): { witness: string | null } | undefined {
    return this.stmt.getSpent.get(y);
  }

  /** Throws a SQLite constraint error when B_ was already signed. */
  insertSignature(sig: SignatureRow, now: number): void {
    this.stmt.insertSignature.run(sig.B_, sig.keysetId, sig.amount.toString(), sig.C_, sig.e, sig.s, now);
  }

  signature(B_: string): SignatureRow | undefined {
    const r = this.stmt.getSignature.get(B_);
    return r ? { B_: r.b, keysetId: r.keyset_id, amount: BigInt(r.amount), C_: r.c, e: r.e, s: r.s } : undefined;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}

export function isConstraintError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT');
}

/**
 * The wallet database's rows and schema: numbered migrations (applied in order, never edited once released) and
 * the SQL that decides how a quote's state moves when it is seen again.
 */
export type QuoteState = 'unpaid' | 'paid' | 'issued' | 'dropped';
export type ProofState = 'unspent' | 'pending' | 'spent';
export type ProofOrigin = 'quote' | 'swap' | 'token' | 'restore';

export interface QuoteRow {
  mint_url: string;
  id: string;
  unit: string | null;
  amount: string | null;
  header_hash: string | null;
  miner_id: string | null;
  state: QuoteState;
  source: string;
  seen_at: number;
  issued_at: number | null;
  /** the NUT-20 key the mint says the quote is locked to (null: unknown yet, or not locked) */
  pubkey: string | null;
  /** the mint's expiry (unix seconds); advisory: a paid quote is minted past it when the mint allows */
  expiry: number | null;
  /** why it is not minted yet (or why it was dropped); null while nothing holds it back */
  reason: string | null;
  /** refusals in a row, for the quote's own back-off */
  failures: number;
  /** not asked about or minted before this time (ms) */
  retry_at: number;
  /** last time the mint answered about it (ms); null: never, so its unit and amount are only what the pool said */
  checked_at: number | null;
}

export interface ProofRow {
  y: string;
  mint_url: string;
  keyset_id: string;
  unit: string;
  amount: string;
  secret: string;
  c: string;
  dleq: string | null;
  state: ProofState;
  origin: ProofOrigin;
  quote_id: string | null;
  send_id: string | null;
  created_at: number;
}

export interface KeysetRow {
  id: string;
  mint_url: string;
  unit: string;
  active: number;
  input_fee_ppk: number;
  keys: string;
  /** NUT-02 final_expiry (unix seconds): after it the mint no longer accepts the keyset's proofs */
  final_expiry: number | null;
}

export interface OperationOutput {
  amount: string;
  counter: number;
  form: 'plain' | 'p2pk';
  /** 'keep' lands in the wallet; 'send' goes into a token */
  role: 'keep' | 'send';
  quoteId?: string;
  /** the pubkey a P2PK output locks to (the locking key when the operation was written) */
  lockTo?: string;
}

export interface OperationRow {
  id: string;
  kind: 'mint' | 'swap';
  purpose: 'sweep' | 'consolidate' | 'send' | 'receive' | 'reclaim';
  mint_url: string;
  keyset_id: string;
  outputs: string;
  quote_ids: string;
  input_ys: string;
  send_id: string | null;
  /** the token being received, kept until the swap settles so a crash can finish it */
  extra: string | null;
  created_at: number;
}

export interface SendRow {
  id: string;
  mint_url: string;
  unit: string;
  amount: string;
  memo: string | null;
  token: string | null;
  state: 'pending' | 'claimed' | 'reclaimed';
  created_at: number;
  settled_at: number | null;
}

export interface HistoryRow {
  id: number;
  at: number;
  kind: 'mint' | 'send' | 'receive' | 'reclaim' | 'restore' | 'claimed';
  direction: 'in' | 'out';
  mint_url: string;
  unit: string;
  amount: string;
  ref: string | null;
  memo: string | null;
}

export const MIGRATIONS: string[] = [
  `CREATE TABLE seed (id INTEGER PRIMARY KEY CHECK (id = 1), vault TEXT NOT NULL, blob BLOB NOT NULL, locking_pubkey TEXT NOT NULL,
     static_blob BLOB, static_pubkey TEXT, created_at INTEGER NOT NULL);
   CREATE TABLE mints (url TEXT PRIMARY KEY, pubkey TEXT, info TEXT, added_at INTEGER NOT NULL);
   CREATE TABLE keysets (id TEXT PRIMARY KEY, mint_url TEXT NOT NULL REFERENCES mints(url), unit TEXT NOT NULL, active INTEGER NOT NULL,
     input_fee_ppk INTEGER NOT NULL DEFAULT 0, keys TEXT NOT NULL);
   CREATE TABLE counters (keyset_id TEXT PRIMARY KEY, next INTEGER NOT NULL);
   CREATE TABLE quotes (mint_url TEXT NOT NULL, id TEXT NOT NULL, unit TEXT, amount TEXT, header_hash TEXT, miner_id TEXT,
     state TEXT NOT NULL CHECK (state IN ('unpaid','paid','issued')), source TEXT NOT NULL, seen_at INTEGER NOT NULL, issued_at INTEGER,
     PRIMARY KEY (mint_url, id));
   CREATE INDEX quotes_state ON quotes (state, mint_url);
   CREATE INDEX quotes_header ON quotes (header_hash);
   CREATE TABLE proofs (y TEXT PRIMARY KEY, mint_url TEXT NOT NULL, keyset_id TEXT NOT NULL, unit TEXT NOT NULL, amount TEXT NOT NULL,
     secret TEXT NOT NULL UNIQUE, c TEXT NOT NULL, dleq TEXT, state TEXT NOT NULL CHECK (state IN ('unspent','pending','spent')),
     origin TEXT NOT NULL, quote_id TEXT, send_id TEXT, created_at INTEGER NOT NULL);
   CREATE INDEX proofs_state ON proofs (state, mint_url, unit);
   CREATE INDEX proofs_quote ON proofs (quote_id);
   CREATE TABLE operations (id TEXT PRIMARY KEY, kind TEXT NOT NULL, purpose TEXT NOT NULL, mint_url TEXT NOT NULL, keyset_id TEXT NOT NULL,
     outputs TEXT NOT NULL, quote_ids TEXT NOT NULL, input_ys TEXT NOT NULL, send_id TEXT, extra TEXT, created_at INTEGER NOT NULL);
   CREATE TABLE sends (id TEXT PRIMARY KEY, mint_url TEXT NOT NULL, unit TEXT NOT NULL, amount TEXT NOT NULL, memo TEXT, token TEXT,
     state TEXT NOT NULL CHECK (state IN ('pending','claimed','reclaimed')), created_at INTEGER NOT NULL, settled_at INTEGER);
   CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, direction TEXT NOT NULL,
     mint_url TEXT NOT NULL, unit TEXT NOT NULL, amount TEXT NOT NULL, ref TEXT, memo TEXT);`,
  // per-quote sweeping: each quote carries its lock, the mint's expiry, why it is held and its own back-off; quotes
  // can be dropped (with the reason kept); a mint remembers which quote lookup route it answers
  `CREATE TABLE quotes_v2 (mint_url TEXT NOT NULL, id TEXT NOT NULL, unit TEXT, amount TEXT, header_hash TEXT, miner_id TEXT,
     state TEXT NOT NULL CHECK (state IN ('unpaid','paid','issued','dropped')), source TEXT NOT NULL, seen_at INTEGER NOT NULL, issued_at INTEGER,
     pubkey TEXT, expiry INTEGER, reason TEXT, failures INTEGER NOT NULL DEFAULT 0, retry_at INTEGER NOT NULL DEFAULT 0, checked_at INTEGER,
     PRIMARY KEY (mint_url, id));
   INSERT INTO quotes_v2 (mint_url, id, unit, amount, header_hash, miner_id, state, source, seen_at, issued_at)
     SELECT mint_url, id, unit, amount, header_hash, miner_id, state, source, seen_at, issued_at FROM quotes;
   DROP TABLE quotes;
   ALTER TABLE quotes_v2 RENAME TO quotes;
   CREATE INDEX quotes_state ON quotes (state, mint_url, retry_at);
   CREATE INDEX quotes_header ON quotes (header_hash);
   ALTER TABLE mints ADD COLUMN lookup_route TEXT;
   ALTER TABLE mints ADD COLUMN lookup_probed_at INTEGER;
   ALTER TABLE keysets ADD COLUMN final_expiry INTEGER;`,
  // proofs without a unique index on their secrets: Y = hash_to_curve(secret) is the primary key, so the index
  // refused nothing the key does not, and as the largest index with random keys (a P2PK secret is 171 bytes) it
  // doubled the pages each share's proof wrote: 30 KB a proof at 20,000 proofs, 15 KB without it
  `CREATE TABLE proofs_v3 (y TEXT PRIMARY KEY, mint_url TEXT NOT NULL, keyset_id TEXT NOT NULL, unit TEXT NOT NULL, amount TEXT NOT NULL,
     secret TEXT NOT NULL, c TEXT NOT NULL, dleq TEXT, state TEXT NOT NULL CHECK (state IN ('unspent','pending','spent')),
     origin TEXT NOT NULL, quote_id TEXT, send_id TEXT, created_at INTEGER NOT NULL);
   INSERT INTO proofs_v3 (y, mint_url, keyset_id, unit, amount, secret, c, dleq, state, origin, quote_id, send_id, created_at)
     SELECT y, mint_url, keyset_id, unit, amount, secret, c, dleq, state, origin, quote_id, send_id, created_at FROM proofs;
   DROP TABLE proofs;
   ALTER TABLE proofs_v3 RENAME TO proofs;
   CREATE INDEX proofs_state ON proofs (state, mint_url, unit);
   CREATE INDEX proofs_quote ON proofs (quote_id);`,
  // ehash minted per mint, unit and minute (history.ts), filled from the minting batches so far; the amount in
  // billions and the rest so that SQLite's sums stay exact past 2^63. A batch's share count was noted as "N quotes".
  `CREATE TABLE minted_minutes (minute INTEGER NOT NULL, mint_url TEXT NOT NULL, unit TEXT NOT NULL, amount_billions INTEGER NOT NULL,
     amount_rest INTEGER NOT NULL, batches INTEGER NOT NULL, shares INTEGER, PRIMARY KEY (minute, mint_url, unit)) WITHOUT ROWID;
   INSERT INTO minted_minutes (minute, mint_url, unit, amount_billions, amount_rest, batches, shares)
     SELECT at - at % 60000, mint_url, unit, SUM(CAST(substr(amount, 1, max(length(amount) - 9, 0)) AS INTEGER)),
       SUM(CAST(substr(amount, max(length(amount) - 8, 1)) AS INTEGER)), COUNT(*),
       CASE WHEN MIN(ref IS NOT NULL AND (ref = CAST(ref AS INTEGER) || ' quotes' OR ref = CAST(ref AS INTEGER) || ' quote')) THEN SUM(CAST(ref AS INTEGER)) END
     FROM history WHERE kind = 'mint' GROUP BY at - at % 60000, mint_url, unit;
   CREATE INDEX history_kind_at ON history (kind, at);`,
  // no indexes on quotes' header hashes and proofs' quote ids: their keys are random (a header hash; a mint's quote id),
  // so each share wrote a page of each at intake and at minting, and again at the checkpoint (a third of what a pass
  // of ten writes on a week-old store), for one reader: wallet.trace, a share's trail, which scans instead
  `DROP INDEX quotes_header;
   DROP INDEX proofs_quote;`,
  // the write-ahead record keyed by its id alone (WITHOUT ROWID): every pass writes one and removes it, and a rowid
  // table wrote its row's page and its id index's page each time, four pages a pass where two do
  `CREATE TABLE operations_v6 (id TEXT PRIMARY KEY, kind TEXT NOT NULL, purpose TEXT NOT NULL, mint_url TEXT NOT NULL, keyset_id TEXT NOT NULL,
     outputs TEXT NOT NULL, quote_ids TEXT NOT NULL, input_ys TEXT NOT NULL, send_id TEXT, extra TEXT, created_at INTEGER NOT NULL) WITHOUT ROWID;
   INSERT INTO operations_v6 (id, kind, purpose, mint_url, keyset_id, outputs, quote_ids, input_ys, send_id, extra, created_at)
     SELECT id, kind, purpose, mint_url, keyset_id, outputs, quote_ids, input_ys, send_id, extra, created_at FROM operations;
   DROP TABLE operations;
   ALTER TABLE operations_v6 RENAME TO operations;`,
];

/** The state a sighting that is not the mint's own answer moves a quote to (@state: the state seen, if any): only forward. */
export const ADVANCED_STATE = `CASE
  WHEN @state IS NULL OR state IN ('issued', 'dropped') THEN state
  WHEN (CASE @state WHEN 'unpaid' THEN 0 WHEN 'paid' THEN 1 ELSE 2 END) > (CASE state WHEN 'unpaid' THEN 0 WHEN 'paid' THEN 1 ELSE 2 END) THEN @state
  ELSE state END`;

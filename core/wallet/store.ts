/**
 * The wallet's SQLite database: one file per wallet, WAL, numbered migrations, an integrity check
 * at open. Amounts are TEXT (decimal) because ehash amounts reach 2^63, past SQLite's signed INTEGER.
 * Every state change the wallet makes is one transaction here.
 */
import Database from 'better-sqlite3';
import { WalletHistory } from './history';
import { ADVANCED_STATE, type KeysetRow, MIGRATIONS, type OperationRow, type ProofRow, type ProofState, type QuoteRow, type QuoteState, type SendRow } from './schema';

export type { HistoryRow, KeysetRow, OperationOutput, OperationRow, ProofOrigin, ProofRow, ProofState, QuoteRow, QuoteState, SendRow } from './schema';

/** unpaid: known, the mint has not paid it (yet); paid: waiting to be minted; issued: minted; dropped: given up, with a reason */
/** Rows grouped by amount in SQL (at most 64 powers of two per unit), to be summed exactly as bigints. */
interface AmountGroup {
  mint_url: string;
  unit: string;
  amount: string;
  n: number;
}

function sumByMintAndUnit(rows: AmountGroup[]): { mint_url: string; unit: string; amount: bigint; count: number }[] {
  const sums = new Map<string, { mint_url: string; unit: string; amount: bigint; count: number }>();
  for (const row of rows) {
    const key = `${row.mint_url} ${row.unit}`;
    const entry = sums.get(key) ?? { mint_url: row.mint_url, unit: row.unit, amount: 0n, count: 0 };
    entry.amount += BigInt(row.amount) * BigInt(row.n);
    entry.count += row.n;
    sums.set(key, entry);
  }
  return [...sums.values()];
}

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export class WalletStore {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  readonly history = new WalletHistory((sql) => this.stmt(sql));

  /** Prepared once per SQL text: compiling is most of the cost of a small statement. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  constructor(path: string) {
    this.db = new Database(path);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      const check = this.db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new StoreError(`wallet database failed its integrity check: ${String(check)}`);
    } catch (error) {
      this.db.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`wallet database ${path} is damaged or not a database (${(error as Error).message}); restore the wallet from its mnemonic into a new home`);
    }
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new StoreError(`wallet database is from a newer Axewallet (schema ${version})`);
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /**
   * One immediate transaction. `durable` fsyncs at commit (synchronous=FULL): for the write-ahead record
   * of an operation, which must survive even a power cut before its outputs leave the process. Every
   * other write is replayable from that record (or from the mint), so WAL's NORMAL mode is enough.
   */
  tx<T>(fn: () => T, durable = false): T {
    if (!durable) return this.db.transaction(fn).immediate();
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // seed
  seed():
    | {
        vault: string;
        blob: Buffer;
        locking_pubkey: string;
        static_blob: Buffer | null;
        static_pubkey: string | null;
      }
    | undefined {
    return this.stmt('SELECT vault, blob, locking_pubkey, static_blob, static_pubkey FROM seed WHERE id = 1').get() as never;
  }

  saveSeed(vault: string, blob: Uint8Array, lockingPubkey: string): void {
    this.stmt('INSERT INTO seed (id, vault, blob, locking_pubkey, created_at) VALUES (1, ?, ?, ?, ?)').run(vault, Buffer.from(blob), lockingPubkey, Date.now());
  }

  setStaticKey(blob: Uint8Array | null, pubkey: string | null): void {
    this.stmt('UPDATE seed SET static_blob = ?, static_pubkey = ? WHERE id = 1').run(blob ? Buffer.from(blob) : null, pubkey);
  }

  // mints and keysets
  upsertMint(url: string, pubkey: string | undefined, info: unknown): void {
    this.stmt('INSERT INTO mints (url, pubkey, info, added_at) VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET pubkey = excluded.pubkey, info = excluded.info').run(
      url,
      pubkey ?? null,
      JSON.stringify(info),
      Date.now(),
    );
  }

  mints(): { url: string; pubkey: string | null; info: string | null }[] {
    return this.stmt('SELECT url, pubkey, info FROM mints ORDER BY added_at, url').all() as never;
  }

  upsertKeyset(row: KeysetRow): void {
    this.stmt(
      `INSERT INTO keysets (id, mint_url, unit, active, input_fee_ppk, keys, final_expiry) VALUES (@id, @mint_url, @unit, @active, @input_fee_ppk, @keys, @final_expiry)
         ON CONFLICT(id) DO UPDATE SET active = excluded.active, keys = excluded.keys, input_fee_ppk = excluded.input_fee_ppk, final_expiry = excluded.final_expiry`,
    ).run(row);
  }

  keysets(mintUrl?: string): KeysetRow[] {
    return (mintUrl ? this.stmt('SELECT * FROM keysets WHERE mint_url = ?').all(mintUrl) : this.stmt('SELECT * FROM keysets').all()) as KeysetRow[];
  }

  keyset(id: string): KeysetRow | undefined {
    return this.stmt('SELECT * FROM keysets WHERE id = ?').get(id) as KeysetRow | undefined;
  }

  // counters: reserved in the same transaction that records the operation using them
  reserveCounters(keysetId: string, count: number): number {
    const row = this.stmt('SELECT next FROM counters WHERE keyset_id = ?').get(keysetId) as { next: number } | undefined;
    const start = row?.next ?? 0;
    this.stmt('INSERT INTO counters (keyset_id, next) VALUES (?, ?) ON CONFLICT(keyset_id) DO UPDATE SET next = excluded.next').run(keysetId, start + count);
    return start;
  }

  advanceCounter(keysetId: string, atLeast: number): void {
    this.stmt('INSERT INTO counters (keyset_id, next) VALUES (?, ?) ON CONFLICT(keyset_id) DO UPDATE SET next = MAX(next, excluded.next)').run(keysetId, atLeast);
  }

  counters(): { keyset_id: string; next: number }[] {
    return this.stmt('SELECT keyset_id, next FROM counters').all() as never;
  }

  // quotes
  /**
   * Records a quote once; later sightings only fill in what was missing. The state only advances,
   * except that the mint's own answer (`authoritative`) may set it back to unpaid and updates the unit and
   * amount (a reorg moves a quote to another epoch's unit); issued and dropped are final. A change of state
   * clears the quote's reason and back-off. Returns true when the quote is new.
   */
  noteQuote(q: {
    mintUrl: string;
    id: string;
    unit?: string;
    amount?: bigint;
    headerHash?: string;
    minerId?: string;
    pubkey?: string;
    expiry?: number;
    source: string;
    state?: QuoteState;
    authoritative?: boolean;
  }): boolean {
    const now = Date.now();
    const inserted = this.stmt(
      `INSERT INTO quotes (mint_url, id, unit, amount, header_hash, miner_id, state, source, seen_at, pubkey, expiry, checked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(mint_url, id) DO NOTHING`,
    ).run(
      q.mintUrl,
      q.id,
      q.unit ?? null,
      q.amount?.toString() ?? null,
      q.headerHash ?? null,
      q.minerId ?? null,
      q.state ?? 'unpaid',
      q.source,
      now,
      q.pubkey ?? null,
      q.expiry ?? null,
      q.authoritative ? now : null,
    );
    if (inserted.changes > 0) return true;
    const amount = q.amount?.toString() ?? null;
    const headerHash = q.headerHash ?? null;
    if (q.authoritative && q.state) {
      // the mint's own answer: its unit and amount win (a reorg moves quotes), a change of state clears the wait
      this.stmt(
        `UPDATE quotes SET unit = COALESCE(?, unit), amount = COALESCE(?, amount), header_hash = COALESCE(header_hash, ?),
           pubkey = COALESCE(?, pubkey), expiry = COALESCE(?, expiry), checked_at = ?,
           reason = CASE WHEN state <> @state THEN NULL ELSE reason END, failures = CASE WHEN state <> @state THEN 0 ELSE failures END,
           retry_at = CASE WHEN state <> @state THEN 0 ELSE retry_at END, state = @state
         WHERE mint_url = ? AND id = ? AND state NOT IN ('issued', 'dropped')`,
      ).run(q.unit ?? null, amount, headerHash, q.pubkey ?? null, q.expiry ?? null, now, q.mintUrl, q.id, { state: q.state });
      return false;
    }
    // any other sighting fills in what is missing; a state only advances (issued and dropped are final)
    this.stmt(
      `UPDATE quotes SET unit = COALESCE(unit, ?), amount = COALESCE(amount, ?), header_hash = COALESCE(header_hash, ?),
         miner_id = COALESCE(miner_id, ?), pubkey = COALESCE(pubkey, ?), expiry = COALESCE(expiry, ?), state = ${ADVANCED_STATE}
       WHERE mint_url = ? AND id = ?`,
    ).run(q.unit ?? null, amount, headerHash, q.minerId ?? null, q.pubkey ?? null, q.expiry ?? null, q.mintUrl, q.id, { state: q.state ?? null });
    return false;
  }

  quote(mintUrl: string, id: string): QuoteRow | undefined {
    return this.stmt('SELECT * FROM quotes WHERE mint_url = ? AND id = ?').get(mintUrl, id) as QuoteRow | undefined;
  }

  quotesByState(state: QuoteState, mintUrl?: string, limit = 1000): QuoteRow[] {
    return (
      mintUrl
        ? this.stmt('SELECT * FROM quotes WHERE state = ? AND mint_url = ? ORDER BY seen_at LIMIT ?').all(state, mintUrl, limit)
        : this.stmt('SELECT * FROM quotes WHERE state = ? ORDER BY seen_at LIMIT ?').all(state, limit)
    ) as QuoteRow[];
  }

  /** Quotes of one mint in `state` whose back-off is over, oldest first. */
  dueQuotes(mintUrl: string, state: QuoteState, now: number, limit: number): QuoteRow[] {
    return this.stmt('SELECT * FROM quotes WHERE state = ? AND mint_url = ? AND retry_at <= ? ORDER BY seen_at LIMIT ?').all(state, mintUrl, now, limit) as QuoteRow[];
  }

  /**
   * Holds quotes back with a reason, each for its own back-off: `baseMs` doubled per refusal in a row (capped at
   * `maxMs`), so one quote the mint keeps refusing is asked about less and less often and holds up nothing else.
   */
  deferQuotes(mintUrl: string, ids: string[], reason: string, backoff: { baseMs: number; maxMs: number }): void {
    this.stmt(
      `UPDATE quotes SET reason = @reason, retry_at = @now + MIN(@max, @base * (1 << MIN(failures, 24))), failures = failures + 1
         WHERE mint_url = @mintUrl AND id IN (SELECT value FROM json_each(@ids))`,
    ).run({ reason, now: Date.now(), max: backoff.maxMs, base: backoff.baseMs, mintUrl, ids: JSON.stringify(ids) });
  }

  /** Sets why quotes wait without counting it as a refusal (the mint holds them unpaid, the mint is unreachable). */
  noteReason(mintUrl: string, ids: string[], reason: string, retryAt = 0): void {
    this.stmt('UPDATE quotes SET reason = ?, retry_at = MAX(retry_at, ?) WHERE mint_url = ? AND id IN (SELECT value FROM json_each(?))').run(reason, retryAt, mintUrl, JSON.stringify(ids));
  }

  /** Gives quotes up for good, keeping why (expired unpaid, locked to another key, unknown at the mint for a day). */
  dropQuotes(mintUrl: string, ids: string[], reason: string): void {
    this.stmt("UPDATE quotes SET state = 'dropped', reason = ?, issued_at = ? WHERE mint_url = ? AND state IN ('unpaid', 'paid') AND id IN (SELECT value FROM json_each(?))").run(
      reason,
      Date.now(),
      mintUrl,
      JSON.stringify(ids),
    );
  }

  /** Quotes not minted yet (and the most recently dropped ones), with their reasons, oldest first. */
  pendingQuotes(limit: number): QuoteRow[] {
    return this.stmt(
      `SELECT * FROM (SELECT * FROM quotes WHERE state IN ('unpaid', 'paid') ORDER BY seen_at LIMIT ?)
       UNION ALL SELECT * FROM (SELECT * FROM quotes WHERE state = 'dropped' ORDER BY issued_at DESC LIMIT 50)`,
    ).all(limit) as QuoteRow[];
  }

  /** What the mint holds unpaid (epoch boundary not confirmed yet), summed by mint and unit. */
  immature(): { mint_url: string; unit: string; amount: bigint; count: number }[] {
    return sumByMintAndUnit(
      this.stmt(
        "SELECT mint_url, unit, amount, COUNT(*) AS n FROM quotes WHERE state = 'unpaid' AND checked_at IS NOT NULL AND unit IS NOT NULL AND amount IS NOT NULL GROUP BY mint_url, unit, amount",
      ).all() as AmountGroup[],
    );
  }

  /** The earliest end of a waiting quote's back-off after `now` (ms), if any. */
  nextRetryAt(now: number): number | undefined {
    return (this.stmt("SELECT MIN(retry_at) AS at FROM quotes WHERE state IN ('unpaid', 'paid') AND retry_at > ?").get(now) as { at: number | null }).at ?? undefined;
  }

  /** Mints that have quotes waiting (a quote can be filed under a mint the wallet has not loaded yet). */
  quoteMints(): string[] {
    return (this.stmt("SELECT DISTINCT mint_url FROM quotes WHERE state IN ('unpaid', 'paid')").all() as { mint_url: string }[]).map((r) => r.mint_url);
  }

  /** Which quote lookup route a mint answered last (null: not probed yet). */
  lookupRoute(mintUrl: string): { route: string | null; probedAt: number | null } {
    const row = this.stmt('SELECT lookup_route, lookup_probed_at FROM mints WHERE url = ?').get(mintUrl) as { lookup_route: string | null; lookup_probed_at: number | null } | undefined;
    return { route: row?.lookup_route ?? null, probedAt: row?.lookup_probed_at ?? null };
  }

  setLookupRoute(mintUrl: string, route: string): void {
    this.stmt('UPDATE mints SET lookup_route = ?, lookup_probed_at = ? WHERE url = ?').run(route, Date.now(), mintUrl);
  }

  /** A few quotes of a mint and unit that carry a header hash and an amount (what a unit is worth comes from them). */
  quoteSamples(mintUrl: string, unit: string, limit: number): { header_hash: string; amount: string }[] {
    return this.stmt('SELECT header_hash, amount FROM quotes WHERE mint_url = ? AND unit = ? AND header_hash IS NOT NULL AND amount IS NOT NULL LIMIT ?').all(mintUrl, unit, limit) as never;
  }

  deleteQuote(mintUrl: string, id: string): void {
    this.stmt('DELETE FROM quotes WHERE mint_url = ? AND id = ?').run(mintUrl, id);
  }

  /**
   * Deletes up to `limit` quotes issued before `issuedBefore` (when this wallet minted them, or first seen when the
   * mint said so); returns how many. Only a share's trail reads an issued quote; one seen again is checked again.
   */
  dropIssuedQuotes(issuedBefore: number, limit: number): number {
    return this.stmt("DELETE FROM quotes WHERE rowid IN (SELECT rowid FROM quotes WHERE state = 'issued' AND COALESCE(issued_at, seen_at) < ? LIMIT ?)").run(issuedBefore, limit).changes;
  }

  /** Quotes in these states (at one mint, when given). */
  countQuotes(states: QuoteState[]): number {
    return (this.stmt(`SELECT COUNT(*) AS n FROM quotes WHERE state IN (${states.map(() => '?').join(',')})`).get(...states) as { n: number }).n;
  }

  /** A scan (no index: see migration 5); only a share's trail asks. */
  quotesByHeaderHash(headerHash: string): QuoteRow[] {
    return this.stmt('SELECT * FROM quotes WHERE header_hash = ?').all(headerHash) as QuoteRow[];
  }

  /** One statement for a whole batch (ids as a JSON array). */
  markQuotesIssued(mintUrl: string, ids: string[]): void {
    this.stmt("UPDATE quotes SET state = 'issued', issued_at = ?, reason = NULL WHERE mint_url = ? AND id IN (SELECT value FROM json_each(?))").run(Date.now(), mintUrl, JSON.stringify(ids));
  }

  /** Several quotes of one mint in one statement, in no particular order. */
  quotesById(mintUrl: string, ids: string[]): QuoteRow[] {
    return this.stmt('SELECT * FROM quotes WHERE mint_url = ? AND id IN (SELECT value FROM json_each(?))').all(mintUrl, JSON.stringify(ids)) as QuoteRow[];
  }

  /** Quotes already promised to an unfinished mint operation must not be minted again meanwhile. */
  quotesInFlight(): Set<string> {
    const set = new Set<string>();
    for (const row of this.stmt("SELECT mint_url, quote_ids FROM operations WHERE kind = 'mint'").all() as { mint_url: string; quote_ids: string }[]) {
      for (const id of JSON.parse(row.quote_ids) as string[]) set.add(`${row.mint_url} ${id}`);
    }
    return set;
  }

  // proofs
  insertProof(p: Omit<ProofRow, 'created_at'>): boolean {
    // positional: binding 13 named parameters from a copied object cost a share's proof ~3 µs more
    const result = this.stmt(
      `INSERT INTO proofs (y, mint_url, keyset_id, unit, amount, secret, c, dleq, state, origin, quote_id, send_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(y) DO NOTHING`,
    ).run(p.y, p.mint_url, p.keyset_id, p.unit, p.amount, p.secret, p.c, p.dleq, p.state, p.origin, p.quote_id, p.send_id, Date.now());
    return result.changes > 0;
  }

  proofs(
    filter: {
      state?: ProofState;
      mintUrl?: string;
      keysetId?: string;
      unit?: string;
      sendId?: string;
    } = {},
  ): ProofRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const columns: [string, string | undefined][] = [
      ['state', filter.state],
      ['mint_url', filter.mintUrl],
      ['keyset_id', filter.keysetId],
      ['unit', filter.unit],
      ['send_id', filter.sendId],
    ];
    for (const [column, value] of columns) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      args.push(value);
    }
    const sql = `SELECT * FROM proofs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, y`;
    return this.stmt(sql).all(...args) as ProofRow[];
  }

  /** What one quote turned into; a scan (no index: see migration 5), only a share's trail asks. */
  proofsOfQuote(mintUrl: string, quoteId: string): { amount: bigint; state: string }[] {
    return (this.stmt('SELECT amount, state FROM proofs WHERE mint_url = ? AND quote_id = ?').all(mintUrl, quoteId) as { amount: string; state: string }[]).map((r) => ({
      amount: BigInt(r.amount),
      state: r.state,
    }));
  }

  proofsByY(ys: string[]): ProofRow[] {
    const stmt = this.stmt('SELECT * FROM proofs WHERE y = ?');
    return ys.map((y) => stmt.get(y) as ProofRow | undefined).filter((p): p is ProofRow => p !== undefined);
  }

  setProofState(ys: string[], state: ProofState): void {
    const stmt = this.stmt('UPDATE proofs SET state = ? WHERE y = ?');
    for (const y of ys) stmt.run(state, y);
  }

  /**
   * Deletes up to `limit` spent proofs made before `createdBefore`; returns how many. A spent proof is worth nothing
   * and only a share's trail (share -> quote -> proofs) reads it.
   */
  dropSpentProofs(createdBefore: number, limit: number): number {
    return this.stmt("DELETE FROM proofs WHERE rowid IN (SELECT rowid FROM proofs WHERE state = 'spent' AND created_at < ? LIMIT ?)").run(createdBefore, limit).changes;
  }

  countUnspent(keysetId: string): number {
    return (this.stmt("SELECT COUNT(*) AS n FROM proofs WHERE keyset_id = ? AND state = 'unspent'").get(keysetId) as { n: number }).n;
  }

  /** Unspent sums by mint and unit; grouped by amount in SQL (at most 64 powers of two), summed exactly here. */
  balances(): { mint_url: string; unit: string; amount: bigint; count: number }[] {
    return sumByMintAndUnit(this.stmt("SELECT mint_url, unit, amount, COUNT(*) AS n FROM proofs WHERE state = 'unspent' GROUP BY mint_url, unit, amount").all() as AmountGroup[]);
  }

  // operations: the write-ahead record of every request that creates outputs
  insertOperation(op: Omit<OperationRow, 'created_at'>): void {
    this.stmt(
      `INSERT INTO operations (id, kind, purpose, mint_url, keyset_id, outputs, quote_ids, input_ys, send_id, extra, created_at)
         VALUES (@id, @kind, @purpose, @mint_url, @keyset_id, @outputs, @quote_ids, @input_ys, @send_id, @extra, @created_at)`,
    ).run({ ...op, created_at: Date.now() });
  }

  operations(): OperationRow[] {
    return this.stmt('SELECT * FROM operations ORDER BY created_at').all() as OperationRow[];
  }

  deleteOperation(id: string): void {
    this.stmt('DELETE FROM operations WHERE id = ?').run(id);
  }

  // sends
  insertSend(row: Omit<SendRow, 'settled_at'>): void {
    this.stmt('INSERT INTO sends (id, mint_url, unit, amount, memo, token, state, created_at) VALUES (@id, @mint_url, @unit, @amount, @memo, @token, @state, @created_at)').run(row);
  }

  setSendToken(id: string, token: string): void {
    this.stmt('UPDATE sends SET token = ? WHERE id = ?').run(token, id);
  }

  settleSend(id: string, state: 'claimed' | 'reclaimed'): void {
    this.stmt('UPDATE sends SET state = ?, settled_at = ? WHERE id = ?').run(state, Date.now(), id);
  }

  sends(state?: SendRow['state']): SendRow[] {
    return (state ? this.stmt('SELECT * FROM sends WHERE state = ? ORDER BY created_at').all(state) : this.stmt('SELECT * FROM sends ORDER BY created_at').all()) as SendRow[];
  }

  send(id: string): SendRow | undefined {
    return this.stmt('SELECT * FROM sends WHERE id = ?').get(id) as SendRow | undefined;
  }
}

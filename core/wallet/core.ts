/**
 * The wallet's small core, shared by every operation module (minting.ts, swap.ts, send.ts, recover.ts,
 * restore.ts): the keys, the write-ahead record of each request that makes the mint sign outputs (written in
 * the same transaction that reserves its NUT-13 counters), the deterministic outputs, the check of every
 * signature the mint returns, and the rows that end up in the store.
 *
 * Every request that makes the mint sign outputs is first written down as an operation, then sent. An
 * operation is finished only by storing the verified proofs, by the mint refusing it, or by recovery: NUT-09
 * restore of its outputs, else the same request again (same deterministic outputs, so a request the mint
 * already served cannot be served twice). A crash at any point leaves either nothing or an operation to finish.
 */
import { Amount, getEncodedToken, type Proof as TokenProof } from '@cashu/cashu-ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/log';
import { unblindVerifiedBatchHex } from '../../lib/protocol/cashu';
import { type BlindedOutput, deterministicOutputs, type LockingKey, p2pkWitness, secretKind } from './keys';
import { type BlindSignatureJson, type MintClient } from './mint-client';
import type { OperationOutput, OperationRow, ProofRow, WalletStore } from './store';
import type { Nut20Format, Proof } from '../../lib/protocol/cashu';

export interface Keyset {
  id: string;
  unit: string;
  active: boolean;
  inputFeePpk: number;
  /** NUT-02: unix seconds after which the mint refuses the keyset's proofs */
  finalExpiry?: number;
  /** amount (decimal string) -> compressed pubkey hex */
  keys: Record<string, string>;
}

/** What the wallet knows about one mint. */
export interface MintContext {
  url: string;
  client: MintClient;
  pubkey?: string;
  /** the mint-quote method for shares, learned from /v1/info nut04 */
  method: string;
  /** the NUT-20 message format tried first: the one the mint last accepted */
  nut20: Nut20Format;
  keysets: Map<string, Keyset>;
  /** quotes per NUT-29 request: the advertised max_batch_size, hashpool's 50 when none, smaller after an 11017 */
  batchSize: number;
  /** the mint's clock minus ours (seconds), from /v1/info `time`: timestamped requests use the mint's time */
  clockOffset: number;
}

export interface Secrets {
  seed: Uint8Array;
  locking: LockingKey;
  /** a hashpool operator's key, when the user runs in static-key mode */
  staticKey?: LockingKey;
}

export type WalletErrorKind = 'bad_signature' | 'mint_offline' | 'mint_rejected' | 'bad_response' | 'internal';

export type EngineEvent =
  | {
      type: 'proofs';
      mintUrl: string;
      unit: string;
      origin: 'quote' | 'swap' | 'token' | 'restore';
      quotes: { quoteId: string; headerHash?: string; minerId?: string; amount: bigint }[];
      amount: bigint;
    }
  | { type: 'error'; kind: WalletErrorKind; mintUrl?: string; message: string }
  | { type: 'alert'; kind: 'keyset-expiry' | 'spent-elsewhere'; mintUrl: string; unit: string; amount: bigint; message: string; at?: number }
  | { type: 'changed' };

/** The mint had already signed outputs at our next counters: this seed was used elsewhere (a restore without NUT-09). */
export class CountersBehind extends Error {}

export class WalletOperationError extends Error {
  constructor(
    readonly code:
      | 'wallet_exists'
      | 'other_wallet'
      | 'invalid_input'
      | 'invalid_token'
      | 'token_spent'
      | 'foreign_unit'
      | 'foreign_lock'
      | 'insufficient_funds'
      | 'unknown_mint'
      | 'mint_offline'
      | 'mint_rejected'
      | 'bad_signature'
      | 'not_found',
    message: string,
  ) {
    super(message);
    this.name = 'WalletOperationError';
  }
}

export interface PreparedOutputs {
  blinded: BlindedOutput[];
  spec: OperationOutput[];
}

export type Verified = { output: BlindedOutput; C: string; sig: BlindSignatureJson };

/** Points of an operation where a crash test may kill the process (WalletOptions.onStep). */
export type OperationStep = 'reserved' | 'answered' | 'storing';

export class WalletCore {
  readonly mints = new Map<string, MintContext>();
  private secrets: Secrets | undefined;

  constructor(
    readonly store: WalletStore,
    readonly logger: Logger,
    readonly emit: (event: EngineEvent) => void,
    readonly onStep: (step: OperationStep) => void = () => undefined,
  ) {}

  setSecrets(secrets: Secrets | undefined): void {
    this.secrets = secrets;
  }

  get unlocked(): boolean {
    return this.secrets !== undefined;
  }

  need(): Secrets {
    if (!this.secrets) throw new WalletOperationError('not_found', 'The wallet is locked.');
    return this.secrets;
  }

  /** The key quotes are locked to right now: the static key in static mode, else the derived one. */
  lockingKey(): LockingKey {
    const s = this.need();
    return s.staticKey ?? s.locking;
  }

  /** Every key this wallet can unlock quotes and proofs with (derived, and the static key when set). */
  ownKeys(): LockingKey[] {
    const s = this.need();
    return s.staticKey ? [s.locking, s.staticKey] : [s.locking];
  }

  /** The private key of one of our locking keys (derived or static). */
  keyFor(pubkey: string): Uint8Array | undefined {
    return this.ownKeys().find((k) => k.pubkey === pubkey.toLowerCase())?.privkey;
  }

  mintContext(url: string): MintContext {
    const ctx = this.mints.get(url);
    if (!ctx) throw new WalletOperationError('unknown_mint', `Mint ${url} is not loaded.`);
    return ctx;
  }

  // ---------------------------------------------------------------- the write-ahead record

  /** Reserves counters and writes the operation in one durable transaction, then derives the blinded outputs. */
  prepare(
    op: Omit<OperationRow, 'created_at' | 'outputs' | 'id'>,
    wanted: { amount: bigint; form: 'plain' | 'p2pk'; role: 'keep' | 'send'; quoteId?: string }[],
    before?: () => void,
  ): { id: string; prepared: PreparedOutputs } {
    const id = randomUUID();
    const spec: OperationOutput[] = [];
    const lockTo = this.lockingKey().pubkey;
    this.store.tx(() => {
      before?.();
      const start = this.store.reserveCounters(op.keyset_id, wanted.length);
      wanted.forEach((w, i) => {
        const entry: OperationOutput = { amount: w.amount.toString(), counter: start + i, form: w.form, role: w.role };
        if (w.quoteId) entry.quoteId = w.quoteId;
        if (w.form === 'p2pk') entry.lockTo = lockTo;
        spec.push(entry);
      });
      this.store.insertOperation({ ...op, id, outputs: JSON.stringify(spec) });
    }, true);
    this.onStep('reserved');
    return { id, prepared: { spec, blinded: this.derive(op.keyset_id, spec) } };
  }

  /**
   * Replaces a mint operation the mint refused whole by one operation per group of its quotes, each keeping the
   * counters its quotes' outputs already had: the mint signed none of them, so splitting a refused batch to find
   * the quote it objects to burns no counters (a NUT-09 restore would stop at a long gap of unused ones).
   */
  splitOperation(op: OperationRow, groups: string[][]): { id: string; quoteIds: string[]; prepared: PreparedOutputs }[] {
    const spec = JSON.parse(op.outputs) as OperationOutput[];
    const parts = groups.map((quoteIds) => ({ id: randomUUID(), quoteIds, spec: spec.filter((o) => o.quoteId !== undefined && quoteIds.includes(o.quoteId)) }));
    this.store.tx(() => {
      this.store.deleteOperation(op.id);
      for (const part of parts) {
        this.store.insertOperation({ ...op, id: part.id, quote_ids: JSON.stringify(part.quoteIds), outputs: JSON.stringify(part.spec) });
      }
    }, true);
    return parts.map((p) => ({ id: p.id, quoteIds: p.quoteIds, prepared: { spec: p.spec, blinded: this.derive(op.keyset_id, p.spec) } }));
  }

  operation(id: string): OperationRow {
    const op = this.store.operations().find((o) => o.id === id);
    if (!op) throw new Error(`operation ${id} vanished`);
    return op;
  }

  /** The outputs an operation row stands for, derived again from the seed. */
  preparedOf(op: OperationRow): PreparedOutputs {
    const spec = JSON.parse(op.outputs) as OperationOutput[];
    return { spec, blinded: this.derive(op.keyset_id, spec) };
  }

  derive(keysetId: string, spec: OperationOutput[]): BlindedOutput[] {
    const s = this.need();
    const current = this.lockingKey().pubkey;
    return deterministicOutputs(
      s.seed,
      keysetId,
      spec.map((o) => ({ counter: o.counter, amount: BigInt(o.amount), form: o.form, ...(o.form === 'p2pk' ? { lockTo: o.lockTo ?? current } : {}) })),
    );
  }

  /** Outputs as the mint wants them. */
  wireOutputs(keysetId: string, prepared: PreparedOutputs) {
    return prepared.blinded.map((o) => ({ amount: o.amount, id: keysetId, B_: o.B_ }));
  }

  // ---------------------------------------------------------------- what the mint returns

  /**
   * Checks every signature (keyset, amount, NUT-12 DLEQ against the mint's key) and unblinds.
   * One bad signature rejects the whole answer: nothing from it is stored.
   */
  verifyAndUnblind(keyset: Keyset, blinded: BlindedOutput[], signatures: BlindSignatureJson[], mintUrl: string): Verified[] {
    if (signatures.length !== blinded.length) throw this.badSignature(mintUrl, `mint returned ${signatures.length} signatures for ${blinded.length} outputs`);
    const checks = blinded.map((output, i) => {
      const sig = signatures[i]!;
      const A = keyset.keys[output.amount.toString()];
      if (sig.id !== keyset.id || sig.amount !== output.amount || !A) throw this.badSignature(mintUrl, `signature ${i} does not match its output (keyset or amount)`);
      if (!sig.dleq) throw this.badSignature(mintUrl, `signature ${i} carries no DLEQ proof`);
      return { B_: output.B_, C_: sig.C_, dleq: sig.dleq, A };
    });
    // the whole answer in one backend pass; each output still gets its own verdict, so a bad one is named
    const Cs = unblindVerifiedBatchHex(
      checks,
      blinded.map((output) => output.r),
    );
    return blinded.map((output, i) => {
      const C = Cs[i];
      if (C === undefined) throw this.badSignature(mintUrl, `signature ${i} failed its DLEQ proof`);
      return { output, C, sig: signatures[i]! };
    });
  }

  badSignature(mintUrl: string, message: string): WalletOperationError {
    const text = `Mint ${mintUrl} sent an invalid signature: ${message}. Nothing from this answer was stored.`;
    this.emit({ type: 'error', kind: 'bad_signature', mintUrl, message: text });
    return new WalletOperationError('bad_signature', text);
  }

  proofRow(mintUrl: string, keyset: Keyset, v: Verified, origin: ProofRow['origin'], quoteId: string | null, state: ProofRow['state'], sendId: string | null) {
    return {
      y: bytesToHex(v.output.Y),
      mint_url: mintUrl,
      keyset_id: keyset.id,
      unit: keyset.unit,
      amount: v.output.amount.toString(),
      secret: v.output.secret,
      c: v.C,
      dleq: v.sig.dleq ? JSON.stringify({ ...v.sig.dleq, r: bytesToHex(v.output.r) }) : null,
      state,
      origin,
      quote_id: quoteId,
      send_id: sendId,
    };
  }

  // ---------------------------------------------------------------- spending

  /** Proofs as swap inputs, with the NUT-11 witness of our key where they are P2PK-locked. */
  inputsFor(rows: (Pick<ProofRow, 'keyset_id' | 'amount' | 'secret' | 'c'> | Proof)[]): Proof[] {
    return rows.map((row) => {
      const proof: Proof = 'C' in row ? { id: row.id, amount: row.amount, secret: row.secret, C: row.C } : { id: row.keyset_id, amount: BigInt(row.amount), secret: row.secret, C: row.c };
      const kind = secretKind(row.secret);
      if (kind.kind === 'p2pk') {
        const privkey = this.keyFor(kind.pubkey);
        if (!privkey) throw new WalletOperationError('foreign_lock', 'These ecash proofs are locked to a key this wallet does not hold.');
        proof.witness = p2pkWitness(row.secret, privkey);
      } else if (kind.kind === 'other') {
        throw new WalletOperationError('foreign_lock', `These ecash proofs carry a spending condition this wallet cannot meet (${kind.name}).`);
      }
      return proof;
    });
  }

  /** A cashuB token of these proofs. */
  encode(mintUrl: string, unit: string, rows: ProofRow[], memo?: string): string {
    // cashu-ts's token codec has its own proof shape (amounts as its Amount class)
    const proofs: TokenProof[] = rows.map((r) => {
      const proof: TokenProof = { id: r.keyset_id, amount: Amount.from(BigInt(r.amount)), secret: r.secret, C: r.c };
      if (r.dleq) proof.dleq = JSON.parse(r.dleq) as NonNullable<TokenProof['dleq']>;
      return proof;
    });
    const token: Parameters<typeof getEncodedToken>[0] = { mint: mintUrl, unit, proofs };
    if (memo) token.memo = memo;
    return getEncodedToken(token);
  }

  /** One history entry per unit for what a restore added, so the history accounts for every restored proof once. */
  recordRestored(mintUrl: string, addedByUnit: Map<string, bigint>, source: string): void {
    for (const [unit, sum] of addedByUnit) {
      if (sum > 0n) this.store.history.add({ kind: 'restore', direction: 'in', mint_url: mintUrl, unit, amount: sum.toString(), ref: null, memo: `restored ${source}` });
    }
  }
}

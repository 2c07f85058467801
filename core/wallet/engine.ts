/**
 * The wallet engine: turns paid quotes into proofs and moves proofs, crash-safe.
 *
 * Every request that makes the mint sign outputs is first written down as an operation (its NUT-13
 * counters reserved in the same transaction), then sent. An operation is finished only by storing the
 * verified proofs, by the mint refusing it, or by recovery: NUT-09 restore of its outputs, else the
 * same request again (same deterministic outputs, so a request the mint already served cannot be
 * served twice). A crash at any point leaves either nothing or an operation to finish.
 */
import { Amount, getDecodedToken, getEncodedToken, getTokenMetadata, type Proof } from '@cashu/cashu-ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import {
  hashToCurve,
  prepareOutputs,
  signMintQuote,
  signQuoteLookup,
  unblindVerifiedHex,
  verifyProofDleqHex,
  type Nut20Format,
} from '../protocol/cashu';
import { type BlindedOutput, deterministicOutput, type LockingKey, p2pkWitness, secretKind, splitAmount } from './keys';
import { amountToWire, type BlindSignatureJson, MINT_ERROR, MintClient, MintError, type MintQuote, normalizeMintUrl, type ProofJson } from './mint-client';
import type { OperationOutput, OperationRow, ProofRow, QuoteRow, WalletStore } from './store';

export interface Keyset {
  id: string;
  unit: string;
  active: boolean;
  inputFeePpk: number;
  /** amount (decimal string) -> compressed pubkey hex */
  keys: Record<string, string>;
}

/** What the engine knows about one mint. */
export interface MintContext {
  url: string;
  client: MintClient;
  pubkey?: string;
  /** the mint-quote method for shares, learned from /v1/info nut04 */
  method: string;
  nut20: Nut20Format;
  keysets: Map<string, Keyset>;
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
      quotes: {
        quoteId: string;
        headerHash?: string;
        minerId?: string;
        amount: bigint;
      }[];
      amount: bigint;
    }
  | { type: 'error'; kind: WalletErrorKind; mintUrl?: string; message: string }
  | { type: 'changed' };

/** The mint had already signed outputs at our next counters: this seed was used elsewhere (a restore without NUT-09). */
class CountersBehind extends Error {}

export class WalletOperationError extends Error {
  constructor(
    readonly code:
      | 'wallet_exists'
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

/** A consolidation swap happens when a keyset holds more than this many unspent proofs. */
export const CONSOLIDATE_ABOVE = 48;
/** The most inputs one swap carries (mints cap inputs per request). */
const MAX_SWAP_INPUTS = 1000;

interface PreparedOutputs {
  blinded: BlindedOutput[];
  spec: OperationOutput[];
}

/** Points of an operation where a crash test may kill the process (WalletOptions.onStep). */
export type OperationStep = 'reserved' | 'answered' | 'storing';

export class WalletEngine {
  readonly mints = new Map<string, MintContext>();
  private secrets: Secrets | undefined;

  constructor(
    readonly store: WalletStore,
    private readonly logger: Logger,
    private readonly emit: (event: EngineEvent) => void,
    private readonly onStep: (step: OperationStep) => void = () => undefined,
  ) {}

  setSecrets(secrets: Secrets | undefined): void {
    this.secrets = secrets;
  }

  get unlocked(): boolean {
    return this.secrets !== undefined;
  }

  private need(): Secrets {
    if (!this.secrets) throw new WalletOperationError('not_found', 'The wallet is locked.');
    return this.secrets;
  }

  /** The key quotes are locked to right now: the static key in static mode, else the derived one. */
  lockingKey(): LockingKey {
    const s = this.need();
    return s.staticKey ?? s.locking;
  }

  // ---------------------------------------------------------------- mints and keysets

  /** Loads a mint's info and keysets (and keys of keysets not yet stored). Throws MintError when offline. */
  async loadMint(url: string): Promise<MintContext> {
    const normalized = normalizeMintUrl(url);
    // a mint becomes usable only once its info and keysets arrived (and its row exists for the keysets)
    let ctx = this.mints.get(normalized);
    if (!ctx) {
      ctx = { url: normalized, client: new MintClient(normalized), method: 'ehash', nut20: 'current', keysets: new Map() };
      for (const row of this.store.keysets(normalized)) {
        ctx.keysets.set(row.id, {
          id: row.id,
          unit: row.unit,
          active: row.active === 1,
          inputFeePpk: row.input_fee_ppk,
          keys: JSON.parse(row.keys) as Record<string, string>,
        });
      }
      const stored = this.store.mints().find((m) => m.url === normalized);
      if (stored?.pubkey) ctx.pubkey = stored.pubkey;
    }
    const info = await ctx.client.info();
    if (info.pubkey) ctx.pubkey = info.pubkey.toLowerCase();
    const methods = (info.nuts?.['4'] as { methods?: { method?: unknown }[] } | undefined)?.methods ?? [];
    const shareMethod = methods.map((m) => m.method).find((m): m is string => typeof m === 'string' && m !== 'bolt11' && m !== 'bolt12');
    if (shareMethod) ctx.method = shareMethod;
    this.store.upsertMint(normalized, ctx.pubkey, {
      name: info.name,
      version: info.version,
    });
    await this.refreshKeysets(ctx);
    this.mints.set(normalized, ctx);
    return ctx;
  }

  async refreshKeysets(ctx: MintContext): Promise<void> {
    for (const info of await ctx.client.keysets()) {
      const known = ctx.keysets.get(info.id);
      const keys = known?.keys ?? (await ctx.client.keys(info.id)).keys;
      const keyset: Keyset = {
        id: info.id,
        unit: info.unit,
        active: info.active,
        inputFeePpk: info.input_fee_ppk ?? 0,
        keys,
      };
      ctx.keysets.set(info.id, keyset);
      this.store.upsertKeyset({
        id: keyset.id,
        mint_url: ctx.url,
        unit: keyset.unit,
        active: keyset.active ? 1 : 0,
        input_fee_ppk: keyset.inputFeePpk,
        keys: JSON.stringify(keys),
      });
    }
  }

  private async activeKeyset(ctx: MintContext, unit: string): Promise<Keyset> {
    const find = () =>
      [...ctx.keysets.values()].find((k) => k.active && k.unit === unit && k.inputFeePpk === 0) ??
      [...ctx.keysets.values()].find((k) => k.active && k.unit === unit);
    let keyset = find();
    if (!keyset) {
      // a new unit (hashpool epochs) or a rotated keyset: ask the mint again
      await this.refreshKeysets(ctx);
      keyset = find();
    }
    if (!keyset) throw new WalletOperationError('foreign_unit', `Mint ${ctx.url} has no active keyset for unit "${unit}".`);
    return keyset;
  }

  private mintContext(url: string): MintContext {
    const ctx = this.mints.get(url);
    if (!ctx) throw new WalletOperationError('unknown_mint', `Mint ${url} is not loaded.`);
    return ctx;
  }

  // ---------------------------------------------------------------- outputs

  /** Reserves counters and writes the operation in one transaction, then derives the blinded outputs. */
  private prepare(
    op: Omit<OperationRow, 'created_at' | 'outputs' | 'id'> & { id?: string },
    wanted: {
      amount: bigint;
      form: 'plain' | 'p2pk';
      role: 'keep' | 'send';
      quoteId?: string;
    }[],
    before?: () => void,
  ): { id: string; prepared: PreparedOutputs } {
    const id = op.id ?? randomUUID();
    const spec: OperationOutput[] = [];
    this.store.tx(() => {
      before?.();
      const start = this.store.reserveCounters(op.keyset_id, wanted.length);
      wanted.forEach((w, i) => {
        const entry: OperationOutput = {
          amount: w.amount.toString(),
          counter: start + i,
          form: w.form,
          role: w.role,
        };
        if (w.quoteId) entry.quoteId = w.quoteId;
        if (w.form === 'p2pk') entry.lockTo = this.lockingKey().pubkey;
        spec.push(entry);
      });
      this.store.insertOperation({ ...op, id, outputs: JSON.stringify(spec) });
    }, true);
    this.onStep('reserved');
    return { id, prepared: { spec, blinded: this.derive(op.keyset_id, spec) } };
  }

  private derive(keysetId: string, spec: OperationOutput[]): BlindedOutput[] {
    const s = this.need();
    const current = this.lockingKey().pubkey;
    return spec.map((o) => deterministicOutput(s.seed, keysetId, o.counter, BigInt(o.amount), o.form, o.form === 'p2pk' ? (o.lockTo ?? current) : undefined));
  }

  /**
   * Checks every signature (keyset, amount, NUT-12 DLEQ against the mint's key) and unblinds.
   * One bad signature rejects the whole answer: nothing from it is stored.
   */
  private verifyAndUnblind(
    keyset: Keyset,
    blinded: BlindedOutput[],
    signatures: BlindSignatureJson[],
    mintUrl: string,
  ): { output: BlindedOutput; C: string; sig: BlindSignatureJson }[] {
    if (signatures.length !== blinded.length) throw this.badSignature(mintUrl, `mint returned ${signatures.length} signatures for ${blinded.length} outputs`);
    return blinded.map((output, i) => {
      const sig = signatures[i]!;
      const A = keyset.keys[output.amount.toString()];
      if (sig.id !== keyset.id || sig.amount !== output.amount || !A)
        throw this.badSignature(mintUrl, `signature ${i} does not match its output (keyset or amount)`);
      if (!sig.dleq) throw this.badSignature(mintUrl, `signature ${i} carries no DLEQ proof`);
      const C = unblindVerifiedHex({ B_: output.B_, C_: sig.C_, dleq: sig.dleq, A }, output.r);
      if (C === undefined) throw this.badSignature(mintUrl, `signature ${i} failed its DLEQ proof`);
      return { output, C, sig };
    });
  }

  private badSignature(mintUrl: string, message: string): WalletOperationError {
    const text = `Mint ${mintUrl} sent an invalid signature: ${message}. Nothing from this answer was stored.`;
    this.emit({ type: 'error', kind: 'bad_signature', mintUrl, message: text });
    return new WalletOperationError('bad_signature', text);
  }

  private proofRow(
    mintUrl: string,
    keyset: Keyset,
    v: { output: BlindedOutput; C: string; sig: BlindSignatureJson },
    origin: ProofRow['origin'],
    quoteId: string | null,
    state: ProofRow['state'],
    sendId: string | null,
  ) {
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

  // ---------------------------------------------------------------- quotes

  /** Records a quote seen anywhere (0xC0 event, lookup, check). Returns true when it was new. */
  noteQuote(
    mintUrl: string,
    quote:
      | MintQuote
      | {
          quote: string;
          amount?: bigint;
          headerHash?: string;
          minerId?: string;
        },
    source: string,
  ): boolean {
    if ('request' in quote || 'amount_paid' in quote || 'state' in quote) {
      const q = quote as MintQuote;
      const ours = this.secrets ? [this.secrets.locking.pubkey, this.secrets.staticKey?.pubkey] : [];
      if (q.pubkey && this.secrets && !ours.includes(q.pubkey.toLowerCase())) {
        // not ours to mint (the proxy announced another key): forget it rather than check it forever
        this.store.deleteQuote(mintUrl, q.quote);
        this.logger.warn('quote locked to another key ignored', {
          quote: q.quote,
          mint: mintUrl,
        });
        return false;
      }
      const state = mintableAmount(q) > 0n ? 'paid' : isIssued(q) ? 'issued' : 'unpaid';
      return this.store.noteQuote({
        mintUrl,
        id: q.quote,
        unit: q.unit,
        amount: q.amount,
        headerHash: q.request?.toLowerCase(),
        source,
        state,
        authoritative: true,
      });
    }
    const q = quote as {
      quote: string;
      amount?: bigint;
      headerHash?: string;
      minerId?: string;
    };
    return this.store.noteQuote({
      mintUrl,
      id: q.quote,
      amount: q.amount,
      headerHash: q.headerHash?.toLowerCase(),
      minerId: q.minerId,
      source,
    });
  }

  /** POST /v1/mint/quote/pubkey for our locking key; notes every quote found. */
  async lookupQuotes(ctx: MintContext): Promise<number> {
    if (!ctx.pubkey) return 0;
    const key = this.lockingKey();
    const quotes = await ctx.client.quotesByPubkey([key.pubkey], [signQuoteLookup(ctx.pubkey, key.pubkey, key.privkey)]);
    let fresh = 0;
    this.store.tx(() => {
      for (const q of quotes) if (this.noteQuote(ctx.url, q, 'lookup')) fresh++;
    });
    return fresh;
  }

  /**
   * Check by id: the quotes we heard of but have not yet seen paid, in the mint's batch size. Quotes the
   * mint already answered unpaid (held at an epoch boundary) are asked again only with `all`, so a long
   * hold does not cost a round of requests per share.
   */
  async checkQuotes(ctx: MintContext, all = true, chunk = 100): Promise<void> {
    const pending = this.store.quotesByState('unpaid', ctx.url, 10_000).filter((q) => all || q.unit === null);
    for (let i = 0; i < pending.length; i += chunk) {
      const answers = await ctx.client.checkQuotes(
        ctx.method,
        pending.slice(i, i + chunk).map((q) => q.id),
      );
      this.store.tx(() => {
        for (const q of answers) this.noteQuote(ctx.url, q, 'check');
      });
    }
  }

  /** Mints every paid quote of this mint, batched per unit. Returns the number of quotes minted. */
  async mintPaid(ctx: MintContext, batchSize = 100): Promise<number> {
    const inFlight = this.store.quotesInFlight();
    const paid = this.store.quotesByState('paid', ctx.url, 10_000).filter((q) => !inFlight.has(`${ctx.url} ${q.id}`) && q.unit && q.amount);
    const byUnit = new Map<string, QuoteRow[]>();
    for (const q of paid) {
      const group = byUnit.get(q.unit!);
      if (group) group.push(q);
      else byUnit.set(q.unit!, [q]);
    }
    let minted = 0;
    for (const [unit, quotes] of byUnit) {
      const keyset = await this.activeKeyset(ctx, unit);
      for (let i = 0; i < quotes.length; i += batchSize) {
        const batch = quotes.slice(i, i + batchSize);
        await this.withCounterRecovery(ctx, () => this.mintBatch(ctx, keyset, batch));
        minted += batch.length;
      }
    }
    return minted;
  }

  private async mintBatch(ctx: MintContext, keyset: Keyset, batch: QuoteRow[]): Promise<void> {
    const wanted = batch.flatMap((q) =>
      splitAmount(BigInt(q.amount!)).map((amount) => ({ amount, form: 'p2pk' as const, role: 'keep' as const, quoteId: q.id })),
    );
    const op = {
      kind: 'mint' as const,
      purpose: 'sweep' as const,
      mint_url: ctx.url,
      keyset_id: keyset.id,
      quote_ids: JSON.stringify(batch.map((q) => q.id)),
    };
    const { id, prepared } = this.prepare({ ...op, input_ys: '[]', send_id: null, extra: null }, wanted);
    await this.runMint(
      ctx,
      keyset,
      id,
      batch.map((q) => q.id),
      prepared,
    );
  }

  /**
   * Runs `attempt` (which prepares fresh outputs each time); when the mint had signed outputs at our counters
   * before, a NUT-09 scan finds how far this seed really got (and whatever it left there), the counters move
   * past it, and the attempt runs once more.
   */
  private async withCounterRecovery(ctx: MintContext, attempt: () => Promise<void>): Promise<void> {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof CountersBehind)) throw error;
    }
    this.logger.warn("the mint had already signed outputs at this wallet's next counters; scanning with NUT-09 to skip past them", { mint: ctx.url });
    await this.restoreMint(ctx, () => undefined);
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof CountersBehind) throw new WalletOperationError('mint_rejected', `The mint keeps refusing this wallet's new outputs (${error.message}).`);
      throw error;
    }
  }

  private async runMint(ctx: MintContext, keyset: Keyset, opId: string, quoteIds: string[], prepared: PreparedOutputs): Promise<void> {
    const outputs = prepared.blinded.map((o) => ({
      amount: amountToWire(o.amount),
      id: keyset.id,
      B_: o.B_,
    }));
    const signed = prepareOutputs(prepared.blinded.map((o) => ({ amount: o.amount, B_: o.B_ })));
    // the quotes lock to the key the operation's outputs were made for
    const privkey = this.keyFor(prepared.spec.find((o) => o.lockTo)?.lockTo ?? this.lockingKey().pubkey) ?? this.lockingKey().privkey;
    const send = (format: Nut20Format) =>
      ctx.client.mintBatch(
        ctx.method,
        quoteIds,
        outputs,
        quoteIds.map((q) => signMintQuote(q, signed, privkey, format)),
      );
    let signatures: BlindSignatureJson[];
    try {
      signatures = await send(ctx.nut20).catch(async (error: unknown) => {
        if (error instanceof MintError && error.code === MINT_ERROR.NUT20_FORMAT && ctx.nut20 === 'current') {
          ctx.nut20 = 'legacy';
          return send('legacy');
        }
        throw error;
      });
    } catch (error) {
      if (error instanceof MintError && error.code === MINT_ERROR.OUTPUTS_ALREADY_SIGNED) {
        this.store.deleteOperation(opId);
        throw new CountersBehind(error.message);
      }
      if (error instanceof MintError && error.kind === 'rejected') {
        // the mint signed nothing: drop the operation, learn the quotes' real state by id
        this.store.deleteOperation(opId);
        const answers = await ctx.client.checkQuotes(ctx.method, quoteIds).catch(() => []);
        this.store.tx(() => {
          for (const q of answers) this.noteQuote(ctx.url, q, 'check');
        });
        this.emit({
          type: 'error',
          kind: 'mint_rejected',
          mintUrl: ctx.url,
          message: error.message,
        });
      }
      throw error;
    }
    this.onStep('answered');
    this.finishMint(ctx, keyset, opId, prepared, signatures);
  }

  private finishMint(ctx: MintContext, keyset: Keyset, opId: string, prepared: PreparedOutputs, signatures: BlindSignatureJson[]): void {
    const quoteIds = [...new Set(prepared.spec.map((s) => s.quoteId).filter((q): q is string => q !== undefined))];
    let verified: ReturnType<WalletEngine['verifyAndUnblind']>;
    try {
      verified = this.verifyAndUnblind(keyset, prepared.blinded, signatures, ctx.url);
    } catch (error) {
      // the mint spent these quotes on signatures that are worth nothing: record that, keep nothing
      this.store.tx(() => {
        this.store.markQuotesIssued(ctx.url, quoteIds);
        this.store.deleteOperation(opId);
      });
      throw error;
    }
    const quotes: {
      quoteId: string;
      headerHash?: string;
      minerId?: string;
      amount: bigint;
    }[] = [];
    let total = 0n;
    this.store.tx(() => {
      verified.forEach((v, i) => {
        this.store.insertProof(this.proofRow(ctx.url, keyset, v, 'quote', prepared.spec[i]!.quoteId ?? null, 'unspent', null));
        total += v.output.amount;
      });
      this.onStep('storing');
      this.store.markQuotesIssued(ctx.url, quoteIds);
      const rows = new Map(this.store.quotesById(ctx.url, quoteIds).map((r) => [r.id, r]));
      for (const id of quoteIds) {
        const row = rows.get(id);
        const entry: (typeof quotes)[number] = { quoteId: id, amount: BigInt(row?.amount ?? 0) };
        if (row?.header_hash) entry.headerHash = row.header_hash;
        if (row?.miner_id) entry.minerId = row.miner_id;
        quotes.push(entry);
      }
      // one history entry per batch; each share's own trail is quote -> proofs
      this.store.addHistory({
        kind: 'mint',
        direction: 'in',
        mint_url: ctx.url,
        unit: keyset.unit,
        amount: total.toString(),
        ref: `${quoteIds.length} quotes`,
        memo: null,
      });
      this.store.deleteOperation(opId);
    });
    this.emit({
      type: 'proofs',
      mintUrl: ctx.url,
      unit: keyset.unit,
      origin: 'quote',
      quotes,
      amount: total,
    });
  }

  // ---------------------------------------------------------------- swaps

  /** The private key of one of our locking keys (derived or static). */
  private keyFor(pubkey: string): Uint8Array | undefined {
    const s = this.need();
    if (pubkey === s.locking.pubkey) return s.locking.privkey;
    return pubkey === s.staticKey?.pubkey ? s.staticKey.privkey : undefined;
  }

  private inputsFor(
    rows: {
      id?: string;
      keyset_id?: string;
      amount: string;
      secret: string;
      c: string;
    }[],
  ): ProofJson[] {
    const keyFor = (pubkey: string) => this.keyFor(pubkey);
    return rows.map((row) => {
      const proof: ProofJson = {
        id: row.keyset_id ?? row.id!,
        amount: amountToWire(BigInt(row.amount)),
        secret: row.secret,
        C: row.c,
      };
      const kind = secretKind(row.secret);
      if (kind.kind === 'p2pk') {
        const privkey = keyFor(kind.pubkey);
        if (!privkey) throw new WalletOperationError('foreign_lock', 'These ecash proofs are locked to a key this wallet does not hold.');
        proof.witness = p2pkWitness(row.secret, privkey);
      } else if (kind.kind === 'other') {
        throw new WalletOperationError('foreign_lock', `These ecash proofs carry a spending condition this wallet cannot meet (${kind.name}).`);
      }
      return proof;
    });
  }

  /**
   * Swaps `inputs` at a mint into `keep` and `send` amounts. Kept outputs are P2PK-locked to our key like
   * minted ones; only what leaves in a token is plain, so a NUT-09 restore can tell a token given away (and
   * perhaps not yet claimed) from our own proofs. The inputs of our own proofs go pending in the same
   * transaction that writes the operation.
   */
  private swap(
    ctx: MintContext,
    keyset: Keyset,
    purpose: OperationRow['purpose'],
    inputs: { rows: ProofRow[] } | { foreign: ProofJson[]; ownYs: string[] },
    keep: bigint,
    send: bigint,
    sendId: string | null,
  ): Promise<void> {
    return this.withCounterRecovery(ctx, () => this.swapOnce(ctx, keyset, purpose, inputs, keep, send, sendId));
  }

  private async swapOnce(
    ctx: MintContext,
    keyset: Keyset,
    purpose: OperationRow['purpose'],
    inputs: { rows: ProofRow[] } | { foreign: ProofJson[]; ownYs: string[] },
    keep: bigint,
    send: bigint,
    sendId: string | null,
  ): Promise<void> {
    const wanted = [
      ...splitAmount(send).map((amount) => ({
        amount,
        form: 'plain' as const,
        role: 'send' as const,
      })),
      ...splitAmount(keep).map((amount) => ({
        amount,
        form: 'p2pk' as const,
        role: 'keep' as const,
      })),
    ];
    const ownYs = 'rows' in inputs ? inputs.rows.map((r) => r.y) : inputs.ownYs;
    const wire = 'rows' in inputs ? this.inputsFor(inputs.rows) : inputs.foreign;
    const { id, prepared } = this.prepare(
      {
        kind: 'swap',
        purpose,
        mint_url: ctx.url,
        keyset_id: keyset.id,
        quote_ids: '[]',
        input_ys: JSON.stringify(ownYs),
        send_id: sendId,
        extra: 'foreign' in inputs ? JSON.stringify(inputs.foreign) : null,
      },
      wanted,
      () => {
        if ('rows' in inputs && ownYs.length) this.store.setProofState(ownYs, 'pending');
      },
    );
    await this.runSwap(ctx, keyset, this.opRow(id), prepared, wire);
  }

  private opRow(id: string): OperationRow {
    const op = this.store.operations().find((o) => o.id === id);
    if (!op) throw new Error(`operation ${id} vanished`);
    return op;
  }

  private async runSwap(ctx: MintContext, keyset: Keyset, op: OperationRow, prepared: PreparedOutputs, inputs: ProofJson[]): Promise<void> {
    const outputs = prepared.blinded.map((o) => ({
      amount: amountToWire(o.amount),
      id: keyset.id,
      B_: o.B_,
    }));
    let signatures: BlindSignatureJson[];
    try {
      signatures = await ctx.client.swap(inputs, outputs);
    } catch (error) {
      if (error instanceof MintError && error.kind === 'rejected') {
        const ownYs = JSON.parse(op.input_ys) as string[];
        this.store.tx(() => {
          // spent inputs are gone for good; anything else returns to the wallet
          if (ownYs.length) this.store.setProofState(ownYs, error.code === MINT_ERROR.TOKEN_SPENT ? 'spent' : 'unspent');
          this.store.deleteOperation(op.id);
        });
        if (error.code === MINT_ERROR.TOKEN_SPENT) throw new WalletOperationError('token_spent', 'This ecash was already spent.');
        if (error.code === MINT_ERROR.OUTPUTS_ALREADY_SIGNED) throw new CountersBehind(error.message);
        throw new WalletOperationError('mint_rejected', error.message);
      }
      throw error;
    }
    this.onStep('answered');
    this.finishSwap(ctx, keyset, op, prepared, signatures);
  }

  private finishSwap(ctx: MintContext, keyset: Keyset, op: OperationRow, prepared: PreparedOutputs, signatures: BlindSignatureJson[]): void {
    const ownYs = JSON.parse(op.input_ys) as string[];
    let verified: ReturnType<WalletEngine['verifyAndUnblind']>;
    try {
      verified = this.verifyAndUnblind(keyset, prepared.blinded, signatures, ctx.url);
    } catch (error) {
      this.store.tx(() => {
        if (ownYs.length) this.store.setProofState(ownYs, 'spent');
        this.store.deleteOperation(op.id);
      });
      throw error;
    }
    let kept = 0n;
    let sent = 0n;
    this.store.tx(() => {
      verified.forEach((v, i) => {
        const role = prepared.spec[i]!.role;
        this.store.insertProof(
          this.proofRow(
            ctx.url,
            keyset,
            v,
            op.purpose === 'receive' ? 'token' : 'swap',
            null,
            role === 'send' ? 'pending' : 'unspent',
            role === 'send' ? op.send_id : null,
          ),
        );
        if (role === 'send') sent += v.output.amount;
        else kept += v.output.amount;
      });
      this.onStep('storing');
      if (ownYs.length) this.store.setProofState(ownYs, 'spent');
      if (op.purpose === 'send' && op.send_id) {
        const sendRows = this.store.proofs({
          sendId: op.send_id,
          state: 'pending',
        });
        const row = this.store.send(op.send_id);
        this.store.setSendToken(op.send_id, this.encode(ctx.url, keyset.unit, sendRows, row?.memo ?? undefined));
        this.store.addHistory({
          kind: 'send',
          direction: 'out',
          mint_url: ctx.url,
          unit: keyset.unit,
          amount: sent.toString(),
          ref: op.send_id,
          memo: row?.memo ?? null,
        });
      }
      if (op.purpose === 'receive')
        this.store.addHistory({
          kind: 'receive',
          direction: 'in',
          mint_url: ctx.url,
          unit: keyset.unit,
          amount: kept.toString(),
          ref: op.id,
          memo: null,
        });
      if (op.purpose === 'reclaim' && op.send_id) {
        this.store.settleSend(op.send_id, 'reclaimed');
        this.store.addHistory({
          kind: 'reclaim',
          direction: 'in',
          mint_url: ctx.url,
          unit: keyset.unit,
          amount: kept.toString(),
          ref: op.send_id,
          memo: null,
        });
      }
      this.store.deleteOperation(op.id);
    });
    if (op.purpose === 'receive' || op.purpose === 'reclaim')
      this.emit({
        type: 'proofs',
        mintUrl: ctx.url,
        unit: keyset.unit,
        origin: op.purpose === 'receive' ? 'token' : 'swap',
        quotes: [],
        amount: kept,
      });
    this.emit({ type: 'changed' });
  }

  private encode(mintUrl: string, unit: string, rows: ProofRow[], memo?: string): string {
    const proofs: Proof[] = rows.map((r) => {
      const proof: Proof = {
        id: r.keyset_id,
        amount: Amount.from(BigInt(r.amount)),
        secret: r.secret,
        C: r.c,
      };
      if (r.dleq) proof.dleq = JSON.parse(r.dleq) as NonNullable<Proof['dleq']>;
      return proof;
    });
    const token: Parameters<typeof getEncodedToken>[0] = {
      mint: mintUrl,
      unit,
      proofs,
    };
    if (memo) token.memo = memo;
    return getEncodedToken(token);
  }

  // ---------------------------------------------------------------- recovery

  /** Finishes every operation a crash or an outage left behind. Throws MintError('offline') to back off. */
  async recover(ctx: MintContext): Promise<void> {
    for (const op of this.store.operations().filter((o) => o.mint_url === ctx.url)) {
      try {
        await this.recoverOne(ctx, op);
      } catch (error) {
        if (error instanceof MintError && error.kind === 'offline') throw error;
        this.logger.warn('interrupted operation not finished', {
          operation: op.id,
          error,
        });
      }
    }
  }

  private async recoverOne(ctx: MintContext, op: OperationRow): Promise<void> {
    let keyset = ctx.keysets.get(op.keyset_id);
    if (!keyset) {
      await this.refreshKeysets(ctx);
      keyset = ctx.keysets.get(op.keyset_id);
    }
    if (!keyset) {
      this.logger.warn('operation for an unknown keyset dropped', {
        operation: op.id,
        keyset: op.keyset_id,
      });
      this.store.deleteOperation(op.id);
      return;
    }
    const spec = JSON.parse(op.outputs) as OperationOutput[];
    const prepared: PreparedOutputs = {
      spec,
      blinded: this.derive(keyset.id, spec),
    };
    const restored = await ctx.client.restore(
      prepared.blinded.map((o) => ({
        amount: amountToWire(o.amount),
        id: keyset.id,
        B_: o.B_,
      })),
    );
    if (restored.signatures.length === prepared.blinded.length) {
      const byB = new Map(restored.outputs.map((o, i) => [o.B_.toLowerCase(), restored.signatures[i]!]));
      const signatures = prepared.blinded.map((o) => byB.get(o.B_)!);
      if (signatures.every(Boolean)) {
        this.logger.info('recovered an interrupted operation from the mint', {
          operation: op.id,
          kind: op.kind,
          outputs: spec.length,
        });
        if (op.kind === 'mint') this.finishMint(ctx, keyset, op.id, prepared, signatures);
        else this.finishSwap(ctx, keyset, op, prepared, signatures);
        return;
      }
    }
    if (restored.signatures.length > 0) {
      // a mint signs a request all or nothing; a partial answer means it is not a request of ours
      this.logger.warn('mint restored part of an operation; leaving it for a later pass', { operation: op.id });
      return;
    }
    // the mint never signed these outputs: send the very same request again
    if (op.kind === 'mint') {
      await this.runMint(ctx, keyset, op.id, JSON.parse(op.quote_ids) as string[], prepared);
    } else {
      const ownYs = JSON.parse(op.input_ys) as string[];
      const inputs = op.extra ? (JSON.parse(op.extra) as ProofJson[]) : this.inputsFor(this.store.proofsByY(ownYs));
      await this.runSwap(ctx, keyset, op, prepared, inputs);
    }
  }

  // ---------------------------------------------------------------- consolidation

  /** Swaps a keyset's unspent proofs into as few as possible once there are too many. */
  async consolidate(ctx: MintContext, threshold = CONSOLIDATE_ABOVE): Promise<number> {
    let swaps = 0;
    for (const keyset of ctx.keysets.values()) {
      while (this.store.countUnspent(keyset.id) > threshold) {
        if (keyset.inputFeePpk > 0) break; // fees would eat into the balance; not for ehash keysets
        const rows = this.store.proofs({ keysetId: keyset.id, state: 'unspent' }).slice(0, MAX_SWAP_INPUTS);
        const total = rows.reduce((sum, r) => sum + BigInt(r.amount), 0n);
        if (splitAmount(total).length >= rows.length) break;
        const target = keyset.active ? keyset : await this.activeKeyset(ctx, keyset.unit);
        await this.swap(ctx, target, 'consolidate', { rows }, total, 0n, null);
        swaps++;
      }
    }
    return swaps;
  }

  // ---------------------------------------------------------------- send / receive

  async send(ctx: MintContext, unit: string, amount: bigint, memo?: string): Promise<{ sendId: string; token: string }> {
    if (amount <= 0n) throw new WalletOperationError('insufficient_funds', 'Send a positive amount.');
    const rows = this.store.proofs({
      mintUrl: ctx.url,
      unit,
      state: 'unspent',
    });
    // largest first keeps the number of inputs small
    rows.sort((a, b) => (BigInt(b.amount) > BigInt(a.amount) ? 1 : BigInt(b.amount) < BigInt(a.amount) ? -1 : 0));
    const chosen: ProofRow[] = [];
    let total = 0n;
    for (const row of rows) {
      if (total >= amount) break;
      chosen.push(row);
      total += BigInt(row.amount);
    }
    if (total < amount) throw new WalletOperationError('insufficient_funds', `Not enough ${unit} at ${ctx.url}: have ${total}, need ${amount}.`);
    const keyset = await this.activeKeyset(ctx, unit);
    const sendId = randomUUID();
    this.store.insertSend({
      id: sendId,
      mint_url: ctx.url,
      unit,
      amount: amount.toString(),
      memo: memo ?? null,
      token: null,
      state: 'pending',
      created_at: Date.now(),
    });
    await this.swap(ctx, keyset, 'send', { rows: chosen }, total - amount, amount, sendId);
    const token = this.store.send(sendId)?.token;
    if (!token) throw new Error('send finished without a token');
    return { sendId, token };
  }

  /** Marks sends whose proofs the recipient swapped as claimed. */
  async checkSends(ctx: MintContext): Promise<number> {
    let claimed = 0;
    for (const send of this.store.sends('pending').filter((s) => s.mint_url === ctx.url)) {
      const rows = this.store.proofs({ sendId: send.id, state: 'pending' });
      if (rows.length === 0) continue;
      const states = await ctx.client.checkState(rows.map((r) => r.y));
      if (states.length > 0 && states.every((s) => s.state === 'SPENT')) {
        this.store.tx(() => {
          this.store.setProofState(
            rows.map((r) => r.y),
            'spent',
          );
          this.store.settleSend(send.id, 'claimed');
          this.store.addHistory({
            kind: 'claimed',
            direction: 'out',
            mint_url: send.mint_url,
            unit: send.unit,
            amount: send.amount,
            ref: send.id,
            memo: send.memo,
          });
        });
        claimed++;
      }
    }
    if (claimed) this.emit({ type: 'changed' });
    return claimed;
  }

  async reclaim(ctx: MintContext, sendId: string): Promise<bigint> {
    const send = this.store.send(sendId);
    if (!send || send.state !== 'pending') throw new WalletOperationError('not_found', 'No pending send with this id.');
    const rows = this.store.proofs({ sendId, state: 'pending' });
    const total = rows.reduce((sum, r) => sum + BigInt(r.amount), 0n);
    const keyset = await this.activeKeyset(ctx, send.unit);
    try {
      await this.swap(ctx, keyset, 'reclaim', { rows }, total, 0n, sendId);
    } catch (error) {
      if (error instanceof WalletOperationError && error.code === 'token_spent') {
        this.store.tx(() => {
          this.store.setProofState(
            rows.map((r) => r.y),
            'spent',
          );
          this.store.settleSend(sendId, 'claimed');
        });
        throw new WalletOperationError('token_spent', 'The recipient already claimed this send.');
      }
      throw error;
    }
    return total;
  }

  /** Decodes a token far enough to know its mint and unit without trusting anything in it. */
  static tokenMeta(token: string): { mint: string; unit: string } {
    try {
      const meta = getTokenMetadata(token.trim());
      return { mint: normalizeMintUrl(meta.mint), unit: meta.unit || 'sat' };
    } catch {
      throw new WalletOperationError('invalid_token', 'This is not a valid cashu token.');
    }
  }

  async receive(ctx: MintContext, token: string): Promise<{ amount: bigint; unit: string }> {
    let decoded: ReturnType<typeof getDecodedToken>;
    try {
      decoded = getDecodedToken(token.trim(), [...ctx.keysets.keys()]);
    } catch {
      throw new WalletOperationError('invalid_token', 'This token names keysets its mint does not have.');
    }
    if (decoded.proofs.length === 0) throw new WalletOperationError('invalid_token', 'This token holds no proofs.');
    const unit = decoded.unit || 'sat';
    const keysets = decoded.proofs.map((p) => ctx.keysets.get(p.id));
    if (keysets.some((k) => !k)) throw new WalletOperationError('invalid_token', 'This token names keysets its mint does not have.');
    if (keysets.some((k) => k!.unit !== unit))
      throw new WalletOperationError('foreign_unit', `This token claims unit "${unit}" but its proofs are in another unit.`);
    const inputs: ProofJson[] = [];
    let total = 0n;
    for (const proof of decoded.proofs) {
      const amount = proof.amount.toBigInt();
      const keyset = ctx.keysets.get(proof.id)!;
      const A = keyset.keys[amount.toString()];
      if (!A) throw new WalletOperationError('invalid_token', 'This token holds an amount its keyset cannot sign.');
      const dleq = proof.dleq as { e: string; s: string; r?: string } | undefined;
      if (
        dleq?.r &&
        !verifyProofDleqHex({
          secret: proof.secret,
          C: proof.C,
          dleq: { e: dleq.e, s: dleq.s, r: dleq.r },
          A,
        })
      ) {
        throw new WalletOperationError('invalid_token', 'This token carries a proof whose DLEQ does not verify: it was not signed by its mint.');
      }
      total += amount;
      inputs.push({
        id: proof.id,
        amount: amountToWire(amount),
        secret: proof.secret,
        C: proof.C,
      });
    }
    const withWitness = this.inputsFor(
      inputs.map((i) => ({
        id: i.id,
        amount: String(i.amount),
        secret: i.secret,
        c: i.C,
      })),
    );
    const keyset = await this.activeKeyset(ctx, unit);
    const ys = decoded.proofs.map((p) => bytesToHex(hashToCurve(new TextEncoder().encode(p.secret))));
    const states = await ctx.client.checkState(ys);
    if (states.some((s) => s.state !== 'UNSPENT')) throw new WalletOperationError('token_spent', 'This token was already spent (or is being spent).');
    const ownYs = this.store.proofsByY(ys).map((p) => p.y);
    const fee = BigInt(Math.ceil((keysets.reduce((sum, k) => sum + k!.inputFeePpk, 0) as number) / 1000));
    if (fee >= total) throw new WalletOperationError('invalid_token', 'This token is worth less than the mint fee to receive it.');
    await this.swap(ctx, keyset, 'receive', { foreign: withWitness, ownYs }, total - fee, 0n, null);
    return { amount: total - fee, unit };
  }

  // ---------------------------------------------------------------- restore

  /**
   * NUT-09: asks the mint for signatures on our deterministic outputs, keyset by keyset, in batches of
   * `batch` counters (both the plain and the P2PK form of each), until `gapBatches` batches in a row find
   * nothing. Stores the unspent ones and moves each counter past the last one used.
   */
  async restoreMint(
    ctx: MintContext,
    onProgress: (p: { mintUrl: string; keysetId: string; counter: number; found: number }) => void,
    batch = 100,
    gapBatches = 3,
  ): Promise<{ proofs: number; amount: bigint }> {
    const s = this.need();
    const lockTo = this.lockingKey().pubkey;
    let proofs = 0;
    let amount = 0n;
    const addedByUnit = new Map<string, bigint>();
    for (const keyset of ctx.keysets.values()) {
      const amounts = Object.keys(keyset.keys);
      if (amounts.length === 0) continue;
      let empty = 0;
      let lastUsed = -1;
      for (let start = 0; empty < gapBatches; start += batch) {
        const candidates: BlindedOutput[] = [];
        for (let counter = start; counter < start + batch; counter++) {
          // the amount is not part of B_; the mint answers with the amount it signed
          candidates.push(deterministicOutput(s.seed, keyset.id, counter, 1n, 'plain'), deterministicOutput(s.seed, keyset.id, counter, 1n, 'p2pk', lockTo));
        }
        const answer = await ctx.client.restore(candidates.map((o) => ({ amount: 1, id: keyset.id, B_: o.B_ })));
        const byB = new Map(candidates.map((o) => [o.B_, o]));
        const found: {
          output: BlindedOutput;
          C: string;
          sig: BlindSignatureJson;
        }[] = [];
        answer.outputs.forEach((out, i) => {
          const candidate = byB.get(out.B_.toLowerCase());
          const sig = answer.signatures[i]!;
          if (!candidate) return;
          // the counter was used either way; a signature that does not verify is reported and skipped
          lastUsed = Math.max(lastUsed, candidate.counter);
          try {
            const [verified] = this.verifyAndUnblind(keyset, [{ ...candidate, amount: sig.amount }], [sig], ctx.url);
            found.push(verified!);
          } catch (error) {
            if (!(error instanceof WalletOperationError)) throw error;
          }
        });
        if (found.length === 0) empty++;
        else empty = 0;
        if (found.length) {
          const states = await ctx.client.checkState(found.map((f) => bytesToHex(f.output.Y)));
          const stateOf = new Map(states.map((st) => [st.Y.toLowerCase(), st.state]));
          const unspent = found.filter((f) => stateOf.get(bytesToHex(f.output.Y)) === 'UNSPENT');
          // plain outputs are the ones this wallet put into tokens: unspent means given away and not yet claimed
          const given = unspent.filter((f) => f.output.form === 'plain');
          this.store.tx(() => {
            for (const f of unspent) {
              if (f.output.form === 'plain') continue;
              if (this.store.insertProof(this.proofRow(ctx.url, keyset, f, 'restore', null, 'unspent', null))) {
                proofs++;
                amount += f.output.amount;
                addedByUnit.set(keyset.unit, (addedByUnit.get(keyset.unit) ?? 0n) + f.output.amount);
              }
            }
            if (given.length) this.recordUnclaimedSend(ctx.url, keyset, given);
            this.store.advanceCounter(keyset.id, lastUsed + 1);
          });
        }
        onProgress({
          mintUrl: ctx.url,
          keysetId: keyset.id,
          counter: start + batch,
          found: proofs,
        });
      }
    }
    if (amount > 0n) {
      this.store.tx(() => this.recordRestored(ctx.url, addedByUnit, 'from the seed (NUT-09)'));
      this.emit({ type: 'changed' });
    }
    return { proofs, amount };
  }

  /**
   * Tokens this wallet sent that nobody has claimed yet, found again by a restore: listed as a pending send
   * (claimed or reclaimable later, like any other), never as balance.
   */
  private recordUnclaimedSend(mintUrl: string, keyset: Keyset, given: { output: BlindedOutput; C: string; sig: BlindSignatureJson }[]): void {
    const sendId = randomUUID();
    let total = 0n;
    // a proof already known (a second restore) is not listed again
    for (const f of given) if (this.store.insertProof(this.proofRow(mintUrl, keyset, f, 'restore', null, 'pending', sendId))) total += f.output.amount;
    if (total === 0n) return;
    this.store.insertSend({
      id: sendId,
      mint_url: mintUrl,
      unit: keyset.unit,
      amount: total.toString(),
      memo: 'sent earlier, not claimed yet (found while restoring)',
      // the same ecash as the token given away, so it can be handed over again
      token: this.encode(mintUrl, keyset.unit, this.store.proofs({ sendId, state: 'pending' })),
      state: 'pending',
      created_at: Date.now(),
    });
  }

  /** Adds proofs from a backup (NIP-60 tokens): kept only when the mint says they are unspent. */
  async importProofs(ctx: MintContext, proofs: ProofJson[]): Promise<{ added: number; amount: bigint }> {
    const states = await ctx.client.checkState(proofs.map((p) => bytesToHex(hashToCurve(new TextEncoder().encode(p.secret)))));
    const stateOf = new Map(states.map((st) => [st.Y.toLowerCase(), st.state]));
    let added = 0;
    let amount = 0n;
    const addedByUnit = new Map<string, bigint>();
    this.store.tx(() => {
      for (const p of proofs) {
        const keyset = ctx.keysets.get(p.id);
        const y = bytesToHex(hashToCurve(new TextEncoder().encode(p.secret)));
        if (!keyset || stateOf.get(y) !== 'UNSPENT') continue;
        const row = {
          y,
          mint_url: ctx.url,
          keyset_id: keyset.id,
          unit: keyset.unit,
          amount: String(p.amount),
          secret: p.secret,
          c: p.C,
          dleq: null,
          state: 'unspent' as const,
          origin: 'restore' as const,
          quote_id: null,
          send_id: null,
        };
        if (this.store.insertProof(row)) {
          added++;
          amount += BigInt(p.amount);
          addedByUnit.set(keyset.unit, (addedByUnit.get(keyset.unit) ?? 0n) + BigInt(p.amount));
        }
      }
      this.recordRestored(ctx.url, addedByUnit, 'from the nostr backup');
    });
    if (added) this.emit({ type: 'changed' });
    return { added, amount };
  }

  /** One history entry per unit for what a restore added, so the history accounts for every restored proof once. */
  private recordRestored(mintUrl: string, addedByUnit: Map<string, bigint>, source: string): void {
    for (const [unit, sum] of addedByUnit) {
      if (sum > 0n) this.store.addHistory({ kind: 'restore', direction: 'in', mint_url: mintUrl, unit, amount: sum.toString(), ref: null, memo: `restored ${source}` });
    }
  }
}

export function mintableAmount(q: MintQuote): bigint {
  if (q.amount_paid !== undefined) return q.amount_paid - (q.amount_issued ?? 0n);
  return q.state === 'PAID' && q.amount ? q.amount : 0n;
}

export function isIssued(q: MintQuote): boolean {
  if (q.amount_issued !== undefined && q.amount !== undefined) return q.amount_issued >= q.amount && q.amount > 0n;
  return q.state === 'ISSUED';
}

/**
 * The mint's rules, CDK-shaped and faithful to hashpool's ehash mint (research/hashpool.md): quotes of method
 * `ehash` created only by the pool (POST /v1/mint/quote/ehash answers 404, as hashpool's later mint does) and
 * paid when the pool validated the share (unless the current epoch is provisional, epochs.ts), NUT-04 single and
 * NUT-29 batch minting with NUT-20 in both message formats, paid quotes minted past their expiry (hashpool's
 * CDK pin treats expiry as advisory; the enforceExpiry hook models a stricter mint), NUT-03 swap with NUT-11 P2PK
 * checks, NUT-07 checkstate, NUT-09 restore, a DLEQ (NUT-12) on every signature, keysets rotated within a unit and
 * NUT-02 final_expiry, and the quote lookup by locking pubkey on both routes (lookup.ts). Every method takes an
 * untrusted JSON value and returns a JSON-ready value or throws MintErrorResponse. Crypto and SQLite calls are synchronous,
 * so one request's checks and writes cannot interleave with another's; the SQLite keys make it hold across
 * processes too.
 */
import { randomUUID } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  checkSpendingConditions,
  createDleq,
  CURVE_ORDER,
  equalBytes,
  hashToCurve,
  prepareOutputs,
  secp,
  SpendingConditionError,
  verifyMintQuoteSignature,
  type PreparedOutputs,
  type Proof,
} from '../../lib/protocol/cashu/index';
import { EpochBook } from './epochs';
import { ErrorCode, mintError } from './errors';
import { amountExponent, deriveMintIdentity, type KeysetVersion, type MintKeyset } from './keys';
import { KeysetBook } from './keysets';
import type { MintHooks } from './hooks';
import type { QuoteJson } from './wire';
import { type LookupRoute, lookupQuotes } from './lookup';
import { isConstraintError, MintStore, type QuoteRow } from './store';
import { amount, array, bad, HEX33, HEX64, type Json, object, pubkeyHex, string, U64_MAX } from './wire';

export type { MintHooks } from './hooks';
export type { QuoteJson } from './wire';

export const METHOD = 'ehash';
export const DEFAULT_UNIT = 'hash';
export const QUOTE_TTL_SECONDS = 10_000;
export const MAX_BATCH_SIZE = 100;
/** hashpool's mint confirms an epoch boundary after this many blocks (EPOCH_DESIGN.md: 6+ in production) */
export const EPOCH_CONFIRMATIONS = 6;
export const MAX_INPUTS = 1000;
export const MAX_OUTPUTS = 1000;
const MAX_SECRET_LENGTH = 2048;
const MAX_WITNESS_LENGTH = 8192;

export interface MintOptions {
  store: MintStore;
  seed: Uint8Array;
  keysetVersion: KeysetVersion;
  hooks: MintHooks;
}

interface Output {
  amount: bigint;
  id: string;
  B_: string;
}

export class Mint {
  readonly pubkey: string;
  private readonly store: MintStore;
  private readonly seed: Uint8Array;
  private readonly keysets: KeysetBook;
  readonly epochs: EpochBook;
  hooks: MintHooks;
  defaultUnit = DEFAULT_UNIT;

  constructor(options: MintOptions) {
    this.store = options.store;
    this.seed = options.seed;
    this.hooks = options.hooks;
    this.pubkey = deriveMintIdentity(this.seed).pubkey;
    this.keysets = new KeysetBook(this.store, this.seed, options.keysetVersion, () => this.now());
    const last = this.store.keysets().at(-1);
    if (last) this.defaultUnit = last.unit;
    this.addUnit(this.store.getMeta('default_unit') ?? DEFAULT_UNIT);
    this.epochs = new EpochBook(this.store, {
      unitExists: (unit) => this.keysets.hasUnit(unit),
      openUnit: (unit, finalExpiry) => ({ keysetId: this.addUnit(unit, finalExpiry).id }),
      resumeUnit: (unit) => void this.addUnit(unit),
      payUnit: (unit) => this.confirmQuotes(this.store.unpaidQuoteIdsOfUnit(unit)),
      deactivateKeyset: (id) => this.keysets.setActive(id, false),
      signaturesOfKeyset: (id) => this.store.signaturesOfKeyset(id),
      now: () => this.now(),
    });
  }

  /** The mint's clock in unix seconds (test hooks may move it). */
  now(): number {
    return Math.floor(Date.now() / 1000) + (this.hooks.clockOffsetSeconds ?? 0);
  }

  /** Makes `unit` the unit of new quotes, creating its keyset if needed (epochs use this). */
  addUnit(unit: string, finalExpiry?: number): MintKeyset {
    const keyset = this.keysets.ensureUnit(unit, finalExpiry);
    this.store.setMeta('default_unit', unit);
    this.defaultUnit = unit;
    return keyset;
  }

  /** A new keyset for `unit`; the old one turns inactive (its proofs still swap, it signs nothing new: 12002). */
  rotateKeyset(unit: string, finalExpiry?: number): MintKeyset {
    return this.keysets.rotate(unit, finalExpiry);
  }

  // ---- NUT-06 / NUT-01 / NUT-02 ----

  info(): Json {
    const units = this.keysets.activeUnits();
    const nut29: Json = { methods: [METHOD] };
    if (this.hooks.advertiseBatchSize !== false) nut29.max_batch_size = this.maxBatchSize;
    return {
      name: 'Axewallet devnet mint',
      pubkey: this.pubkey,
      version: 'axewallet-devnet-mint/0.1.0',
      description: 'Reference ehash mint (hashpool-faithful) for tests and demos',
      nuts: {
        '4': { methods: units.map((unit) => ({ method: METHOD, unit, min_amount: 1, max_amount: U64_MAX })), disabled: false },
        '5': { methods: [], disabled: true },
        '7': { supported: true },
        '8': { supported: false },
        '9': { supported: true },
        '10': { supported: true },
        '11': { supported: true },
        '12': { supported: true },
        '20': { supported: true },
        '29': nut29,
      },
      time: this.now(),
    };
  }

  get maxBatchSize(): number {
    return this.hooks.maxBatchSize ?? MAX_BATCH_SIZE;
  }

  keysetsJson(): Json {
    return this.keysets.keysetsJson();
  }

  keysJson(id?: string): Json {
    return this.keysets.keysJson(id);
  }

  // ---- quotes ----

  quoteJson(q: QuoteRow): QuoteJson {
    const json: QuoteJson = {
      quote: q.id,
      request: q.request,
      method: q.method,
      amount: q.amount,
      amount_paid: q.amountPaid,
      amount_issued: q.amountIssued,
      updated_at: q.updatedAt,
      unit: q.unit,
      expiry: q.expiry,
    };
    if (q.pubkey) json.pubkey = q.pubkey;
    return json;
  }

  /**
   * A quote for a share the pool accepted: stamped with the current epoch's unit (hashpool ignores the unit the
   * pool names) and paid at once, unless the epoch is provisional or the holdQuotesUnpaid hook says otherwise.
   */
  createQuote(request: { amount: bigint; unit?: string; headerHash: string; pubkey: string }): QuoteRow {
    const unit = request.unit ?? this.defaultUnit;
    if (!this.keysets.active(unit)) throw mintError(ErrorCode.UNIT_NOT_SUPPORTED, `unit ${unit} is not supported`);
    if (request.amount < 1n || request.amount > U64_MAX) throw mintError(ErrorCode.AMOUNT_OUT_OF_RANGE, 'amount out of range');
    if (!HEX64.test(request.headerHash)) throw bad('header_hash must be 32 bytes in hex');
    if (!HEX33.test(request.pubkey)) throw mintError(ErrorCode.PUBKEY_REQUIRED, 'a 33-byte compressed pubkey is required');
    const now = this.now();
    const held = this.hooks.holdQuotesUnpaid || this.epochs.holdsQuotes();
    const quote: QuoteRow = {
      id: randomUUID(),
      method: METHOD,
      unit,
      request: request.headerHash.toLowerCase(),
      amount: request.amount,
      amountPaid: held ? 0n : request.amount,
      amountIssued: 0n,
      pubkey: request.pubkey.toLowerCase(),
      createdAt: now,
      updatedAt: now,
      expiry: now + QUOTE_TTL_SECONDS,
    };
    this.store.insertQuote(quote);
    return quote;
  }

  private quoteOrThrow(id: string): QuoteRow {
    const quote = this.store.getQuote(id);
    if (!quote) throw mintError(ErrorCode.UNKNOWN_QUOTE, 'unknown quote');
    return quote;
  }

  getQuote(id: string): QuoteJson {
    return this.quoteJson(this.quoteOrThrow(string(id, 'quote id')));
  }

  findQuote(id: string): QuoteJson | undefined {
    const quote = this.store.getQuote(id);
    return quote ? this.quoteJson(quote) : undefined;
  }

  private quoteIds(value: unknown): string[] {
    const ids = array(value, 'quotes', this.maxBatchSize, ErrorCode.MAX_BATCH_SIZE_EXCEEDED).map((q) => string(q, 'quote id'));
    if (ids.length === 0) throw bad('quotes must not be empty');
    if (new Set(ids).size !== ids.length) throw mintError(ErrorCode.DUPLICATE_QUOTE_IDS, 'duplicate quote ids');
    return ids;
  }

  /** POST /v1/mint/quote/ehash/check {quotes}: all or nothing, in request order. */
  checkQuotes(body: unknown): QuoteJson[] {
    return this.quoteIds(object(body).quotes).map((id) => this.quoteJson(this.quoteOrThrow(id)));
  }

  /** The quote lookup by locking pubkey, on either route (lookup.ts). */
  lookupByPubkey(route: LookupRoute, body: unknown, method?: string): { quotes: QuoteJson[]; next_cursor?: string | null } {
    if (method !== undefined && method !== METHOD) throw bad(`payment method ${method} is not supported`);
    return lookupQuotes(route, body, {
      mintPubkey: this.pubkey,
      now: this.now(),
      pageSize: this.hooks.lookupPageSize ?? 100,
      quotesOf: (pubkey, onlyMintable) => this.store.quotesByPubkey(pubkey, onlyMintable),
      toJson: (q) => this.quoteJson(q),
    });
  }

  // ---- hooks the devnet drives ----

  confirmQuotes(ids?: string[]): number {
    const targets = ids ?? this.store.unpaidQuoteIds();
    const now = this.now();
    let count = 0;
    this.store.transaction(() => {
      for (const id of targets) {
        const q = this.store.getQuote(id);
        if (q && q.amountPaid === 0n) {
          this.store.setPaid(id, q.amount, now);
          count++;
        }
      }
    });
    return count;
  }

  /** Moves the epoch's unissued quotes to another unit, paid (an orphaned epoch boundary). */
  restampQuotes(from: string, to: string): number {
    return this.store.transaction(() => this.store.restampQuotes(from, to, this.now()));
  }

  expireQuotes(ids?: string[]): number {
    const targets = ids ?? this.store.allQuoteIds();
    const now = this.now();
    this.store.transaction(() => targets.forEach((id) => this.store.setExpiry(id, now - 1, now)));
    return targets.length;
  }

  // ---- outputs and signatures ----

  private parseOutputs(value: unknown, allowZeroAmount = false): Output[] {
    const list = array(value, 'outputs', MAX_OUTPUTS, ErrorCode.MAX_OUTPUTS_EXCEEDED);
    const outputs = list.map((raw, i) => {
      const o = object(raw, `outputs[${i}]`);
      return { amount: amount(o.amount, `outputs[${i}].amount`, allowZeroAmount), id: string(o.id, `outputs[${i}].id`, 66), B_: pubkeyHex(o.B_, `outputs[${i}].B_`) };
    });
    if (new Set(outputs.map((o) => o.B_)).size !== outputs.length) throw mintError(ErrorCode.DUPLICATE_OUTPUTS, 'duplicate outputs');
    return outputs;
  }

  /** Checks outputs against the unit and returns their sum; nothing is signed yet. */
  private checkOutputs(outputs: Output[], unit: string): bigint {
    let sum = 0n;
    for (const o of outputs) {
      const keyset = this.keysets.live(o.id);
      if (!keyset.active) throw mintError(ErrorCode.KEYSET_INACTIVE, 'keyset is inactive');
      if (keyset.unit !== unit) throw mintError(ErrorCode.UNIT_MISMATCH, 'outputs are not in the unit of the request');
      if (amountExponent(o.amount) === undefined) throw mintError(ErrorCode.AMOUNT_OUT_OF_RANGE, 'output amount is not a power of two in the keyset');
      if (!secp().isPoint(hexToBytes(o.B_))) throw bad('B_ is not a valid point');
      if (this.store.signature(o.B_)) throw mintError(ErrorCode.OUTPUTS_ALREADY_SIGNED, 'outputs already signed');
      sum += o.amount;
    }
    return sum;
  }

  /** Signs and records one output; call inside a store transaction. */
  private signOutput(o: Output, now: number): Json {
    const keyset = this.keysets.byId(o.id);
    const index = amountExponent(o.amount)!;
    let privkey = keyset.privkeys[index]!;
    let pubkey = keyset.pubkeys[index]!;
    if (this.hooks.wrongSignatures) {
      this.hooks.wrongSignatures--;
      privkey = keyset.privkeys[(index + 1) % keyset.privkeys.length]!;
      pubkey = keyset.pubkeys[(index + 1) % keyset.pubkeys.length]!;
    }
    const B = hexToBytes(o.B_);
    const C_ = secp().multiply(B, privkey);
    const dleq = createDleq(B, privkey, pubkey, C_);
    if (this.hooks.wrongDleqs) {
      this.hooks.wrongDleqs--;
      const s = (BigInt(`0x${bytesToHex(dleq.s)}`) + 1n) % CURVE_ORDER;
      dleq.s = hexToBytes(s.toString(16).padStart(64, '0'));
    }
    const sig = { B_: o.B_, keysetId: o.id, amount: o.amount, C_: bytesToHex(C_), e: bytesToHex(dleq.e), s: bytesToHex(dleq.s) };
    try {
      this.store.insertSignature(sig, now);
    } catch (error) {
      if (isConstraintError(error)) throw mintError(ErrorCode.OUTPUTS_ALREADY_SIGNED, 'outputs already signed');
      throw error;
    }
    return { id: sig.keysetId, amount: sig.amount, C_: sig.C_, dleq: { e: sig.e, s: sig.s } };
  }

  private checkQuoteSignature(quote: QuoteRow, outputs: PreparedOutputs, signature: unknown): void {
    if (!quote.pubkey) return;
    if (typeof signature !== 'string') throw mintError(ErrorCode.QUOTE_SIGNATURE_INVALID, 'signature missing for a locked quote');
    const formats = this.hooks.nut20Formats ?? ['current', 'legacy'];
    if (!formats.some((format) => verifyMintQuoteSignature(quote.id, outputs, quote.pubkey!, signature, format))) {
      throw mintError(ErrorCode.QUOTE_SIGNATURE_INVALID, 'signature for mint request invalid');
    }
  }

  private mintable(quote: QuoteRow, method: string, now: number): bigint {
    if (quote.method !== method) throw bad(`quote ${quote.id} is not a ${method} quote`);
    const expired = quote.expiry <= now;
    if (quote.amountPaid === 0n) throw expired ? mintError(ErrorCode.QUOTE_EXPIRED, 'quote is expired') : mintError(ErrorCode.QUOTE_NOT_PAID, 'quote is not paid');
    // a paid quote is the miner's work, already done: minted past its expiry unless the mint enforces it
    if (expired && this.hooks.enforceExpiry) throw mintError(ErrorCode.QUOTE_EXPIRED, 'quote is expired');
    if (quote.amountIssued >= quote.amountPaid) throw mintError(ErrorCode.QUOTE_ALREADY_ISSUED, 'quote has already been issued');
    return quote.amountPaid - quote.amountIssued;
  }

  /** Issues `outputs` against the quotes atomically: amount_issued moves by compare-and-set, so a quote never mints twice. */
  private issue(parts: { quote: QuoteRow; amount: bigint }[], outputs: Output[]): Json[] {
    const now = this.now();
    return this.store.transaction(() => {
      for (const { quote, amount: add } of parts) {
        if (!this.store.addIssued(quote.id, quote.amountIssued, quote.amountIssued + add, now)) {
          throw mintError(ErrorCode.QUOTE_ALREADY_ISSUED, 'quote has already been issued');
        }
      }
      return outputs.map((o) => this.signOutput(o, now));
    });
  }

  /** POST /v1/mint/{method} {quote, outputs, signature?}. */
  mint(method: string, body: unknown): { signatures: Json[] } {
    const b = object(body);
    const outputs = this.parseOutputs(b.outputs);
    const quote = this.quoteOrThrow(string(b.quote, 'quote'));
    const available = this.mintable(quote, method, this.now());
    const sum = this.checkOutputs(outputs, quote.unit);
    if (sum !== available) throw mintError(ErrorCode.TRANSACTION_UNBALANCED, `outputs sum to ${sum}, the quote has ${available} to mint`);
    this.checkQuoteSignature(quote, prepareOutputs(outputs), b.signature);
    return { signatures: this.issue([{ quote, amount: available }], outputs) };
  }

  /** POST /v1/mint/{method}/batch {quotes, quote_amounts?, outputs, signatures?} (NUT-29). */
  mintBatch(method: string, body: unknown): { signatures: Json[] } {
    const b = object(body);
    const ids = this.quoteIds(b.quotes);
    const outputs = this.parseOutputs(b.outputs);
    const now = this.now();
    const quotes = ids.map((id) => this.quoteOrThrow(id));
    const unit = quotes[0]!.unit;
    if (quotes.some((q) => q.unit !== unit)) throw mintError(ErrorCode.MULTIPLE_UNITS, 'quotes of several units in one batch');
    const available = quotes.map((q) => this.mintable(q, method, now));
    let amounts = available;
    if (b.quote_amounts !== undefined && b.quote_amounts !== null) {
      const requested = array(b.quote_amounts, 'quote_amounts', this.maxBatchSize, ErrorCode.MAX_BATCH_SIZE_EXCEEDED);
      if (requested.length !== ids.length) throw bad('quote_amounts must have one entry per quote');
      amounts = requested.map((a, i) => {
        const v = amount(a, `quote_amounts[${i}]`);
        if (v > available[i]!) throw mintError(ErrorCode.TRANSACTION_UNBALANCED, `quote_amounts[${i}] exceeds what the quote can mint`);
        return v;
      });
    }
    const total = amounts.reduce((x, y) => x + y, 0n);
    const sum = this.checkOutputs(outputs, unit);
    if (sum !== total) throw mintError(ErrorCode.TRANSACTION_UNBALANCED, `outputs sum to ${sum}, the quotes have ${total} to mint`);
    const signatures = b.signatures === undefined || b.signatures === null ? undefined : array(b.signatures, 'signatures', this.maxBatchSize, ErrorCode.MAX_BATCH_SIZE_EXCEEDED);
    if (signatures && signatures.length !== ids.length) throw bad('signatures must have one entry per quote');
    const signed = prepareOutputs(outputs);
    quotes.forEach((q, i) => this.checkQuoteSignature(q, signed, signatures?.[i]));
    return {
      signatures: this.issue(
        quotes.map((quote, i) => ({ quote, amount: amounts[i]! })),
        outputs,
      ),
    };
  }

  // ---- swap, checkstate, restore ----

  private parseInputs(value: unknown): Proof[] {
    const list = array(value, 'inputs', MAX_INPUTS, ErrorCode.MAX_INPUTS_EXCEEDED);
    if (list.length === 0) throw bad('inputs must not be empty');
    const inputs = list.map((raw, i) => {
      const p = object(raw, `inputs[${i}]`);
      if (p.witness !== undefined && p.witness !== null && (typeof p.witness !== 'string' || p.witness.length > MAX_WITNESS_LENGTH)) {
        throw bad(`inputs[${i}].witness must be a JSON string of at most ${MAX_WITNESS_LENGTH} characters`);
      }
      const input: Proof = {
        amount: amount(p.amount, `inputs[${i}].amount`),
        id: string(p.id, `inputs[${i}].id`, 66),
        secret: string(p.secret, `inputs[${i}].secret`, MAX_SECRET_LENGTH),
        C: pubkeyHex(p.C, `inputs[${i}].C`),
      };
      if (typeof p.witness === 'string') input.witness = p.witness;
      return input;
    });
    if (new Set(inputs.map((p) => p.secret)).size !== inputs.length) throw mintError(ErrorCode.DUPLICATE_INPUTS, 'duplicate inputs');
    return inputs;
  }

  /** Verifies C = k·Y for each input; returns Y (hex) per input and the inputs' unit. */
  private verifyInputs(inputs: Proof[]): { ys: string[]; unit: string } {
    let unit: string | undefined;
    const ys = inputs.map((p) => {
      const keyset = this.keysets.live(p.id);
      if (unit !== undefined && keyset.unit !== unit) throw mintError(ErrorCode.MULTIPLE_UNITS, 'inputs of several units');
      unit = keyset.unit;
      const index = amountExponent(p.amount);
      if (index === undefined) throw mintError(ErrorCode.PROOF_VERIFICATION_FAILED, 'input amount is not in the keyset');
      const Y = hashToCurve(new TextEncoder().encode(p.secret));
      if (!equalBytes(secp().multiply(Y, keyset.privkeys[index]!), hexToBytes(p.C))) throw mintError(ErrorCode.PROOF_VERIFICATION_FAILED, 'proof verification failed');
      return bytesToHex(Y);
    });
    return { ys, unit: unit! };
  }

  /** POST /v1/swap {inputs, outputs}: inputs marked spent and outputs signed in one transaction. */
  swap(body: unknown): { signatures: Json[] } {
    const b = object(body);
    const inputs = this.parseInputs(b.inputs);
    const outputs = this.parseOutputs(b.outputs);
    if (outputs.length === 0) throw bad('outputs must not be empty');
    const { ys, unit } = this.verifyInputs(inputs);
    const inSum = inputs.reduce((x, p) => x + p.amount, 0n);
    const outSum = this.checkOutputs(outputs, unit);
    if (inSum !== outSum) throw mintError(ErrorCode.TRANSACTION_UNBALANCED, 'inputs and outputs are not balanced');
    try {
      checkSpendingConditions(inputs, outputs, this.now());
    } catch (error) {
      if (error instanceof SpendingConditionError) throw mintError(ErrorCode.PROOF_VERIFICATION_FAILED, error.message);
      throw error;
    }
    const now = this.now();
    const signatures = this.store.transaction(() => {
      inputs.forEach((p, i) => {
        try {
          this.store.markSpent(ys[i]!, p.id, p.amount, p.witness ?? null, now);
        } catch (error) {
          if (isConstraintError(error)) throw mintError(ErrorCode.PROOFS_ALREADY_SPENT, 'proofs already spent');
          throw error;
        }
      });
      return outputs.map((o) => this.signOutput(o, now));
    });
    return { signatures };
  }

  /** POST /v1/checkstate {Ys}. */
  checkState(body: unknown): { states: Json[] } {
    const ys = array(object(body).Ys, 'Ys', MAX_INPUTS, ErrorCode.MAX_INPUTS_EXCEEDED).map((y, i) => pubkeyHex(y, `Ys[${i}]`));
    return {
      states: ys.map((Y) => {
        const spent = this.store.spent(Y);
        return { Y, state: spent ? 'SPENT' : 'UNSPENT', witness: spent?.witness ?? null };
      }),
    };
  }

  /** POST /v1/restore {outputs}: the signatures this mint issued for those B_ (amounts in the request are ignored). */
  restore(body: unknown): { outputs: Json[]; signatures: Json[] } {
    const list = array(object(body).outputs, 'outputs', MAX_OUTPUTS, ErrorCode.MAX_OUTPUTS_EXCEEDED);
    const outputs: Json[] = [];
    const signatures: Json[] = [];
    list.forEach((raw, i) => {
      const B_ = pubkeyHex(object(raw, `outputs[${i}]`).B_, `outputs[${i}].B_`);
      const sig = this.store.signature(B_);
      if (!sig) return;
      outputs.push({ amount: sig.amount, id: sig.keysetId, B_ });
      signatures.push({ id: sig.keysetId, amount: sig.amount, C_: sig.C_, dleq: { e: sig.e, s: sig.s } });
    });
    return { outputs, signatures };
  }
}

/**
 * NIP-60 (cashu wallet on nostr), NIP-09 deletions for it, NIP-40 expiration of its quote events, and the NUT-27
 * mint-list event, as pure builders and parsers: event templates in, event templates out, no I/O, no clock, no signing.
 * Structure follows the spec text exactly (test/fixtures/nostr/60.md, cashubtc/nuts 27.md); nothing
 * is added to it, so another NIP-60 wallet reads what this one writes.
 *
 * Amounts are bigints: ehash amounts reach 2^63, beyond a JSON number's exact range. They are written as
 * JSON integers (exact digits) and read back exactly.
 */
import type { Proof } from '../../lib/protocol/cashu';
import * as nip44 from './nip44';

export const KIND_WALLET = 17375;
export const KIND_TOKEN = 7375;
export const KIND_QUOTE = 7374;
export const KIND_HISTORY = 7376;
export const KIND_DELETION = 5;
export const KIND_MINT_LIST = 30078;
export const MINT_LIST_D = 'mint-list';
const CLIENT_TAG = ['client', 'axewallet'];

/**
 * The longest unit accepted: NIP-60 puts no limit on it, and hashpool's epoch units `hash_<66 hex>_<height>[_n]`
 * are 78 characters and more.
 */
export const MAX_UNIT_LENGTH = 256;
/** NIP-60: a quote event expires after about two weeks (NIP-40 `expiration`). */
export const QUOTE_EVENT_LIFETIME_SECONDS = 14 * 86_400;

/** The largest decrypted payload accepted from a relay (NIP-44 allows more; a wallet event never needs it). */
export const MAX_PLAINTEXT_BYTES = 256 * 1024;

export class Nip60Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Nip60Error';
  }
}

export interface EventTemplate {
  kind: number;
  tags: string[][];
  content: string;
  created_at: number;
}

/** A signed event as it comes from a relay (already verified by the caller before any parse here). */
export interface SignedEvent extends EventTemplate {
  id: string;
  pubkey: string;
  sig: string;
}

export type { Proof };

export interface WalletContent {
  privkey: string;
  mints: string[];
}

export interface TokenContent {
  mint: string;
  unit: string;
  proofs: Proof[];
  /** token event ids this one replaces */
  del: string[];
}

export interface HistoryContent {
  direction: 'in' | 'out';
  amount: bigint;
  unit: string;
  created: string[];
  destroyed: string[];
}

export interface MintListContent {
  mints: string[];
  timestamp: number;
}

/** NIP-44 v2 self-encryption: the conversation key of (my secret key, my public key), computed once. */
export interface SelfCipher {
  encrypt(plaintext: string): string;
  decrypt(payload: string): string;
}

export function selfCipher(secretKey: Uint8Array, publicKeyHex: string): SelfCipher {
  const conversationKey = nip44.getConversationKey(secretKey, publicKeyHex);
  return {
    encrypt: (plaintext) => nip44.encrypt(plaintext, conversationKey),
    decrypt: (payload) => nip44.decrypt(payload, conversationKey),
  };
}

const HEX64 = /^[0-9a-f]{64}$/;
const KEYSET_ID = /^[0-9a-fA-F]{16}$|^[0-9a-fA-F]{66}$/;

// ---------------------------------------------------------------- JSON with exact integer amounts

const BIG_AMOUNT = /"amount":(\d{16,})/g;

function stringifyExact(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    marks.push(v.toString());
    return `\u0000big${marks.length - 1}`;
  });
  return marks.length === 0 ? text : text.replace(/"\\u0000big(\d+)"/g, (_m, i: string) => marks[Number(i)]!);
}

function parseExact(text: string): unknown {
  try {
    return JSON.parse(text.replace(BIG_AMOUNT, '"amount":"$1"'));
  } catch {
    throw new Nip60Error('content is not JSON');
  }
}

function amountOf(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    const amount = BigInt(value);
    if (amount < 2n ** 64n) return amount;
  }
  throw new Nip60Error(`${what} is not a non-negative integer`);
}

function str(value: unknown, what: string, max = 4096): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new Nip60Error(`${what} is missing or not a string`);
  return value;
}

function mintUrl(value: unknown): string {
  const url = str(value, 'mint', 512);
  if (!/^https?:\/\/\S+$/.test(url)) throw new Nip60Error('mint is not an http(s) URL');
  return url;
}

function proofOf(raw: unknown): Proof {
  if (!raw || typeof raw !== 'object') throw new Nip60Error('a proof is not an object');
  const p = raw as Record<string, unknown>;
  const id = str(p.id, 'proof id', 66);
  if (!KEYSET_ID.test(id)) throw new Nip60Error('proof id is not a keyset id');
  const C = str(p.C, 'proof C', 66);
  if (!/^0[23][0-9a-fA-F]{64}$/.test(C)) throw new Nip60Error('proof C is not a compressed point');
  const proof: Proof = { id, amount: amountOf(p.amount, 'proof amount'), secret: str(p.secret, 'proof secret'), C };
  if (p.dleq && typeof p.dleq === 'object') {
    const d = p.dleq as Record<string, unknown>;
    proof.dleq = { e: str(d.e, 'dleq e', 64), s: str(d.s, 'dleq s', 64) };
    if (typeof d.r === 'string') proof.dleq.r = d.r;
  }
  if (typeof p.witness === 'string') proof.witness = p.witness;
  return proof;
}

function checkPlaintext(plaintext: string): void {
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new Nip60Error('content is too large');
}

// ---------------------------------------------------------------- kind 17375 wallet

export function buildWalletEvent(content: WalletContent, cipher: SelfCipher, createdAt: number): EventTemplate {
  if (content.mints.length === 0) throw new Nip60Error('a wallet event needs at least one mint');
  if (!HEX64.test(content.privkey)) throw new Nip60Error('wallet privkey must be 32 bytes hex');
  const tags = [['privkey', content.privkey], ...content.mints.map((m) => ['mint', m])];
  return { kind: KIND_WALLET, tags: [], content: cipher.encrypt(JSON.stringify(tags)), created_at: createdAt };
}

export function parseWalletContent(plaintext: string): WalletContent {
  checkPlaintext(plaintext);
  const tags = parseExact(plaintext);
  if (!Array.isArray(tags)) throw new Nip60Error('wallet content is not a tag list');
  let privkey: string | undefined;
  const mints: string[] = [];
  for (const tag of tags) {
    if (!Array.isArray(tag)) continue;
    if (tag[0] === 'privkey' && typeof tag[1] === 'string' && HEX64.test(tag[1])) privkey = tag[1];
    else if (tag[0] === 'mint') mints.push(mintUrl(tag[1]));
  }
  if (!privkey) throw new Nip60Error('wallet content has no privkey');
  return { privkey, mints: [...new Set(mints)] };
}

// ---------------------------------------------------------------- kind 7375 token

export function buildTokenEvent(content: TokenContent, cipher: SelfCipher, createdAt: number): EventTemplate {
  if (content.proofs.length === 0) throw new Nip60Error('a token event holds one or more proofs');
  const body: Record<string, unknown> = { mint: content.mint, unit: content.unit, proofs: content.proofs };
  if (content.del.length > 0) body.del = content.del;
  return { kind: KIND_TOKEN, tags: [], content: cipher.encrypt(stringifyExact(body)), created_at: createdAt };
}

export function parseTokenContent(plaintext: string): TokenContent {
  checkPlaintext(plaintext);
  const body = parseExact(plaintext);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Nip60Error('token content is not an object');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.proofs)) throw new Nip60Error('token content has no proofs');
  const del = Array.isArray(b.del) ? b.del.filter((id): id is string => typeof id === 'string' && HEX64.test(id)) : [];
  return { mint: mintUrl(b.mint), unit: b.unit === undefined ? 'sat' : str(b.unit, 'unit', MAX_UNIT_LENGTH), proofs: b.proofs.map(proofOf), del };
}

// ---------------------------------------------------------------- kind 7376 history

export function buildHistoryEvent(content: HistoryContent, cipher: SelfCipher, createdAt: number): EventTemplate {
  const tags = [
    ['direction', content.direction],
    ['amount', content.amount.toString()],
    ['unit', content.unit],
    ...content.destroyed.map((id) => ['e', id, '', 'destroyed']),
    ...content.created.map((id) => ['e', id, '', 'created']),
  ];
  return { kind: KIND_HISTORY, tags: [], content: cipher.encrypt(JSON.stringify(tags)), created_at: createdAt };
}

export function parseHistoryContent(plaintext: string): HistoryContent {
  checkPlaintext(plaintext);
  const tags = parseExact(plaintext);
  if (!Array.isArray(tags)) throw new Nip60Error('history content is not a tag list');
  let direction: 'in' | 'out' | undefined;
  let amount: bigint | undefined;
  let unit = 'sat';
  const created: string[] = [];
  const destroyed: string[] = [];
  for (const tag of tags) {
    if (!Array.isArray(tag)) continue;
    const [name, value, , marker] = tag as unknown[];
    if (name === 'direction' && (value === 'in' || value === 'out')) direction = value;
    else if (name === 'amount') amount = amountOf(value, 'history amount');
    else if (name === 'unit') unit = str(value, 'unit', MAX_UNIT_LENGTH);
    else if (name === 'e' && typeof value === 'string' && HEX64.test(value)) {
      if (marker === 'created') created.push(value);
      else if (marker === 'destroyed') destroyed.push(value);
    }
  }
  if (!direction || amount === undefined) throw new Nip60Error('history content needs direction and amount');
  return { direction, amount, unit, created, destroyed };
}

// ---------------------------------------------------------------- kind 7374 quote

export interface QuoteContent {
  quoteId: string;
  mint: string;
  /** NIP-40: unix seconds after which relays may drop the event */
  expiration: number;
}

/** A mint quote not redeemed yet (NIP-60 "Redeeming a quote"): its id encrypted to self, the mint and expiration in clear tags. */
export function buildQuoteEvent(content: QuoteContent, cipher: SelfCipher, createdAt: number): EventTemplate {
  str(content.quoteId, 'quote id', 256);
  mintUrl(content.mint);
  if (!Number.isSafeInteger(content.expiration) || content.expiration <= createdAt) throw new Nip60Error('a quote event expires after it is created');
  return {
    kind: KIND_QUOTE,
    tags: [
      ['expiration', String(content.expiration)],
      ['mint', content.mint],
    ],
    content: cipher.encrypt(content.quoteId),
    created_at: createdAt,
  };
}

/** The quote event's tags and decrypted content (the quote id). */
export function parseQuoteEvent(event: EventTemplate, plaintext: string): QuoteContent {
  checkPlaintext(plaintext);
  if (event.kind !== KIND_QUOTE) throw new Nip60Error('not a quote event');
  const tag = (name: string) => event.tags.find((t) => t[0] === name)?.[1];
  const expiration = Number(tag('expiration'));
  if (!Number.isSafeInteger(expiration)) throw new Nip60Error('quote event has no expiration');
  return { quoteId: str(plaintext, 'quote id', 256), mint: mintUrl(tag('mint')), expiration };
}

// ---------------------------------------------------------------- kind 5 deletion (NIP-09)

/** Deletes replaced token events; NIP-60 requires the `k` tag so wallets can filter state transitions. */
export function buildTokenDeletion(eventIds: string[], createdAt: number): EventTemplate {
  return buildDeletion(eventIds, KIND_TOKEN, createdAt);
}

/** Deletes quote events of quotes now minted (or given up), before their expiration. */
export function buildQuoteDeletion(eventIds: string[], createdAt: number): EventTemplate {
  return buildDeletion(eventIds, KIND_QUOTE, createdAt);
}

function buildDeletion(eventIds: string[], kind: number, createdAt: number): EventTemplate {
  if (eventIds.length === 0) throw new Nip60Error('a deletion names one or more events');
  for (const id of eventIds) if (!HEX64.test(id)) throw new Nip60Error('a deleted event id is 32 bytes hex');
  return { kind: KIND_DELETION, tags: [...eventIds.map((id) => ['e', id]), ['k', String(kind)]], content: '', created_at: createdAt };
}

/** The event ids a deletion request names (NIP-09 `e` tags). Only the author's own events may be removed by it. */
export function deletedEventIds(event: EventTemplate): string[] {
  if (event.kind !== KIND_DELETION) return [];
  return event.tags.filter((t) => t[0] === 'e' && typeof t[1] === 'string' && HEX64.test(t[1])).map((t) => t[1]!);
}

// ---------------------------------------------------------------- NUT-27 mint list (kind 30078)

export function buildMintListEvent(content: MintListContent, cipher: SelfCipher, createdAt: number): EventTemplate {
  return {
    kind: KIND_MINT_LIST,
    tags: [['d', MINT_LIST_D], CLIENT_TAG],
    content: cipher.encrypt(JSON.stringify({ mints: content.mints, timestamp: content.timestamp })),
    created_at: createdAt,
  };
}

export function parseMintListContent(plaintext: string): MintListContent {
  checkPlaintext(plaintext);
  const body = parseExact(plaintext) as Record<string, unknown> | null;
  if (!body || typeof body !== 'object' || !Array.isArray(body.mints)) throw new Nip60Error('mint list has no mints');
  const timestamp = typeof body.timestamp === 'number' && Number.isSafeInteger(body.timestamp) ? body.timestamp : 0;
  return { mints: [...new Set(body.mints.map(mintUrl))], timestamp };
}

export function isMintListEvent(event: EventTemplate): boolean {
  return event.kind === KIND_MINT_LIST && event.tags.some((t) => t[0] === 'd' && t[1] === MINT_LIST_D);
}

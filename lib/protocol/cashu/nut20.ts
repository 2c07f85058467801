/**
 * NUT-20 mint-quote signatures (BIP340 over SHA256 of a message binding the quote to the outputs) in both
 * formats a mint meets today, and the quote-lookup-by-pubkey signature of the draft NUT that CDK and
 * hashpool use.
 *
 * - current: "Cashu_MintQuoteSig_v1" || len32(quote) || quote || per output: len32(amount) || amount
 *   (minimal big-endian, 0 = empty) || len32(B_) || B_ (33 raw bytes); len32 is a 4-byte big-endian length.
 * - legacy: utf8(quote || hex(B_0) || hex(B_1) ...), which cashu-ts falls back to on error 20008.
 * - lookup: utf8("Cashu_MintQuoteLookup_v1" || mint_pubkey_hex || pubkey_hex), hex in lower case (CDK / hashpool's
 *   POST /v1/mint/quote/pubkey); the method-scoped route of draft #341 appends the request's `timestamp` (decimal unix
 *   seconds) so a captured signature stops working after the mint's +-300 s window. #341 is unmerged and its bytes
 *   still move; this is the form the devnet and the wallet share until it merges.
 */
import { createHash } from 'node:crypto';
import { sha256 } from './hash';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { verifySchnorrEach } from './schnorr-batch';
import { schnorrSign, schnorrSignMany, schnorrVerify } from './secp';

export type Nut20Format = 'current' | 'legacy';

export interface SignedOutput {
  amount: bigint;
  /** Compressed blinded message B_, hex. */
  B_: string;
}

const QUOTE_SIG_DOMAIN = utf8ToBytes('Cashu_MintQuoteSig_v1');
const LOOKUP_DOMAIN = 'Cashu_MintQuoteLookup_v1';

function minimalBigEndian(amount: bigint): Uint8Array {
  if (amount < 0n) throw new Error('amount must not be negative');
  if (amount === 0n) return new Uint8Array(0);
  let hex = amount.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return hexToBytes(hex);
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, false);
  out.set(bytes, 4);
  return out;
}

/**
 * The outputs' part of both messages, built once per request: in a NUT-29 batch every quote's signature
 * covers all outputs, so re-serializing them per quote would make verification quadratic.
 */
export interface PreparedOutputs {
  readonly current: Uint8Array;
  readonly legacy: Uint8Array;
}

export function prepareOutputs(outputs: readonly SignedOutput[]): PreparedOutputs {
  return {
    current: concatBytes(...outputs.flatMap((o) => [lengthPrefixed(minimalBigEndian(o.amount)), lengthPrefixed(hexToBytes(o.B_))])),
    legacy: utf8ToBytes(outputs.map((o) => o.B_).join('')),
  };
}

function prepared(outputs: readonly SignedOutput[] | PreparedOutputs): PreparedOutputs {
  return Array.isArray(outputs) ? prepareOutputs(outputs as readonly SignedOutput[]) : (outputs as PreparedOutputs);
}

/** The 32-byte digest a NUT-20 signature signs, in either format. */
export function mintQuoteDigest(quoteId: string, outputs: readonly SignedOutput[] | PreparedOutputs, format: Nut20Format = 'current'): Uint8Array {
  const body = prepared(outputs);
  // node:crypto: a batch hashes every output once per quote, kilobytes each time, where it is ~10x noble.
  const hash = createHash('sha256');
  if (format === 'legacy') return hash.update(utf8ToBytes(quoteId)).update(body.legacy).digest();
  return hash
    .update(QUOTE_SIG_DOMAIN)
    .update(lengthPrefixed(utf8ToBytes(quoteId)))
    .update(body.current)
    .digest();
}

/** Wallet: signature (hex) for minting `outputs` against a quote locked to `privkey`'s pubkey. */
export function signMintQuote(quoteId: string, outputs: readonly SignedOutput[] | PreparedOutputs, privkey: Uint8Array, format: Nut20Format = 'current'): string {
  return bytesToHex(schnorrSign(mintQuoteDigest(quoteId, outputs, format), privkey));
}

/**
 * Wallet: the signatures (hex) of every quote of a NUT-29 batch over the same outputs, in one backend call (on native,
 * the key's P = d·G once for the batch).
 */
export function signMintQuotes(quoteIds: readonly string[], outputs: readonly SignedOutput[] | PreparedOutputs, privkey: Uint8Array, format: Nut20Format = 'current'): string[] {
  const body = prepared(outputs);
  return schnorrSignMany(
    quoteIds.map((q) => mintQuoteDigest(q, body, format)),
    privkey,
  ).map((sig) => bytesToHex(sig));
}

export interface QuoteSignature {
  quoteId: string;
  /** hex, 33 bytes */
  pubkey: string;
  /** hex, 64 bytes */
  signature: string;
}

/**
 * Mint: each quote's verdict for a NUT-29 batch over the same outputs. All signatures are checked together (BIP340
 * batch verification, schnorr-batch.ts) in the first format; those that fail are tried in the next format, and so on.
 * A malformed pubkey or signature is false. Never throws.
 */
export function verifyMintQuoteSignatures(quotes: readonly QuoteSignature[], outputs: readonly SignedOutput[] | PreparedOutputs, formats: readonly Nut20Format[] = ['current']): boolean[] {
  const body = prepared(outputs);
  const verdicts = quotes.map(() => false);
  const wellFormed = quotes.map((q) => /^[0-9a-fA-F]{128}$/.test(q.signature) && /^0[23][0-9a-fA-F]{64}$/.test(q.pubkey));
  for (const format of formats) {
    const open = quotes.map((_, i) => i).filter((i) => wellFormed[i] && !verdicts[i]);
    if (open.length === 0) break;
    const results = verifySchnorrEach(
      open.map((i) => ({ digest: mintQuoteDigest(quotes[i]!.quoteId, body, format), xonly: hexToBytes(quotes[i]!.pubkey).subarray(1), signature: hexToBytes(quotes[i]!.signature) })),
    );
    open.forEach((i, j) => (verdicts[i] = results[j]!));
  }
  return verdicts;
}

/** Mint: true when `signature` (hex) signs the outputs for `quoteId` under `pubkey` (hex, 33 bytes). Never throws. */
export function verifyMintQuoteSignature(quoteId: string, outputs: readonly SignedOutput[] | PreparedOutputs, pubkey: string, signature: string, format: Nut20Format = 'current'): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signature) || !/^0[23][0-9a-fA-F]{64}$/.test(pubkey)) return false;
  try {
    return schnorrVerify(mintQuoteDigest(quoteId, outputs, format), hexToBytes(pubkey), hexToBytes(signature));
  } catch {
    return false;
  }
}

export function quoteLookupDigest(mintPubkey: string, pubkey: string, timestamp?: number): Uint8Array {
  return sha256(utf8ToBytes(LOOKUP_DOMAIN + mintPubkey.toLowerCase() + pubkey.toLowerCase() + (timestamp === undefined ? '' : String(timestamp))));
}

/** Wallet: the `pubkey_signatures` entry proving control of `privkey`'s pubkey to the mint with `mintPubkey`. */
export function signQuoteLookup(mintPubkey: string, pubkey: string, privkey: Uint8Array, timestamp?: number): string {
  return bytesToHex(schnorrSign(quoteLookupDigest(mintPubkey, pubkey, timestamp), privkey));
}

/** Mint: checks one lookup signature. Never throws. */
export function verifyQuoteLookup(mintPubkey: string, pubkey: string, signature: string, timestamp?: number): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signature) || !/^0[23][0-9a-fA-F]{64}$/.test(pubkey)) return false;
  return schnorrVerify(quoteLookupDigest(mintPubkey, pubkey, timestamp), hexToBytes(pubkey), hexToBytes(signature));
}

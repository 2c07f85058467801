/**
 * NUT-20 mint-quote signatures (BIP340 over SHA256 of a message binding the quote to the outputs) in both
 * formats a mint meets today, and the quote-lookup-by-pubkey signature of the draft NUT that CDK and
 * hashpool use.
 *
 * - current: "Cashu_MintQuoteSig_v1" || len32(quote) || quote || per output: len32(amount) || amount
 *   (minimal big-endian, 0 = empty) || len32(B_) || B_ (33 raw bytes); len32 is a 4-byte big-endian length.
 * - legacy: utf8(quote || hex(B_0) || hex(B_1) ...), which cashu-ts falls back to on error 20008.
 * - lookup: utf8("Cashu_MintQuoteLookup_v1" || mint_pubkey_hex || pubkey_hex), hex in lower case.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { schnorrSign, schnorrVerify } from './secp';

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

function lengthPrefixed(parts: Uint8Array[], bytes: Uint8Array): void {
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, bytes.length, false);
  parts.push(len, bytes);
}

/** The 32-byte digest a NUT-20 signature signs, in either format. */
export function mintQuoteDigest(quoteId: string, outputs: readonly SignedOutput[], format: Nut20Format = 'current'): Uint8Array {
  if (format === 'legacy') return sha256(utf8ToBytes(quoteId + outputs.map((o) => o.B_).join('')));
  const h = sha256.create();
  h.update(QUOTE_SIG_DOMAIN);
  const parts: Uint8Array[] = [];
  lengthPrefixed(parts, utf8ToBytes(quoteId));
  for (const output of outputs) {
    lengthPrefixed(parts, minimalBigEndian(output.amount));
    lengthPrefixed(parts, hexToBytes(output.B_));
  }
  for (const part of parts) h.update(part);
  return h.digest();
}

/** Wallet: signature (hex) for minting `outputs` against a quote locked to `privkey`'s pubkey. */
export function signMintQuote(quoteId: string, outputs: readonly SignedOutput[], privkey: Uint8Array, format: Nut20Format = 'current'): string {
  return bytesToHex(schnorrSign(mintQuoteDigest(quoteId, outputs, format), privkey));
}

/** Mint: true when `signature` (hex) signs the outputs for `quoteId` under `pubkey` (hex, 33 bytes). Never throws. */
export function verifyMintQuoteSignature(
  quoteId: string,
  outputs: readonly SignedOutput[],
  pubkey: string,
  signature: string,
  format: Nut20Format = 'current',
): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signature) || !/^0[23][0-9a-fA-F]{64}$/.test(pubkey)) return false;
  try {
    return schnorrVerify(mintQuoteDigest(quoteId, outputs, format), hexToBytes(pubkey), hexToBytes(signature));
  } catch {
    return false;
  }
}

export function quoteLookupDigest(mintPubkey: string, pubkey: string): Uint8Array {
  return sha256(utf8ToBytes(LOOKUP_DOMAIN + mintPubkey.toLowerCase() + pubkey.toLowerCase()));
}

/** Wallet: the `pubkey_signatures` entry proving control of `privkey`'s pubkey to the mint with `mintPubkey`. */
export function signQuoteLookup(mintPubkey: string, pubkey: string, privkey: Uint8Array): string {
  return bytesToHex(schnorrSign(quoteLookupDigest(mintPubkey, pubkey), privkey));
}

/** Mint: checks one lookup signature. Never throws. */
export function verifyQuoteLookup(mintPubkey: string, pubkey: string, signature: string): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signature) || !/^0[23][0-9a-fA-F]{64}$/.test(pubkey)) return false;
  return schnorrVerify(quoteLookupDigest(mintPubkey, pubkey), hexToBytes(pubkey), hexToBytes(signature));
}

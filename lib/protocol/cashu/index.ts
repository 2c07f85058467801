/**
 * Cashu crypto on libsecp256k1 (see secp.ts), the one place the wallet and the devnet mint get it from.
 *
 * Wallet hot path, per minted output (all hex in, hex out):
 *   const B_ = blindedMessageHex(secret, r)                            // NUT-00 blinding
 *   const sig = signMintQuote(quoteId, [{ amount, B_ }], lockPrivkey)  // NUT-20 ('legacy' as 4th arg after 20008)
 *   const C = unblindVerifiedHex({ B_, C_, dleq, A }, r)               // NUT-12 check, then NUT-00 unblinding
 *   if (C === undefined) reject                                        // A = mint key for the amount
 * and per NUT-29 batch, in one backend call each: signMintQuotes (wallet), unblindVerifiedBatchHex (wallet),
 * verifyMintQuoteSignatures (mint).
 *
 * Pure: the secp256k1 backend is noble until an entry point installs a native one (lib/platform).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { blindMessage, unblindSignature } from './nut00';
import { verifyDleq, verifyDleqAndUnblindBatch, verifyProofDleq } from './nut12';
import { type DleqItem, secp } from './secp';

export { blindMessage, blindMessages, equalBytes, hashToCurve, type Proof, secretToCurve, signBlindedMessage, unblindSignature, verifyProofSignature } from './nut00';
export { createDleq, hashE, verifyDleq, verifyDleqAndUnblind, verifyDleqAndUnblindBatch, verifyProofDleq, type Dleq } from './nut12';
export { isValidKeysetKeys, keysetIdV1, keysetIdV2, type KeysetIdV2Options, type KeysetKeys } from './nut02';
export { outputSecretDeriver, type OutputSecret } from './nut13';
export {
  mintQuoteDigest,
  prepareOutputs,
  quoteLookupDigest,
  signMintQuote,
  signMintQuotes,
  signQuoteLookup,
  verifyMintQuoteSignature,
  verifyMintQuoteSignatures,
  verifyQuoteLookup,
  type Nut20Format,
  type PreparedOutputs,
  type QuoteSignature,
  type SignedOutput,
} from './nut20';
export { verifySchnorrBatch, verifySchnorrEach, type SchnorrItem } from './schnorr-batch';
export {
  checkSpendingConditions,
  conditionsSatisfied,
  countValidSigners,
  p2pkConditions,
  parseWellKnownSecret,
  sigAllMessage,
  SpendingConditionError,
  witnessSignatures,
  type P2PKConditions,
  type P2PKSecret,
  type SigFlag,
  type SpendInput,
} from './nut11';
export { CURVE_ORDER, isValidScalar, nobleBackend, schnorrSign, schnorrSignMany, schnorrVerify, secp, useBackend, type DleqItem, type SecpBackend } from './secp';

export interface DleqHex {
  e: string;
  s: string;
}

// Mint keys, uncompressed: every signature of a batch is checked and unblinded against the same few keys.
const MINT_KEY_CACHE_LIMIT = 4096;
const mintKeys = new Map<string, Uint8Array>();
function mintKeyPoint(hex: string): Uint8Array {
  let point = mintKeys.get(hex);
  if (!point) {
    point = secp().uncompressed(hexToBytes(hex));
    if (mintKeys.size >= MINT_KEY_CACHE_LIMIT) mintKeys.clear();
    mintKeys.set(hex, point);
  }
  return point;
}

/** B_ (hex) for a secret string and blinding factor r (32 bytes). */
export function blindedMessageHex(secret: string, r: Uint8Array): string {
  return bytesToHex(blindMessage(new TextEncoder().encode(secret), r));
}

/** NUT-12 check of a blind signature as it arrives from the mint; false on any malformed field. */
export function verifyBlindSignatureHex(sig: { B_: string; C_: string; dleq: DleqHex; A: string }): boolean {
  try {
    return verifyDleq({ e: hexToBytes(sig.dleq.e), s: hexToBytes(sig.dleq.s) }, hexToBytes(sig.B_), hexToBytes(sig.C_), mintKeyPoint(sig.A));
  } catch {
    return false;
  }
}

export interface BlindSignatureHex {
  B_: string;
  C_: string;
  dleq: DleqHex;
  /** the mint's key for the output's amount */
  A: string;
}

/**
 * The wallet's per-output step: the NUT-12 check of a blind signature, then C = C_ - r·A. Undefined when the check
 * fails or a field is malformed.
 */
export function unblindVerifiedHex(sig: BlindSignatureHex, r: Uint8Array): string | undefined {
  return unblindVerifiedBatchHex([sig], [r])[0];
}

/**
 * The wallet's step for a whole mint answer: every blind signature's NUT-12 check and unblinding in one backend call
 * (nut12.ts verifyDleqAndUnblindBatch). C (hex) per output whose proof holds; undefined for each whose proof fails or
 * whose fields are malformed, so the caller can say which.
 */
export function unblindVerifiedBatchHex(sigs: readonly BlindSignatureHex[], rs: readonly Uint8Array[]): (string | undefined)[] {
  const items: DleqItem[] = [];
  const at: number[] = [];
  sigs.forEach((sig, i) => {
    try {
      items.push({ A: mintKeyPoint(sig.A), B_: hexToBytes(sig.B_), C_: hexToBytes(sig.C_), e: hexToBytes(sig.dleq.e), s: hexToBytes(sig.dleq.s), r: rs[i]! });
      at.push(i);
    } catch {
      // malformed hex: undefined below
    }
  });
  const results = verifyDleqAndUnblindBatch(items);
  const out: (string | undefined)[] = sigs.map(() => undefined);
  at.forEach((i, j) => {
    const C = results[j];
    if (C) out[i] = bytesToHex(C);
  });
  return out;
}

/** NUT-12 check of a proof carrying {e, s, r}, as tokens do; false on any malformed field. */
export function verifyProofDleqHex(proof: { secret: string; C: string; dleq: DleqHex & { r: string }; A: string }): boolean {
  try {
    const { e, s, r } = proof.dleq;
    return verifyProofDleq({ e: hexToBytes(e), s: hexToBytes(s) }, hexToBytes(r), new TextEncoder().encode(proof.secret), hexToBytes(proof.C), hexToBytes(proof.A));
  } catch {
    return false;
  }
}

/** C = C_ - r·A, hex. */
export function unblindHex(C_: string, r: Uint8Array, A: string): string {
  return bytesToHex(unblindSignature(hexToBytes(C_), r, mintKeyPoint(A)));
}

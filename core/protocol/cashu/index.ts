/**
 * Cashu crypto on libsecp256k1 (see secp.ts), the one place the wallet and the devnet mint get it from.
 *
 * Wallet hot path, per minted output (all hex in, hex out):
 *   const B_ = blindedMessageHex(secret, r)                            // NUT-00 blinding
 *   const sig = signMintQuote(quoteId, [{ amount, B_ }], lockPrivkey)  // NUT-20 ('legacy' as 4th arg after 20008)
 *   const C = unblindVerifiedHex({ B_, C_, dleq, A }, r)               // NUT-12 check, then NUT-00 unblinding
 *   if (C === undefined) reject                                        // A = mint key for the amount
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { blindMessage, unblindSignature } from './bdhke';
import { verifyDleq, verifyDleqAndUnblind, verifyProofDleq } from './dleq';
import { secp } from './secp';

export { blindMessage, equalBytes, hashToCurve, secretToCurve, signBlindedMessage, unblindSignature, verifyProofSignature } from './bdhke';
export { createDleq, hashE, verifyDleq, verifyDleqAndUnblind, verifyProofDleq, type Dleq } from './dleq';
export { isValidKeysetKeys, keysetIdV1, keysetIdV2, type KeysetIdV2Options, type KeysetKeys } from './keyset';
export { outputSecretDeriver, type OutputSecret } from './nut13';
export {
  mintQuoteDigest,
  prepareOutputs,
  quoteLookupDigest,
  signMintQuote,
  signQuoteLookup,
  verifyMintQuoteSignature,
  verifyQuoteLookup,
  type Nut20Format,
  type PreparedOutputs,
  type SignedOutput,
} from './nut20';
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
} from './p2pk';
export { availableBackends, CURVE_ORDER, isValidScalar, schnorrSign, schnorrVerify, secp, useBackend, type SecpBackend } from './secp';

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

/**
 * The wallet's per-output step: the NUT-12 check of a blind signature, then C = C_ - r·A, with C_ parsed once
 * for both. Undefined when the check fails or a field is malformed.
 */
export function unblindVerifiedHex(sig: { B_: string; C_: string; dleq: DleqHex; A: string }, r: Uint8Array): string | undefined {
  try {
    const C = verifyDleqAndUnblind({ e: hexToBytes(sig.dleq.e), s: hexToBytes(sig.dleq.s) }, hexToBytes(sig.B_), hexToBytes(sig.C_), mintKeyPoint(sig.A), r);
    return C && bytesToHex(C);
  } catch {
    return undefined;
  }
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

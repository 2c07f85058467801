/**
 * NUT-12 discrete-log-equality proofs: the mint proves C_ = a·B_ for the same a as A = a·G, so a wallet
 * can tell a real signature from a forged or wrong-key one without asking the mint.
 */
import { sha256, hmacSha256 } from './hash';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { hashToCurve } from './nut00';
import { bytesToScalar, CURVE_ORDER, type DleqItem, dleqPoints, equalBytes, mod, scalarToBytes, secp } from './secp';

export interface Dleq {
  /** 32-byte challenge. */
  e: Uint8Array;
  /** 32-byte response. */
  s: Uint8Array;
}

const NONCE_DOMAIN = utf8ToBytes('Cashu_DLEQ_R_v1');

/** e = SHA256(utf8(hex(R1) || hex(R2) || hex(A) || hex(C_))) over uncompressed points (points may come in either encoding). */
export function hashE(points: Uint8Array[]): Uint8Array {
  const backend = secp();
  return sha256(utf8ToBytes(points.map((p) => bytesToHex(p.length === 65 ? p : backend.uncompressed(p))).join('')));
}

/** Deterministic nonce r = HMAC-SHA256(a, "Cashu_DLEQ_R_v1" || A || B_ || C_ || i) (points given uncompressed), first i in range. */
function nonce(privkey: Uint8Array, A: Uint8Array, blinded: Uint8Array, blindSig: Uint8Array): bigint {
  const base = concatBytes(NONCE_DOMAIN, A, blinded, blindSig);
  for (let i = 0; i < 256; i++) {
    const r = bytesToScalar(hmacSha256(privkey, concatBytes(base, Uint8Array.of(i))));
    if (r > 0n && r < CURVE_ORDER) return r;
  }
  throw new Error('DLEQ nonce derivation failed');
}

/** Mint: proof that `blindSig` = a·`blinded` (deterministic nonce). Pass the already known A and C_ to save two multiplications. */
export function createDleq(blinded: Uint8Array, privkey: Uint8Array, A?: Uint8Array, blindSig?: Uint8Array): Dleq {
  const backend = secp();
  const pub = A ?? backend.baseMultiply(privkey);
  const C_ = blindSig ?? backend.multiply(blinded, privkey);
  // each point converted once, for the nonce and hash_e alike
  const [pubU, blindedU, C_U] = [pub, blinded, C_].map((p) => backend.uncompressed(p)) as [Uint8Array, Uint8Array, Uint8Array];
  const r = nonce(privkey, pubU, blindedU, C_U);
  const rBytes = scalarToBytes(r);
  const e = hashE([backend.uncompressed(backend.baseMultiply(rBytes)), backend.multiply(blindedU, rBytes, true), pubU, C_U]);
  const s = mod(r + mod(bytesToScalar(e)) * bytesToScalar(privkey));
  return { e, s: scalarToBytes(s) };
}

/**
 * Wallet: checks a blind signature's DLEQ: R1 = s·G - e·A, R2 = s·B_ - e·C_, e == hash_e(R1, R2, A, C_). Never throws.
 * A and C_ may come uncompressed (callers that check many signatures under one key keep A so); the intermediate points stay
 * uncompressed, as hash_e wants them.
 */
export function verifyDleq(dleq: Dleq, blinded: Uint8Array, blindSig: Uint8Array, A: Uint8Array): boolean {
  const backend = secp();
  try {
    if (!scalarsInRange(dleq)) return false;
    const mintKey = A.length === 65 ? A : backend.uncompressed(A);
    const C_ = blindSig.length === 65 ? blindSig : backend.uncompressed(blindSig);
    const { R1, R2 } = dleqPoints(backend, mintKey, blinded, C_, dleq.e, dleq.s);
    return equalBytes(hashE([R1, R2, mintKey, C_]), dleq.e);
  } catch {
    return false;
  }
}

/**
 * Wallet, per output: the DLEQ check and the unblinding C = C_ - r·A in one backend call. C (compressed) when the
 * proof holds, else undefined. Never throws.
 */
export function verifyDleqAndUnblind(dleq: Dleq, blinded: Uint8Array, blindSig: Uint8Array, A: Uint8Array, r: Uint8Array): Uint8Array | undefined {
  return verifyDleqAndUnblindBatch([{ A, B_: blinded, C_: blindSig, e: dleq.e, s: dleq.s, r }])[0];
}

/**
 * Wallet, per mint answer: every blind signature's NUT-12 check and unblinding in one backend call (on native: one
 * pass of libsecp256k1 over the batch, comb tables for G and for a mint key it sees often, one inversion). C
 * (compressed) for each signature whose proof holds, undefined for each that does not, so the caller can name it.
 * NUT-12 proofs are (e, s): each check needs its own R1 and R2 to hash, so unlike BIP340 signatures (schnorr-batch.ts)
 * they cannot be folded into one random linear combination. Never throws.
 */
export function verifyDleqAndUnblindBatch(items: readonly DleqItem[]): (Uint8Array | undefined)[] {
  try {
    return secp().verifyDleqUnblind(items);
  } catch {
    return items.map(() => undefined);
  }
}

function scalarsInRange(dleq: Dleq): boolean {
  if (dleq.e.length !== 32 || dleq.s.length !== 32) return false;
  const s = bytesToScalar(dleq.s);
  const e = bytesToScalar(dleq.e);
  return s !== 0n && s < CURVE_ORDER && e !== 0n && e < CURVE_ORDER;
}

/** Anyone holding a proof and its blinding factor r: re-blind (B_ = Y + r·G, C_ = C + r·A) and verify. Never throws. */
export function verifyProofDleq(dleq: Dleq, r: Uint8Array, secret: Uint8Array, C: Uint8Array, A: Uint8Array): boolean {
  const backend = secp();
  try {
    const blinded = backend.addBase(hashToCurve(secret), r);
    const blindSig = backend.add(C, backend.multiply(A, r));
    return verifyDleq(dleq, blinded, blindSig, A);
  } catch {
    return false;
  }
}

/**
 * NUT-00 blind Diffie-Hellman key exchange: hash_to_curve, blinding, the mint's blind signature,
 * unblinding, and the mint's check of an unblinded proof.
 */
import { sha256 } from './hash';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { bytesToScalar, compressPoint, equalBytes, isValidScalar, mod, negatePoint, ONE, scalarToBytes, secp } from './secp';

export { equalBytes };

/**
 * A proof in NUT-00's shape: the one shape the wallet, the backup and the devnet share. The amount stays a
 * bigint from the wire (u64) to the backup; JSON writers put it out as a bare number.
 */
export interface Proof {
  /** keyset id */
  id: string;
  amount: bigint;
  secret: string;
  /** unblinded signature, compressed point hex */
  C: string;
  /** NUT-12 proof carried along (r included when it travels in a token) */
  dleq?: { e: string; s: string; r?: string };
  /** NUT-11 witness (JSON) */
  witness?: string;
}

const DOMAIN = utf8ToBytes('Secp256k1_HashToCurve_Cashu_');

/** Y = hash_to_curve(x): the first valid 02||SHA256(SHA256(DOMAIN||x)||counter_le32), counter < 2^16. */
export function hashToCurve(message: Uint8Array): Uint8Array {
  const msgHash = messageHash(message);
  const counter = new Uint8Array(4);
  const view = new DataView(counter.buffer);
  const candidate = new Uint8Array(33);
  candidate[0] = 2;
  const backend = secp();
  for (let i = 0; i < 0x10000; i++) {
    view.setUint32(0, i, true);
    candidate.set(sha256(concatBytes(msgHash, counter)), 1);
    if (backend.isPoint(candidate)) return Uint8Array.from(candidate);
  }
  throw new Error('hash_to_curve: no valid point found');
}

/** The cashu secret string as hash_to_curve sees it: its UTF-8 bytes. */
export function secretToCurve(secret: string): Uint8Array {
  return hashToCurve(utf8ToBytes(secret));
}

/** SHA256(DOMAIN || x): what hash_to_curve's candidates are hashed from. */
function messageHash(message: Uint8Array): Uint8Array {
  return sha256(concatBytes(DOMAIN, message));
}

/** Wallet: Y = hash_to_curve(secret) and B_ = Y + r·G for each secret, in one backend call where it has one. */
export function blindMessages(secrets: readonly Uint8Array[], rs: readonly Uint8Array[]): { Y: Uint8Array; B_: Uint8Array }[] {
  if (secrets.length !== rs.length) throw new Error('one blinding factor per secret');
  const backend = secp();
  if (backend.hashToCurveBlind) return backend.hashToCurveBlind(secrets.map(messageHash), rs);
  return secrets.map((secret, i) => {
    // as hashToCurveBlind: a zero r would leave B_ = Y, the secret's point unblinded
    if (!isValidScalar(rs[i]!)) throw new Error('blinding factor is zero or not below the curve order');
    const Y = hashToCurve(secret);
    return { Y, B_: backend.addBase(Y, rs[i]!) };
  });
}

/** Wallet: B_ = Y + r·G. */
export function blindMessage(secret: Uint8Array, r: Uint8Array): Uint8Array {
  return blindMessages([secret], [r])[0]!.B_;
}

/** Mint: C_ = k·B_. Throws on a B_ that is not a valid compressed point. */
export function signBlindedMessage(blinded: Uint8Array, privkey: Uint8Array): Uint8Array {
  const backend = secp();
  if (!backend.isPoint(blinded)) throw new Error('B_ is not a valid point');
  return backend.multiply(blinded, privkey);
}

/** Wallet: C = C_ - r·K (C_ and K in either encoding), compressed. */
export function unblindSignature(blindSig: Uint8Array, r: Uint8Array, mintPubkey: Uint8Array): Uint8Array {
  const k = isValidScalar(r) ? r : scalarToBytes(mod(bytesToScalar(r)));
  return compressPoint(
    secp().combine([
      [blindSig, ONE],
      [negatePoint(mintPubkey), k],
    ]),
  );
}

/** Mint: a proof (secret, C) is valid under key k when k·hash_to_curve(secret) == C. */
export function verifyProofSignature(secret: string, C: Uint8Array, privkey: Uint8Array): boolean {
  const backend = secp();
  if (!backend.isPoint(C)) return false;
  const expected = backend.multiply(secretToCurve(secret), privkey);
  return equalBytes(expected, C);
}

/**
 * BIP340 batch verification (BIP340, "Batch Verification"): signatures (rᵢ, sᵢ) of mᵢ under Pᵢ all hold when
 * (a₁s₁ + ... + aₙsₙ)·G = a₁·R₁ + ... + aₙ·Rₙ + a₁e₁·P₁ + ... + aₙeₙ·Pₙ with Rᵢ = lift_x(rᵢ), Pᵢ = lift_x(pkᵢ),
 * eᵢ = hash_challenge(rᵢ || pkᵢ || mᵢ), a₁ = 1 and a₂..aₙ random in [1, n-1] from a CSPRNG: one multi-scalar
 * multiplication (libsecp256k1's Strauss/Pippenger on native, noble's Pippenger) instead of n double
 * multiplications. Products of one key are summed first, so a batch under one key is n+1 points plus G.
 * A batch with a forged signature passes with probability about 2^-128. When a batch fails, halves are
 * checked again until each bad signature is named; a backend without a multi-scalar multiplication checks
 * one signature after the other.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { bytesToScalar, CURVE_ORDER, equalBytes, mod, scalarToBytes, secp, taggedHash, type Term } from './secp';

export interface SchnorrItem {
  /** 32 bytes */
  digest: Uint8Array;
  /** 32-byte x-only public key */
  xonly: Uint8Array;
  /** 64-byte BIP340 signature r || s */
  signature: Uint8Array;
}

const FIELD_PRIME = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
/** below this, halving a failed batch further costs more than checking each signature */
const SINGLE_BELOW = 4;
/** crypto.getRandomValues fills at most 65,536 bytes per call */
const RANDOM_CHUNK = 2048;

/** A uniformly random scalar in [1, n-1] from the system CSPRNG (WebCrypto's getRandomValues). */
export function randomWeight(): bigint {
  const bytes = new Uint8Array(32);
  for (;;) {
    globalThis.crypto.getRandomValues(bytes);
    const k = bytesToScalar(bytes);
    if (k > 0n && k < CURVE_ORDER) return k;
  }
}

function randomWeights(count: number): bigint[] {
  const weights: bigint[] = [];
  const bytes = new Uint8Array(32 * Math.min(count, RANDOM_CHUNK));
  while (weights.length < count) {
    globalThis.crypto.getRandomValues(bytes);
    for (let at = 0; at < bytes.length && weights.length < count; at += 32) {
      const k = bytesToScalar(bytes.subarray(at, at + 32));
      // a value outside [1, n-1] turns up with probability ~2^-128; it is drawn again
      weights.push(k > 0n && k < CURVE_ORDER ? k : randomWeight());
    }
  }
  return weights;
}

function wellFormed(item: SchnorrItem): boolean {
  return (
    item.digest.length === 32 &&
    item.xonly.length === 32 &&
    item.signature.length === 64 &&
    bytesToScalar(item.signature.subarray(0, 32)) < FIELD_PRIME &&
    bytesToScalar(item.signature.subarray(32)) < CURVE_ORDER
  );
}

const evenY = (x: Uint8Array): Uint8Array => {
  const point = new Uint8Array(33);
  point[0] = 2;
  point.set(x, 1);
  return point;
};

/**
 * True when every signature holds (one multi-scalar multiplication), false when at least one does not (or a key
 * or r is not on the curve). `weight` draws the random coefficients; only tests replace it. Never throws.
 */
export function verifySchnorrBatch(items: readonly SchnorrItem[], weight: (count: number) => bigint[] = randomWeights): boolean {
  if (items.length === 0) return true;
  if (!items.every(wellFormed)) return false;
  const weights = items.length === 1 ? [1n] : [1n, ...weight(items.length - 1)];
  const terms: Term[] = [];
  const keyWeights = new Map<string, { xonly: Uint8Array; sum: bigint }>();
  let key: { xonly: Uint8Array; sum: bigint } | undefined;
  let gSum = 0n;
  items.forEach((item, i) => {
    const a = weights[i]!;
    const r = item.signature.subarray(0, 32);
    const e = mod(bytesToScalar(taggedHash('BIP0340/challenge', r, item.xonly, item.digest)));
    terms.push([evenY(r), scalarToBytes(a)]);
    // a batch is usually one author's: the same key as the item before needs no lookup
    if (!key || !equalBytes(key.xonly, item.xonly)) {
      const keyHex = bytesToHex(item.xonly);
      key = keyWeights.get(keyHex);
      if (!key) keyWeights.set(keyHex, (key = { xonly: item.xonly, sum: 0n }));
    }
    key.sum += a * e;
    gSum += a * bytesToScalar(item.signature.subarray(32));
  });
  for (const { xonly, sum } of keyWeights.values()) terms.push([evenY(xonly), scalarToBytes(mod(sum))]);
  try {
    // Σ aᵢ·Rᵢ + Σ (aᵢeᵢ)·Pᵢ - (Σ aᵢsᵢ)·G = O
    return secp().isZeroSum(terms, scalarToBytes(mod(-gSum)));
  } catch {
    return false; // an r or a key that is not an x coordinate on the curve
  }
}

/** Each signature's verdict: one batch when all hold, halves of a failed batch until the bad ones are named. */
export function verifySchnorrEach(items: readonly SchnorrItem[]): boolean[] {
  const backend = secp();
  const single = (item: SchnorrItem) => item.digest.length === 32 && backend.verifySchnorr(item.digest, item.xonly, item.signature);
  if (!backend.multiScalar) return items.map(single);
  const verdicts: boolean[] = new Array<boolean>(items.length);
  const check = (from: number, to: number): void => {
    if (to - from < SINGLE_BELOW) {
      for (let i = from; i < to; i++) verdicts[i] = single(items[i]!);
      return;
    }
    if (verifySchnorrBatch(items.slice(from, to))) {
      verdicts.fill(true, from, to);
      return;
    }
    const middle = from + Math.floor((to - from) / 2);
    check(from, middle);
    check(middle, to);
  };
  check(0, items.length);
  return verdicts;
}

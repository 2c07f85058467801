/**
 * secp256k1 point arithmetic for cashu behind one interface, `SecpBackend`. This module is pure: its own
 * backend is noble (JavaScript, no I/O, runs anywhere) and it never loads a library by itself. Faster
 * backends (libsecp256k1 as a native addon with native/ecmult.node, or compiled to wasm) are built and
 * installed at the edge by lib/platform/secp.ts through `useBackend`, the way noble's crypto.ts /
 * cryptoNode.ts split works: entry points (core/app.ts, core/cli.ts, devnet, bench, test setup) install them.
 *
 * Points cross this boundary as 33-byte compressed encodings, scalars as 32-byte big-endian. The arithmetic
 * also takes and gives 65-byte uncompressed points on request: parsing one of those needs no square root,
 * which is a fifth of a multiplication's cost, so chains of operations and often-used keys stay uncompressed.
 * The composition helpers below (combine, the NUT-12 per-output step, BIP340) are what a backend without
 * the fused operations builds them from; secp.test.ts holds every backend to noble's answers.
 */
import { pippenger } from '@noble/curves/abstract/curve.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha256 } from './hash';

export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const FIELD_PRIME = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

export type BackendName = 'native+ecmult' | 'native' | 'wasm' | 'noble';

export interface SecpBackend {
  /** 'native+ecmult' is the native addon with native/ecmult.node for the fused and batch operations. */
  readonly name: BackendName;
  /** True when isZeroSum is one multi-scalar multiplication (Strauss/Pippenger), not a sum of single products. */
  readonly multiScalar: boolean;
  /** True for a valid compressed (33-byte) point on the curve. */
  isPoint(point: Uint8Array): boolean;
  /** k·G, compressed; constant time (k may be a private key). */
  baseMultiply(scalar: Uint8Array): Uint8Array;
  /** k·P, compressed unless `uncompressed`. Throws on an invalid point or a zero/out-of-range scalar. */
  multiply(point: Uint8Array, scalar: Uint8Array, uncompressed?: boolean): Uint8Array;
  /** P + Q, compressed unless `uncompressed`. Throws when the sum is the point at infinity. */
  add(a: Uint8Array, b: Uint8Array, uncompressed?: boolean): Uint8Array;
  /**
   * P + k·G in one library call (cheaper than add(P, baseMultiply(k))), compressed unless `uncompressed`. Throws on
   * infinity or a bad scalar. Variable time, as libsecp256k1's tweak addition is: for blinding factors, not private keys.
   */
  addBase(point: Uint8Array, scalar: Uint8Array, uncompressed?: boolean): Uint8Array;
  negate(point: Uint8Array): Uint8Array;
  /**
   * NUT-00 for many secrets in one call, given each SHA256(domain || secret): hash_to_curve's Y and B_ = Y + r·G, both
   * compressed. Only a backend that saves work by it has it (native/ecmult.node: no second parse of Y, one inversion
   * for the batch); nut00.ts composes the same from hash_to_curve and addBase elsewhere. Throws on a bad r.
   */
  hashToCurveBlind?(messageHashes: readonly Uint8Array[], rs: readonly Uint8Array[]): { Y: Uint8Array; B_: Uint8Array }[];
  /**
   * Σ kᵢ·Pᵢ + g·G for at most two points (any encoding), uncompressed. Zero scalars are allowed. Variable
   * time on native, as the bindings' own publicKeyTweakMul already is (the same libsecp256k1 routine): not for
   * long-term private keys. Throws on an invalid point, a scalar >= n, or the point at infinity.
   */
  combine(terms: readonly Term[], g?: Uint8Array): Uint8Array;
  /**
   * Whether Σ kᵢ·Pᵢ + g·G is the point at infinity, for any number of points (batch verification). Variable time.
   * Throws on an invalid point or a scalar >= n.
   */
  isZeroSum(terms: readonly Term[], g?: Uint8Array): boolean;
  /**
   * Each blind signature's NUT-12 check and unblinding: R1 = s·G - e·A, R2 = s·B_ - e·C_, e == hash_e(R1, R2, A, C_),
   * then C = C_ - r·A. C (compressed) for each signature whose proof holds, undefined for the others. Never throws.
   */
  verifyDleqUnblind(items: readonly DleqItem[]): (Uint8Array | undefined)[];
  /** 65-byte uncompressed encoding (hash_e of NUT-12 hashes those). */
  uncompressed(point: Uint8Array): Uint8Array;
  /** BIP340 signature of a 32-byte digest with 32 bytes of aux randomness. */
  signSchnorr(digest: Uint8Array, privkey: Uint8Array, aux: Uint8Array): Uint8Array;
  /** BIP340 signatures of many digests under one key (its public key derived once). */
  signSchnorrMany(digests: readonly Uint8Array[], privkey: Uint8Array, auxes: readonly Uint8Array[]): Uint8Array[];
  /** BIP340 verification against an x-only pubkey; false (never a throw) on anything invalid. */
  verifySchnorr(digest: Uint8Array, xonly: Uint8Array, signature: Uint8Array): boolean;
}

export type Term = readonly [point: Uint8Array, scalar: Uint8Array];

/** One blind signature to check and unblind: mint key A, blinded message B_, blind signature C_, proof (e, s), blinding factor r. */
export interface DleqItem {
  A: Uint8Array;
  B_: Uint8Array;
  C_: Uint8Array;
  e: Uint8Array;
  s: Uint8Array;
  r: Uint8Array;
}

/** The scalar 1, for combine terms that add a point as it is. */
export const ONE: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 1 : 0));

export function fail(what: string): never {
  throw new Error(`secp256k1: ${what}`);
}

/** NUT-12's R1 = s·G - e·A and R2 = s·B_ - e·C_ (A and C_ uncompressed), from combine. */
export function dleqPoints(backend: Pick<SecpBackend, 'combine'>, A: Uint8Array, B_: Uint8Array, C_: Uint8Array, e: Uint8Array, s: Uint8Array): { R1: Uint8Array; R2: Uint8Array } {
  // e·(-P) instead of (n - e)·P: negating a point needs no library call
  return {
    R1: backend.combine([[negatePoint(A), e]], s),
    R2: backend.combine([
      [B_, s],
      [negatePoint(C_), e],
    ]),
  };
}

/** e = SHA256(utf8(hex(R1) || hex(R2) || hex(A) || hex(C_))) over uncompressed points. */
export function hashEUncompressed(points: readonly Uint8Array[]): Uint8Array {
  return sha256(utf8ToBytes(points.map((p) => bytesToHex(p)).join('')));
}

/** verifyDleqUnblind from combine, for backends without the fused call: one signature after the other. */
export function composedVerifyDleqUnblind(backend: Pick<SecpBackend, 'combine' | 'uncompressed'>, items: readonly DleqItem[]): (Uint8Array | undefined)[] {
  const keys = new Map<string, Uint8Array>();
  return items.map(({ A, B_, C_, e, s, r }) => {
    try {
      if (!inRange(e) || !inRange(s) || !inRange(r)) return undefined;
      const keyHex = bytesToHex(A);
      let mintKey = keys.get(keyHex);
      if (!mintKey) keys.set(keyHex, (mintKey = A.length === 65 ? A : backend.uncompressed(A)));
      const C_U = C_.length === 65 ? C_ : backend.uncompressed(C_);
      const { R1, R2 } = dleqPoints(backend, mintKey, B_, C_U, e, s);
      if (!equalBytes(hashEUncompressed([R1, R2, mintKey, C_U]), e)) return undefined;
      return compressPoint(
        backend.combine([
          [C_U, ONE],
          [negatePoint(mintKey), r],
        ]),
      );
    } catch {
      return undefined;
    }
  });
}

/** 0 < k < n for a 32-byte scalar. */
function inRange(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  const k = bytesToScalar(bytes);
  return k > 0n && k < CURVE_ORDER;
}

/** `combine` from a backend's single operations, for libraries without a multi-multiplication. */
export function composeCombine(terms: readonly Term[], g: Uint8Array | undefined, ops: Pick<SecpBackend, 'multiply' | 'add' | 'addBase' | 'baseMultiply' | 'uncompressed'>): Uint8Array {
  if (terms.length > 2) fail('combine takes at most two points');
  return composeSum(terms, g, ops) ?? fail('sum is infinity');
}

/** `isZeroSum` from a backend's single operations: one product per point, the sum allowed to pass through infinity. */
export function composeIsZeroSum(terms: readonly Term[], g: Uint8Array | undefined, ops: Pick<SecpBackend, 'multiply' | 'add' | 'baseMultiply' | 'uncompressed'>): boolean {
  let sum: Uint8Array | undefined; // undefined: the point at infinity
  const addToSum = (product: Uint8Array) => {
    if (!sum) sum = product;
    else if (equalBytes(compressPoint(sum), compressPoint(negatePoint(product)))) sum = undefined;
    else sum = ops.add(sum, product, true);
  };
  for (const [point, scalar] of terms) {
    checkScalar(scalar);
    if (bytesToScalar(scalar) === 0n)
      ops.uncompressed(point); // still has to be a point
    else addToSum(ops.multiply(point, scalar, true));
  }
  if (g) checkScalar(g);
  if (g && bytesToScalar(g) !== 0n) addToSum(ops.uncompressed(ops.baseMultiply(g)));
  return sum === undefined;
}

function composeSum(terms: readonly Term[], g: Uint8Array | undefined, ops: Pick<SecpBackend, 'multiply' | 'add' | 'addBase' | 'baseMultiply' | 'uncompressed'>): Uint8Array | undefined {
  let sum: Uint8Array | undefined;
  for (const [point, scalar] of terms) {
    checkScalar(scalar);
    if (bytesToScalar(scalar) === 0n) continue;
    const product = ops.multiply(point, scalar, true);
    sum = sum ? ops.add(sum, product, true) : product;
  }
  if (g) checkScalar(g);
  if (g && bytesToScalar(g) !== 0n) sum = sum ? ops.addBase(sum, g, true) : ops.uncompressed(ops.baseMultiply(g));
  return sum;
}

function checkScalar(scalar: Uint8Array): void {
  if (scalar.length !== 32 || bytesToScalar(scalar) >= CURVE_ORDER) fail('scalar out of range');
}

/**
 * -P without a library call: a compressed point flips its parity byte, an uncompressed one takes y' = p - y
 * (y is never 0 on secp256k1). Validity is left to whatever operation uses the result.
 */
export function negatePoint(p: Uint8Array): Uint8Array {
  if (p.length === 33 && (p[0] === 2 || p[0] === 3)) {
    const out = Uint8Array.from(p);
    out[0] = p[0] === 2 ? 3 : 2;
    return out;
  }
  if (p.length !== 65 || p[0] !== 4) fail('not an encoded point');
  const y = bytesToScalar(p.subarray(33));
  if (y === 0n || y >= FIELD_PRIME) fail('not an encoded point');
  const out = Uint8Array.from(p);
  out.set(scalarToBytes(FIELD_PRIME - y), 33);
  return out;
}

/** The 33-byte encoding of a 65-byte one (parity byte + x), without a library call or a validity check. */
export function compressPoint(p: Uint8Array): Uint8Array {
  if (p.length === 33) return p;
  if (p.length !== 65 || p[0] !== 4) fail('not an encoded point');
  const out = new Uint8Array(33);
  out[0] = 2 + (p[64]! & 1);
  out.set(p.subarray(1, 33), 1);
  return out;
}

const tagHashes = new Map<string, Uint8Array>();
export function taggedHash(tag: string, ...parts: Uint8Array[]): Uint8Array {
  let tagHash = tagHashes.get(tag);
  if (!tagHash) tagHashes.set(tag, (tagHash = sha256(utf8ToBytes(tag))));
  return sha256(concatBytes(tagHash, tagHash, ...parts));
}

/** BIP340 on top of plain point operations (for a backend without Schnorr). */
export function bip340(ops: Pick<SecpBackend, 'baseMultiply' | 'combine' | 'uncompressed'>): Pick<SecpBackend, 'signSchnorr' | 'signSchnorrMany' | 'verifySchnorr'> {
  // The wallet signs every quote with the same locking key: keep the last key's P = d·G.
  let lastSecret: Uint8Array | undefined;
  let lastPublic: Uint8Array | undefined;
  const publicOf = (secret: Uint8Array): Uint8Array => {
    if (lastSecret && lastPublic && equalBytes(lastSecret, secret)) return lastPublic;
    const P = ops.baseMultiply(secret);
    lastSecret = Uint8Array.from(secret);
    lastPublic = P;
    return P;
  };
  const sign = (m: Uint8Array, secret: Uint8Array, aux: Uint8Array): Uint8Array => {
    const d0 = bytesToScalar(secret);
    if (secret.length !== 32 || d0 === 0n || d0 >= CURVE_ORDER) fail('invalid private key');
    const P = publicOf(secret);
    const d = P[0] === 2 ? d0 : CURVE_ORDER - d0;
    const px = P.subarray(1);
    const t = scalarToBytes(d ^ bytesToScalar(taggedHash('BIP0340/aux', aux)));
    const k0 = mod(bytesToScalar(taggedHash('BIP0340/nonce', t, px, m)));
    if (k0 === 0n) fail('nonce is zero');
    const R = ops.baseMultiply(scalarToBytes(k0));
    const k = R[0] === 2 ? k0 : CURVE_ORDER - k0;
    const rx = R.subarray(1);
    const e = mod(bytesToScalar(taggedHash('BIP0340/challenge', rx, px, m)));
    return concatBytes(rx, scalarToBytes(mod(k + e * d)));
  };
  // schnorrFrom turns a throw (x not on the curve, a sum at infinity) into false
  return schnorrFrom(sign, (m, xonly, sig) => {
    if (xonly.length !== 32 || sig.length !== 64) return false;
    const rBytes = sig.subarray(0, 32);
    if (bytesToScalar(rBytes) >= FIELD_PRIME || bytesToScalar(sig.subarray(32)) >= CURVE_ORDER) return false;
    const Pu = ops.uncompressed(concatBytes(Uint8Array.of(2), xonly));
    const e = mod(bytesToScalar(taggedHash('BIP0340/challenge', rBytes, xonly, m)));
    const R = ops.combine([[negatePoint(Pu), scalarToBytes(e)]], sig.subarray(32)); // s·G - e·P
    return (R[64]! & 1) === 0 && equalBytes(R.subarray(1, 33), rBytes); // R must have an even y
  });
}

/** signSchnorr, signSchnorrMany and a verifySchnorr that never throws, from a library's own BIP340 functions. */
export function schnorrFrom(
  sign: (digest: Uint8Array, privkey: Uint8Array, aux: Uint8Array) => Uint8Array,
  verify: (digest: Uint8Array, xonly: Uint8Array, signature: Uint8Array) => boolean,
): Pick<SecpBackend, 'signSchnorr' | 'signSchnorrMany' | 'verifySchnorr'> {
  return {
    signSchnorr: sign,
    signSchnorrMany: (digests, privkey, auxes) => digests.map((m, i) => sign(m, privkey, auxes[i] ?? fail('one aux per digest'))),
    verifySchnorr: (m, x, sig) => {
      try {
        return verify(m, x, sig);
      } catch {
        return false;
      }
    },
  };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const { Point } = secp256k1;
type NoblePoint = InstanceType<typeof Point>;

function noblePoint(bytes: Uint8Array): NoblePoint {
  try {
    return Point.fromBytes(bytes);
  } catch {
    return fail('invalid point');
  }
}

function nobleScalar(bytes: Uint8Array, allowZero: boolean): bigint {
  const k = bytes.length === 32 ? bytesToScalar(bytes) : CURVE_ORDER;
  if (k >= CURVE_ORDER || (!allowZero && k === 0n)) fail('scalar out of range');
  return k;
}

function nobleOut(point: NoblePoint, uncompressed?: boolean): Uint8Array {
  if (point.is0()) fail('sum is infinity');
  return point.toBytes(!uncompressed);
}

/** Pippenger pays from a handful of points on; below, Strauss-Shamir with the endomorphism and G's own table. */
const NOBLE_PIPPENGER_FROM = 8;

function nobleSum(terms: readonly Term[], g: Uint8Array | undefined): NoblePoint {
  const points = terms.map(([p]) => noblePoint(p));
  const scalars = terms.map(([, k]) => nobleScalar(k, true));
  const gScalar = g ? nobleScalar(g, true) : 0n;
  if (points.length >= NOBLE_PIPPENGER_FROM) return pippenger(Point, [...points, Point.BASE], [...scalars, gScalar]);
  let sum = gScalar === 0n ? Point.ZERO : Point.BASE.multiplyUnsafe(gScalar);
  for (let i = 0; i < points.length; i += 2) {
    const pair = i + 1 < points.length ? points[i]!.mulAddUnsafe(scalars[i]!, points[i + 1]!, scalars[i + 1]!) : points[i]!.multiplyUnsafe(scalars[i]!);
    sum = sum.add(pair);
  }
  return sum;
}

/** noble-curves (pure JavaScript): the default, and the reference the other backends are tested against. */
export const nobleBackend: SecpBackend = {
  name: 'noble',
  multiScalar: true,
  isPoint: (p) => {
    if (p.length !== 33) return false;
    try {
      Point.fromBytes(p);
      return true;
    } catch {
      return false;
    }
  },
  baseMultiply: (k) => Point.BASE.multiply(nobleScalar(k, false)).toBytes(true),
  multiply: (p, k, uncompressed) => nobleOut(noblePoint(p).multiply(nobleScalar(k, false)), uncompressed),
  add: (a, b, uncompressed) => nobleOut(noblePoint(a).add(noblePoint(b)), uncompressed),
  addBase: (p, k, uncompressed) => nobleOut(noblePoint(p).add(Point.BASE.multiplyUnsafe(nobleScalar(k, false))), uncompressed),
  negate: (p) => noblePoint(p).negate().toBytes(true),
  combine: (terms, g) => {
    if (terms.length > 2) fail('combine takes at most two points');
    return nobleOut(nobleSum(terms, g), true);
  },
  isZeroSum: (terms, g) => nobleSum(terms, g).is0(),
  verifyDleqUnblind: (items) => composedVerifyDleqUnblind(nobleBackend, items),
  uncompressed: (p) => noblePoint(p).toBytes(false),
  ...schnorrFrom(
    (m, d, aux) => schnorr.sign(m, d, aux),
    (m, x, sig) => schnorr.verify(sig, m, x),
  ),
};

let active: SecpBackend = nobleBackend;

/** The backend in use: noble unless an entry point installed a faster one (lib/platform). */
export function secp(): SecpBackend {
  return active;
}

export function useBackend(backend: SecpBackend): void {
  active = backend;
}

/** BIP340 signature over a 32-byte digest; `aux` defaults to 32 zero bytes (deterministic). */
export function schnorrSign(digest: Uint8Array, privkey: Uint8Array, aux?: Uint8Array): Uint8Array {
  if (digest.length !== 32) fail('digest must be 32 bytes');
  return active.signSchnorr(digest, privkey, aux ?? new Uint8Array(32));
}

/** BIP340 signatures of many 32-byte digests under one key, deterministic (zero aux). */
export function schnorrSignMany(digests: readonly Uint8Array[], privkey: Uint8Array): Uint8Array[] {
  if (digests.some((d) => d.length !== 32)) fail('digest must be 32 bytes');
  const zero = new Uint8Array(32);
  return active.signSchnorrMany(
    digests,
    privkey,
    digests.map(() => zero),
  );
}

/** BIP340 verification; `pubkey` may be x-only (32) or compressed (33). Never throws. */
export function schnorrVerify(digest: Uint8Array, pubkey: Uint8Array, signature: Uint8Array): boolean {
  const xonly = pubkey.length === 33 ? pubkey.subarray(1) : pubkey;
  if (xonly.length !== 32 || signature.length !== 64 || digest.length !== 32) return false;
  return active.verifySchnorr(digest, xonly, signature);
}

// Through hex: V8 parses and prints BigInt hex natively, about twice as fast as a byte-by-byte loop.
export function scalarToBytes(value: bigint): Uint8Array {
  if (value < 0n || value >> 256n !== 0n) fail('scalar does not fit 32 bytes');
  return hexToBytes(value.toString(16).padStart(64, '0'));
}

export function bytesToScalar(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

export function mod(value: bigint): bigint {
  const r = value % CURVE_ORDER;
  return r < 0n ? r + CURVE_ORDER : r;
}

/** A private key / blinding factor is valid when 0 < k < n. */
export function isValidScalar(bytes: Uint8Array): boolean {
  return inRange(bytes);
}

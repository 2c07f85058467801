/**
 * secp256k1 point arithmetic for cashu on libsecp256k1: the native `secp256k1` addon when it loads
 * (about 50x noble for an arbitrary P·k), else `tiny-secp256k1` (the same C library compiled to wasm,
 * about 10x). BIP340 Schnorr always comes from tiny-secp256k1: the native addon has none.
 * Points cross this boundary as 33-byte compressed encodings, scalars as 32-byte big-endian.
 */
import { createRequire } from 'node:module';
import * as wasm from 'tiny-secp256k1';

export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface SecpBackend {
  readonly name: 'native' | 'wasm';
  /** True for a valid compressed (33-byte) point on the curve. */
  isPoint(point: Uint8Array): boolean;
  /** k·G, compressed. */
  baseMultiply(scalar: Uint8Array): Uint8Array;
  /** k·P, compressed. Throws on an invalid point or a zero/out-of-range scalar. */
  multiply(point: Uint8Array, scalar: Uint8Array): Uint8Array;
  /** P + Q, compressed. Throws when the sum is the point at infinity. */
  add(a: Uint8Array, b: Uint8Array): Uint8Array;
  negate(point: Uint8Array): Uint8Array;
  /** 65-byte uncompressed encoding (hash_e of NUT-12 hashes those). */
  uncompressed(point: Uint8Array): Uint8Array;
}

interface NativeSecp256k1 {
  publicKeyVerify(pub: Uint8Array): boolean;
  publicKeyCreate(priv: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakMul(pub: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyCombine(pubs: Uint8Array[], compressed?: boolean): Uint8Array;
  publicKeyNegate(pub: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyConvert(pub: Uint8Array, compressed?: boolean): Uint8Array;
}

function fail(what: string): never {
  throw new Error(`secp256k1: ${what}`);
}

const wasmBackend: SecpBackend = {
  name: 'wasm',
  isPoint: (p) => p.length === 33 && wasm.isPoint(p),
  baseMultiply: (k) => wasm.pointFromScalar(k, true) ?? fail('scalar out of range'),
  multiply: (p, k) => wasm.pointMultiply(p, k, true) ?? fail('product is infinity'),
  add: (a, b) => wasm.pointAdd(a, b, true) ?? fail('sum is infinity'),
  negate: (p) => {
    if (p.length !== 33 || (p[0] !== 2 && p[0] !== 3)) fail('not a compressed point');
    const out = Uint8Array.from(p);
    out[0] = p[0] === 2 ? 3 : 2;
    return out;
  },
  uncompressed: (p) => wasm.pointCompress(p, false),
};

function loadNative(): SecpBackend | undefined {
  try {
    // `secp256k1/bindings` is the addon itself; the package root would silently fall back to pure JS.
    const lib = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
    const probe = lib.publicKeyCreate(new Uint8Array(32).fill(1), true);
    if (!wasm.isPoint(probe)) return undefined;
    const wrap = <T>(fn: () => T, what: string): T => {
      try {
        return fn();
      } catch {
        return fail(what);
      }
    };
    return {
      name: 'native',
      isPoint: (p) => p.length === 33 && (p[0] === 2 || p[0] === 3) && lib.publicKeyVerify(p),
      baseMultiply: (k) => wrap(() => lib.publicKeyCreate(k, true), 'scalar out of range'),
      multiply: (p, k) => wrap(() => lib.publicKeyTweakMul(p, k, true), 'invalid point or scalar'),
      add: (a, b) => wrap(() => lib.publicKeyCombine([a, b], true), 'sum is infinity or invalid point'),
      negate: (p) => wrap(() => lib.publicKeyNegate(p, true), 'invalid point'),
      uncompressed: (p) => wrap(() => lib.publicKeyConvert(p, false), 'invalid point'),
    };
  } catch {
    return undefined;
  }
}

let active: SecpBackend | undefined;

/** The backend in use: native when it loads (AXEWALLET_SECP=wasm forces the wasm one). */
export function secp(): SecpBackend {
  if (!active) active = (process.env.AXEWALLET_SECP === 'wasm' ? undefined : loadNative()) ?? wasmBackend;
  return active;
}

/** Both backends that load here, for tests and benchmarks that compare them. */
export function availableBackends(): SecpBackend[] {
  const native = loadNative();
  return native ? [native, wasmBackend] : [wasmBackend];
}

export function useBackend(backend: SecpBackend): void {
  active = backend;
}

/** BIP340 signature over a 32-byte digest; `aux` defaults to 32 zero bytes (deterministic). */
export function schnorrSign(digest: Uint8Array, privkey: Uint8Array, aux?: Uint8Array): Uint8Array {
  return wasm.signSchnorr(digest, privkey, aux ?? new Uint8Array(32));
}

/** BIP340 verification; `pubkey` may be x-only (32) or compressed (33). Never throws. */
export function schnorrVerify(digest: Uint8Array, pubkey: Uint8Array, signature: Uint8Array): boolean {
  const xonly = pubkey.length === 33 ? pubkey.subarray(1) : pubkey;
  if (xonly.length !== 32 || signature.length !== 64 || digest.length !== 32) return false;
  try {
    return wasm.verifySchnorr(digest, xonly, signature);
  } catch {
    return false;
  }
}

export function scalarToBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function bytesToScalar(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function mod(value: bigint): bigint {
  const r = value % CURVE_ORDER;
  return r < 0n ? r + CURVE_ORDER : r;
}

/** A private key / blinding factor is valid when 0 < k < n. */
export function isValidScalar(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  const k = bytesToScalar(bytes);
  return k > 0n && k < CURVE_ORDER;
}

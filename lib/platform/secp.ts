/**
 * The secp256k1 backends that need the machine: libsecp256k1 as the `secp256k1` package's native addon
 * (about 50x noble for an arbitrary P·k) with native/ecmult.node for the fused and batch operations
 * (native/README.md), the same addon alone, and libsecp256k1 compiled to wasm (`tiny-secp256k1`, about 10x
 * noble, reads its .wasm file when imported). lib/protocol/cashu stays pure and takes whichever
 * `installFastestSecp` hands it; noble is its own fallback.
 */
import { createRequire } from 'node:module';
import * as wasm from 'tiny-secp256k1';
import { bip340, composeCombine, composedVerifyDleqUnblind, composeIsZeroSum, fail, negatePoint, nobleBackend, schnorrFrom, type SecpBackend, useBackend } from '../protocol/cashu/secp';

interface NativeSecp256k1 {
  publicKeyVerify(pub: Uint8Array): boolean;
  publicKeyCreate(priv: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakAdd(pub: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakMul(pub: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyCombine(pubs: Uint8Array[], compressed?: boolean): Uint8Array;
  publicKeyNegate(pub: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyConvert(pub: Uint8Array, compressed?: boolean): Uint8Array;
}

/** native/ecmult.c; every function returns a status (0 ok, see ECMULT_ERRORS). */
interface EcmultAddon {
  /** Writes Σ kᵢ·Pᵢ + g·G (at most two points) into out (65 bytes). */
  combine(out: Uint8Array, points: Uint8Array[], scalars: Uint8Array[], g: Uint8Array | null): number;
  /** 0 when Σ kᵢ·Pᵢ + g·G is the point at infinity, 5 when it is not (any number of points). */
  isZeroSum(points: Uint8Array[], scalars: Uint8Array[], g: Uint8Array | null): number;
  /** Per blind signature 34 bytes into out: a status (0 = proof holds), then C = C_ - r·A compressed. */
  dleqUnblindBatch(out: Uint8Array, A: Uint8Array[], B_: Uint8Array[], C_: Uint8Array[], e: Uint8Array[], s: Uint8Array[], r: Uint8Array[]): number;
  /** BIP340 signatures (64 bytes each) of the digests under one key, constant time. */
  signSchnorr(out: Uint8Array, digests: readonly Uint8Array[], secret: Uint8Array, auxes: readonly Uint8Array[]): number;
  /** P + k·G into out (33 bytes: compressed, 65: uncompressed). */
  addBase(out: Uint8Array, point: Uint8Array, scalar: Uint8Array): number;
  /** NUT-00 hash_to_curve from each SHA256(domain || secret), and B_ = Y + r·G: 33 bytes each into outY and outB. */
  hashToCurveBlind(outY: Uint8Array, outB: Uint8Array, messageHashes: readonly Uint8Array[], rs: readonly Uint8Array[]): number;
}

const ECMULT_ERRORS = ['', 'invalid point', 'scalar out of range', 'sum is infinity', 'bad arguments', 'nonzero sum', 'proof mismatch', 'out of memory'];
const ECMULT_FUNCTIONS = ['combine', 'isZeroSum', 'dleqUnblindBatch', 'signSchnorr', 'addBase', 'hashToCurveBlind'] as const;

function ecmultFail(status: number, what: string): never {
  return fail(ECMULT_ERRORS[status] ?? `${what} failed`);
}

const requireHere = createRequire(import.meta.url);

/** native/build/ecmult.node beside the sources, or in the packaged app's resources. */
function loadEcmult(): EcmultAddon | undefined {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  for (const path of ['../../native/build/ecmult.node', ...(resources ? [`${resources}/ecmult.node`] : [])]) {
    try {
      const addon = requireHere(path) as Partial<EcmultAddon>;
      // a build from an older ecmult.c lacks a function: the composed path rather than a call that throws
      if (ECMULT_FUNCTIONS.every((name) => typeof addon[name] === 'function')) return addon as EcmultAddon;
    } catch {
      // not built here: the next place, else the composed path
    }
  }
  return undefined;
}

function wrap<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch {
    return fail(what);
  }
}

function loadNative(withEcmult: boolean): SecpBackend | undefined {
  let lib: NativeSecp256k1;
  try {
    // `secp256k1/bindings` is the addon itself; the package root would silently fall back to pure JS.
    lib = requireHere('secp256k1/bindings') as NativeSecp256k1;
    if (!wasm.isPoint(lib.publicKeyCreate(new Uint8Array(32).fill(1), true))) return undefined;
  } catch {
    return undefined;
  }
  const ecmult = withEcmult ? loadEcmult() : undefined;
  if (withEcmult && !ecmult) return undefined;
  const ops = {
    isPoint: (p: Uint8Array) => p.length === 33 && (p[0] === 2 || p[0] === 3) && lib.publicKeyVerify(p),
    baseMultiply: (k: Uint8Array) => wrap(() => lib.publicKeyCreate(k, true), 'scalar out of range'),
    multiply: (p: Uint8Array, k: Uint8Array, uncompressed?: boolean) => wrap(() => lib.publicKeyTweakMul(p, k, !uncompressed), 'invalid point or scalar'),
    add: (a: Uint8Array, b: Uint8Array, uncompressed?: boolean) => wrap(() => lib.publicKeyCombine([a, b], !uncompressed), 'sum is infinity or invalid point'),
    addBase: (p: Uint8Array, k: Uint8Array, uncompressed?: boolean) => wrap(() => lib.publicKeyTweakAdd(p, k, !uncompressed), 'invalid point or scalar, or sum is infinity'),
    negate: (p: Uint8Array) => wrap(() => lib.publicKeyNegate(p, true), 'invalid point'),
    uncompressed: (p: Uint8Array) => wrap(() => lib.publicKeyConvert(p, false), 'invalid point'),
  };
  if (!ecmult) {
    const combine: SecpBackend['combine'] = (terms, g) => composeCombine(terms, g, ops);
    const composed = { ...ops, combine };
    return {
      name: 'native',
      multiScalar: false,
      ...composed,
      isZeroSum: (terms, g) => composeIsZeroSum(terms, g, ops),
      verifyDleqUnblind: (items) => composedVerifyDleqUnblind(composed, items),
      ...bip340(composed),
    };
  }
  const combine: SecpBackend['combine'] = (terms, g) => {
    if (terms.length > 2) fail('combine takes at most two points');
    const out = new Uint8Array(65);
    const status = ecmult.combine(
      out,
      terms.map((t) => t[0]),
      terms.map((t) => t[1]),
      g ?? null,
    );
    return status === 0 ? out : ecmultFail(status, 'combine');
  };
  const signSchnorrMany: SecpBackend['signSchnorrMany'] = (digests, privkey, auxes) => {
    const out = new Uint8Array(64 * digests.length);
    const status = ecmult.signSchnorr(out, digests, privkey, auxes);
    if (status !== 0) ecmultFail(status, 'signSchnorr');
    return digests.map((_, i) => out.subarray(64 * i, 64 * i + 64));
  };
  return {
    name: 'native+ecmult',
    multiScalar: true,
    ...ops,
    addBase: (p, k, uncompressed) => {
      const out = new Uint8Array(uncompressed ? 65 : 33);
      const status = ecmult.addBase(out, p, k);
      return status === 0 ? out : ecmultFail(status, 'addBase');
    },
    hashToCurveBlind: (messageHashes, rs) => {
      const [Y, B_] = [new Uint8Array(33 * messageHashes.length), new Uint8Array(33 * messageHashes.length)];
      const status = ecmult.hashToCurveBlind(Y, B_, messageHashes, rs);
      if (status !== 0) ecmultFail(status, 'hashToCurveBlind');
      return messageHashes.map((_, i) => ({ Y: Y.subarray(33 * i, 33 * i + 33), B_: B_.subarray(33 * i, 33 * i + 33) }));
    },
    combine,
    isZeroSum: (terms, g) => {
      const status = ecmult.isZeroSum(
        terms.map((t) => t[0]),
        terms.map((t) => t[1]),
        g ?? null,
      );
      if (status === 0 || status === 5) return status === 0;
      return ecmultFail(status, 'isZeroSum');
    },
    verifyDleqUnblind: (items) => {
      const out = new Uint8Array(34 * items.length);
      const status = ecmult.dleqUnblindBatch(
        out,
        items.map((i) => i.A),
        items.map((i) => i.B_),
        items.map((i) => i.C_),
        items.map((i) => i.e),
        items.map((i) => i.s),
        items.map((i) => i.r),
      );
      if (status !== 0) return items.map(() => undefined);
      return items.map((_, i) => (out[34 * i] === 0 ? out.slice(34 * i + 1, 34 * i + 34) : undefined));
    },
    signSchnorr: (m, d, aux) => signSchnorrMany([m], d, [aux])[0]!,
    signSchnorrMany,
    verifySchnorr: bip340({ ...ops, combine }).verifySchnorr,
  };
}

const wasmOps = {
  isPoint: (p: Uint8Array) => p.length === 33 && wasm.isPoint(p),
  baseMultiply: (k: Uint8Array) => wasm.pointFromScalar(k, true) ?? fail('scalar out of range'),
  multiply: (p: Uint8Array, k: Uint8Array, uncompressed?: boolean) => wasm.pointMultiply(p, k, !uncompressed) ?? fail('product is infinity'),
  add: (a: Uint8Array, b: Uint8Array, uncompressed?: boolean) => wasm.pointAdd(a, b, !uncompressed) ?? fail('sum is infinity'),
  addBase: (p: Uint8Array, k: Uint8Array, uncompressed?: boolean) => wasm.pointAddScalar(p, k, !uncompressed) ?? fail('sum is infinity'),
  negate: (p: Uint8Array) => negatePoint(p),
  uncompressed: (p: Uint8Array) => wasm.pointCompress(p, false),
};
const wasmCombine: SecpBackend['combine'] = (terms, g) => composeCombine(terms, g, wasmOps);

const wasmBackend: SecpBackend = {
  name: 'wasm',
  multiScalar: false,
  ...wasmOps,
  combine: wasmCombine,
  isZeroSum: (terms, g) => composeIsZeroSum(terms, g, wasmOps),
  verifyDleqUnblind: (items) => composedVerifyDleqUnblind({ ...wasmOps, combine: wasmCombine }, items),
  ...schnorrFrom(
    (m, d, aux) => wasm.signSchnorr(m, d, aux),
    (m, x, sig) => wasm.verifySchnorr(m, x, sig),
  ),
};

let backends: SecpBackend[] | undefined;

/** Every backend that loads here, fastest first (noble last), for the entry points and for tests and benchmarks that compare them. */
export function secpBackends(): SecpBackend[] {
  backends ??= [loadNative(true), loadNative(false), wasmBackend, nobleBackend].filter((b): b is SecpBackend => b !== undefined);
  return backends;
}

/** Installs the fastest backend into lib/protocol/cashu and returns it. */
export function installFastestSecp(): SecpBackend {
  const fastest = secpBackends()[0]!;
  useBackend(fastest);
  return fastest;
}

/**
 * Proof-of-work primitives shared by the pool, the proxy and the simulator:
 * block header assembly from Stratum V1 job fields, merkle folding, targets and difficulty.
 * Byte orders follow what the wire carries, never what a block explorer shows.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

export { bytesToHex, hexToBytes };

export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/** Difficulty-1 target (bdiff): 0x00000000FFFF0000...0000. */
export const DIFF1_TARGET = 0xffffn << 208n;
export const MAX_TARGET = (1n << 256n) - 1n;

/** Interprets 32 raw bytes as a little-endian integer, the order sha256d output is compared in. */
export function leBytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

export function bigIntToLeBytes(value: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function targetFromDifficulty(difficulty: number): bigint {
  if (!(difficulty > 0) || !Number.isFinite(difficulty)) throw new RangeError(`difficulty must be a positive number, got ${difficulty}`);
  // Scale by a power of two so the double's 53-bit mantissa becomes an exact integer:
  // CPU-mined test shares use difficulties near 1e-9, which a decimal scale would round to zero.
  const shift = Math.max(0, 64 - Math.floor(Math.log2(difficulty)));
  const scaled = BigInt(Math.round(difficulty * 2 ** shift));
  const target = (DIFF1_TARGET << BigInt(shift)) / scaled;
  return target > MAX_TARGET ? MAX_TARGET : target;
}

export function difficultyFromTarget(target: bigint): number {
  if (target <= 0n) return Number.POSITIVE_INFINITY;
  return Number((DIFF1_TARGET << 128n) / target) / 2 ** 128;
}

/** Difficulty a hash achieved (pool convention: diff1 / hash as integer). */
export function hashDifficulty(hashRaw: Uint8Array): number {
  return difficultyFromTarget(leBytesToBigInt(hashRaw));
}

export function hashMeetsTarget(hashRaw: Uint8Array, target: bigint): boolean {
  return leBytesToBigInt(hashRaw) <= target;
}

/** Leading zero bits of the hash in display order (reversed raw bytes), as hashpool's work.rs counts them. */
export function leadingZeroBits(hashRaw: Uint8Array): number {
  let bits = 0;
  for (let i = hashRaw.length - 1; i >= 0; i--) {
    const byte = hashRaw[i]!;
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export function nbitsToTarget(nbits: number): bigint {
  const exponent = nbits >>> 24;
  const mantissa = BigInt(nbits & 0x007fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

/** Folds the coinbase txid up the merkle path; all values in internal byte order. */
export function merkleRoot(coinbaseTxid: Uint8Array, merklePath: readonly Uint8Array[]): Uint8Array {
  let node = coinbaseTxid;
  const pair = new Uint8Array(64);
  for (const branch of merklePath) {
    pair.set(node, 0);
    pair.set(branch, 32);
    node = sha256d(pair);
  }
  return node;
}

export interface HeaderFields {
  version: number;
  /** previous block hash, internal byte order (as in the serialized header) */
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  ntime: number;
  nbits: number;
  nonce: number;
}

export function serializeHeader(h: HeaderFields): Uint8Array {
  const out = new Uint8Array(80);
  const view = new DataView(out.buffer);
  view.setUint32(0, h.version >>> 0, true);
  out.set(h.prevHash, 4);
  out.set(h.merkleRoot, 36);
  view.setUint32(68, h.ntime >>> 0, true);
  view.setUint32(72, h.nbits >>> 0, true);
  view.setUint32(76, h.nonce >>> 0, true);
  return out;
}

/**
 * Stratum V1 sends prevhash as the internal-order bytes with every 4-byte word byte-swapped.
 * The transform is its own inverse.
 */
export function swapWords32(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 4 !== 0) throw new RangeError('length must be a multiple of 4');
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}

/**
 * Stratum V1 difficulty <-> 256-bit target at full double precision, at any scale: test and devnet
 * pools run CPU miners at difficulties around 1e-9, which fixed-point helpers round to zero.
 */
import { DIFF1_TARGET, leBytesToBigInt, MAX_TARGET } from '../protocol/bitcoin/work';

export function targetOf(difficulty: number): bigint {
  if (!(difficulty > 0) || !Number.isFinite(difficulty)) return MAX_TARGET;
  // Scale by a power of two so the double's 53-bit mantissa becomes an exact integer.
  const shift = Math.max(0, 64 - Math.floor(Math.log2(difficulty)));
  const scaled = BigInt(Math.round(difficulty * 2 ** shift));
  if (scaled === 0n) return MAX_TARGET;
  const target = (DIFF1_TARGET << BigInt(shift)) / scaled;
  return target > MAX_TARGET ? MAX_TARGET : target;
}

export function difficultyOf(target: bigint): number {
  if (target <= 0n) return Number.POSITIVE_INFINITY;
  return Number((DIFF1_TARGET << 128n) / target) / 2 ** 128;
}

/** Difficulty a raw sha256d hash reached (pool convention: diff1 target / hash as a little-endian integer). */
export function hashDifficultyOf(hashRaw: Uint8Array): number {
  return difficultyOf(leBytesToBigInt(hashRaw));
}

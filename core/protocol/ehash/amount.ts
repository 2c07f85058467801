/**
 * ehash amounts as hashpool computes them (protocols/ehash/src/work.rs):
 * amount = 2^(lz - minimumDifficulty) capped at 2^63, 0 below the minimum.
 * Every amount is a power of two, so one share is one proof.
 */
import { leadingZeroBits } from '../bitcoin/work';

export const MAX_EHASH_EXPONENT = 63;

export function ehashExponent(hashRaw: Uint8Array, minimumDifficulty: number): number | null {
  const lz = leadingZeroBits(hashRaw);
  if (lz < minimumDifficulty) return null;
  return Math.min(lz - minimumDifficulty, MAX_EHASH_EXPONENT);
}

export function ehashAmount(hashRaw: Uint8Array, minimumDifficulty: number): bigint {
  const exponent = ehashExponent(hashRaw, minimumDifficulty);
  return exponent === null ? 0n : 1n << BigInt(exponent);
}

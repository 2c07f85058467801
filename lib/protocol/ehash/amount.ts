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

/**
 * The pool's minimum difficulty read back from one of its quotes (amount = 2^(lz - min), so min = lz - log2(amount)).
 * Undefined when the amount is not a power of two, was capped at 2^63 (the exponent then says nothing), or the pair
 * is inconsistent.
 */
export function minimumDifficultyOf(hashRaw: Uint8Array, amount: bigint): number | undefined {
  if (amount <= 0n || (amount & (amount - 1n)) !== 0n) return undefined;
  const exponent = amount.toString(2).length - 1;
  if (exponent >= MAX_EHASH_EXPONENT) return undefined;
  const minimum = leadingZeroBits(hashRaw) - exponent;
  return minimum >= 0 ? minimum : undefined;
}

/** The hashes an amount of ehash stands for on average: each unit is 2^minimumDifficulty expected hashes. */
export function expectedWork(amount: bigint, minimumDifficulty: number): bigint {
  return amount << BigInt(minimumDifficulty);
}

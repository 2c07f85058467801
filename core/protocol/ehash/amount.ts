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

/** Expected number of hashes a share of `amount` ehash represents: 2^(exponent + minimumDifficulty). */
export function expectedWork(amount: bigint, minimumDifficulty: number): bigint {
  if (amount <= 0n) return 0n;
  return amount << BigInt(minimumDifficulty);
}

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

/** 1234567 -> "1.23M"; exact below 1000. */
export function formatSi(value: bigint | number, digits = 3): string {
  let v = typeof value === 'bigint' ? Number(value) : value;
  if (Math.abs(v) < 1000) return String(typeof value === 'bigint' ? value : Math.round(v * 100) / 100);
  let i = 0;
  while (Math.abs(v) >= 1000 && i < SI.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(digits))}${SI[i]}`;
}

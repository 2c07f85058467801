import { describe, expect, it } from 'vitest';
import { ehashAmount, ehashExponent, expectedWork, minimumDifficultyOf } from './amount';

/** A raw hash (internal order) whose display form starts with `zeroBits` zero bits and then a one. */
function hashWithLeadingZeros(zeroBits: number): Uint8Array {
  const display = new Uint8Array(32).fill(0xff);
  for (let bit = 0; bit < 256; bit++) {
    const mask = 0x80 >> (bit % 8);
    if (bit < zeroBits) display[bit >> 3]! &= ~mask;
    else if (bit === zeroBits) display[bit >> 3]! |= mask;
  }
  return display.reverse();
}

describe('ehash amount (hashpool work.rs)', () => {
  it('is 2^(leading zero bits - minimum difficulty)', () => {
    expect(ehashAmount(hashWithLeadingZeros(40), 32)).toBe(256n);
    expect(ehashAmount(hashWithLeadingZeros(32), 32)).toBe(1n);
    expect(ehashAmount(hashWithLeadingZeros(12), 0)).toBe(4096n);
  });

  it('is zero below the minimum difficulty', () => {
    expect(ehashAmount(hashWithLeadingZeros(31), 32)).toBe(0n);
    expect(ehashExponent(hashWithLeadingZeros(31), 32)).toBeNull();
  });

  it('is capped at 2^63', () => {
    expect(ehashAmount(hashWithLeadingZeros(100), 0)).toBe(1n << 63n);
    expect(ehashAmount(new Uint8Array(32), 0)).toBe(1n << 63n);
  });

  it('gives the minimum difficulty back from a quote, and the expected work of an amount', () => {
    for (const [lz, min] of [
      [40, 32],
      [32, 32],
      [12, 0],
      [20, 5],
    ] as const) {
      const hash = hashWithLeadingZeros(lz);
      expect(minimumDifficultyOf(hash, ehashAmount(hash, min))).toBe(min);
    }
    expect(minimumDifficultyOf(hashWithLeadingZeros(40), 3n)).toBeUndefined(); // not a power of two
    expect(minimumDifficultyOf(hashWithLeadingZeros(100), 1n << 63n)).toBeUndefined(); // capped
    expect(minimumDifficultyOf(hashWithLeadingZeros(10), 1n << 20n)).toBeUndefined(); // more than the hash can pay
    expect(expectedWork(256n, 32)).toBe(1n << 40n);
    expect(expectedWork(5n, 0)).toBe(5n);
  });
});

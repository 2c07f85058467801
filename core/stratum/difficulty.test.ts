import { describe, expect, it } from 'vitest';
import { bigIntToLeBytes, DIFF1_TARGET, MAX_TARGET } from '../protocol/bitcoin/work';
import { difficultyOf, hashDifficultyOf, targetOf } from './difficulty';

describe('difficulty <-> target', () => {
  it('maps difficulty 1 to the diff-1 target and back', () => {
    expect(targetOf(1)).toBe(DIFF1_TARGET);
    expect(difficultyOf(DIFF1_TARGET)).toBe(1);
  });

  it('keeps CPU-scale difficulties exact enough to round-trip', () => {
    for (const d of [1e-9, 3.7e-7, 0.001, 1024, 1e12]) {
      expect(difficultyOf(targetOf(d)) / d).toBeCloseTo(1, 9);
    }
  });

  it('sv2.md vector: difficulty 1024 is ...00c0ff3f0000000000 on the wire (LE)', () => {
    const wire = Buffer.from(bigIntToLeBytes(targetOf(1024))).toString('hex');
    expect(wire.endsWith('00c0ff3f0000000000')).toBe(true);
  });

  it('caps at the maximum target and rates a zero hash as infinitely hard', () => {
    expect(targetOf(1e-30)).toBe(MAX_TARGET);
    expect(targetOf(0)).toBe(MAX_TARGET);
    expect(hashDifficultyOf(new Uint8Array(32))).toBe(Number.POSITIVE_INFINITY);
  });
});

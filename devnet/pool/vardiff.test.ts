import { describe, expect, it } from 'vitest';
import { difficultyFromTarget, MAX_TARGET, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { parseUserIdentity } from './identity';
import { floorTargetForBits, hashesPerShare, hashRateToTarget, Vardiff } from './vardiff';

describe('vardiff', () => {
  it('maps hash rate and share rate to a target and back', () => {
    const target = hashRateToTarget(1e12, 10);
    const expectedHashesPerShare = (1e12 * 60) / 10;
    expect(hashesPerShare(target) / expectedHashesPerShare).toBeCloseTo(1, 6);
    expect(hashRateToTarget(0, 10)).toBe(MAX_TARGET);
    expect(floorTargetForBits(0)).toBe(MAX_TARGET);
    expect(floorTargetForBits(8)).toBe((1n << 248n) - 1n);
  });

  it('converts tiny CPU difficulties to targets without losing them', () => {
    for (const d of [3.7e-9, 1e-6, 0.5, 1, 1000, 1.5e12]) {
      expect(difficultyFromTarget(targetFromDifficulty(d)) / d).toBeCloseTo(1, 9);
    }
    // 1024 as in research/sv2.md: ...00c0ff3f0000000000 little-endian on the wire.
    expect(targetFromDifficulty(1024)).toBe((0xffffn << 208n) / 1024n);
  });

  it('raises the difficulty when shares come too fast and lowers it when none come, never past the floor', () => {
    const floor = floorTargetForBits(4);
    const start = floor;
    const vardiff = new Vardiff({ sharesPerMinute: 6, retargetSeconds: 10, floorTarget: floor }, start, MAX_TARGET, 0);
    for (let i = 0; i < 100; i++) vardiff.onShare();
    expect(vardiff.retarget(5_000)).toBeNull(); // window not over yet
    const harder = vardiff.retarget(10_000);
    expect(harder).not.toBeNull();
    // 100 shares in 10 s instead of 1: about 100x harder.
    expect(hashesPerShare(harder!) / hashesPerShare(start)).toBeCloseTo(100, 0);
    const easier = vardiff.retarget(20_000);
    expect(easier).not.toBeNull();
    expect(easier! > harder!).toBe(true);
    // In band: 1 share per 10 s is what 6/min asks for.
    vardiff.onShare();
    expect(vardiff.retarget(30_000)).toBeNull();
    // Never easier than the floor, never easier than the client's maximum.
    const capped = new Vardiff({ sharesPerMinute: 6, retargetSeconds: 1, floorTarget: floor }, floor, floor >> 2n, 0);
    expect(capped.retarget(5_000)).toBe(floor >> 2n);
  });
});

describe('user identity', () => {
  const key = '02' + 'c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5'.toUpperCase();
  it('takes a trailing compressed pubkey as the locking key', () => {
    expect(parseUserIdentity(`alice.rig1.${key}`)).toEqual({ worker: 'alice.rig1', lockingKey: key.toLowerCase() });
  });
  it('falls back when the suffix is no valid point', () => {
    expect(parseUserIdentity('alice.rig1')).toEqual({ worker: 'alice.rig1', lockingKey: null });
    expect(parseUserIdentity(`w.02${'ff'.repeat(32)}`).lockingKey).toBeNull();
    expect(parseUserIdentity(key).lockingKey).toBeNull();
  });
});

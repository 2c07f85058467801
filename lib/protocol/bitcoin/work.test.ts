import { describe, expect, it } from 'vitest';
import { headerForSubmission, type Sv1Job } from '../sv1/job';
import { bytesToHex, DIFF1_TARGET, difficultyFromTarget, hashDifficulty, hexToBytes, leadingZeroBits, MAX_TARGET, merkleRoot, nbitsToTarget, sha256d, swapWords32, targetFromDifficulty } from './work';

// Bitcoin's genesis block: the one header every implementation agrees on.
const GENESIS_COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';
const GENESIS_HASH = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';
const GENESIS_MERKLE = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';
const display = (raw: Uint8Array) => bytesToHex(raw.slice().reverse());

describe('proof-of-work primitives', () => {
  it('builds the genesis header from Stratum V1 job fields exactly as a miner does', () => {
    // split the coinbase around 4 + 4 bytes as if they were extranonce1 and extranonce2
    const cut = 84;
    const job: Sv1Job = {
      jobId: 'genesis',
      prevHash: '00'.repeat(32),
      coinbase1: GENESIS_COINBASE.slice(0, cut),
      coinbase2: GENESIS_COINBASE.slice(cut + 16),
      merkleBranches: [],
      version: '00000001',
      nbits: '1d00ffff',
      ntime: '495fab29',
      cleanJobs: true,
    };
    const header = headerForSubmission(job, {
      extranonce1: GENESIS_COINBASE.slice(cut, cut + 8),
      extranonce2: GENESIS_COINBASE.slice(cut + 8, cut + 16),
      ntime: '495fab29',
      nonce: '7c2bac1d',
    });
    expect(display(header.slice(36, 68))).toBe(GENESIS_MERKLE);
    const hash = sha256d(header);
    expect(display(hash)).toBe(GENESIS_HASH);
    expect(leadingZeroBits(hash)).toBe(43);
    expect(hashDifficulty(hash)).toBeGreaterThan(2536);
    expect(hashDifficulty(hash)).toBeLessThan(2537);
  });

  it('folds the merkle path in internal byte order', () => {
    const a = sha256d(new Uint8Array([1]));
    const b = sha256d(new Uint8Array([2]));
    const pair = new Uint8Array(64);
    pair.set(a);
    pair.set(b, 32);
    expect(bytesToHex(merkleRoot(a, [b]))).toBe(bytesToHex(sha256d(pair)));
    expect(bytesToHex(merkleRoot(a, []))).toBe(bytesToHex(a));
  });

  it('converts difficulty and target both ways, exact at CPU-mining scale', () => {
    expect(targetFromDifficulty(1)).toBe(DIFF1_TARGET);
    expect(difficultyFromTarget(DIFF1_TARGET)).toBe(1);
    for (const d of [1e-9, 2.8e-5, 0.5, 1000, 1e12]) expect(difficultyFromTarget(targetFromDifficulty(d)) / d).toBeCloseTo(1, 9);
    expect(targetFromDifficulty(1e-30)).toBe(MAX_TARGET);
    expect(() => targetFromDifficulty(0)).toThrow(RangeError);
    expect(() => targetFromDifficulty(Number.NaN)).toThrow(RangeError);
  });

  it('reads compact nbits', () => {
    expect(nbitsToTarget(0x1d00ffff)).toBe(DIFF1_TARGET);
    expect(nbitsToTarget(0x03123456)).toBe(0x123456n);
  });

  it('swaps 4-byte words and is its own inverse', () => {
    const bytes = hexToBytes('0001020304050607');
    expect(bytesToHex(swapWords32(bytes))).toBe('0302010007060504');
    expect(bytesToHex(swapWords32(swapWords32(bytes)))).toBe('0001020304050607');
    expect(() => swapWords32(new Uint8Array(3))).toThrow(RangeError);
  });
});

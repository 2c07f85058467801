import { describe, expect, it } from 'vitest';
import { headerHash, merkleNodeHash } from './header-hash';
import { bytesToHex, hexToBytes, sha256d } from './work';

const display = (raw: Uint8Array) => bytesToHex(raw.slice().reverse());

// Block headers and their hashes as every Bitcoin implementation has them (hashes shown byte-reversed, as block explorers do).
const BLOCKS = [
  {
    name: 'genesis',
    header: '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
    hash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
  },
  {
    name: '125552 (the Bitcoin wiki’s block hashing example)',
    header: '0100000081cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000e320b6c2fffc8d750423db8b1eb942ae710e951ed797f7affc8892b0f1fc122bc7f5d74df2b9441a42a14695',
    hash: '00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d',
  },
];

describe('headerHash', () => {
  for (const block of BLOCKS) {
    it(`hashes block ${block.name} to its known hash`, () => {
      expect(display(headerHash(hexToBytes(block.header), new Uint8Array(32)))).toBe(block.hash);
    });
  }

  it('agrees with a general SHA-256 on every header, into a reused output', () => {
    const out = new Uint8Array(32);
    const header = new Uint8Array(80);
    let seed = 1;
    for (let n = 0; n < 2000; n++) {
      for (let i = 0; i < 80; i++) header[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      expect(bytesToHex(headerHash(header, out))).toBe(bytesToHex(sha256d(header)));
    }
  });

  it('refuses anything but an 80-byte header', () => {
    expect(() => headerHash(new Uint8Array(79), new Uint8Array(32))).toThrow(RangeError);
    expect(() => headerHash(new Uint8Array(80), new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('merkleNodeHash', () => {
  it('hashes block 170’s two transactions to its known merkle root', () => {
    // txids as explorers show them (byte-reversed); the tree hashes them in internal order
    const coinbase = hexToBytes('b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082').reverse();
    const payment = hexToBytes('f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16').reverse();
    const pair = new Uint8Array(64);
    pair.set(coinbase, 0);
    pair.set(payment, 32);
    expect(display(merkleNodeHash(pair, new Uint8Array(32)))).toBe('7dac2c5666815c17a3b36427de37bb9d2e2c5ccec3f8633eb91a4205cb4c10ff');
  });

  it('agrees with a general SHA-256 on every pair, written over the pair’s first half', () => {
    const pair = new Uint8Array(64);
    let seed = 7;
    for (let n = 0; n < 2000; n++) {
      for (let i = 0; i < 64; i++) pair[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      const expected = bytesToHex(sha256d(pair));
      expect(bytesToHex(merkleNodeHash(pair, pair.subarray(0, 32)))).toBe(expected);
    }
  });

  it('refuses anything but a 64-byte pair', () => {
    expect(() => merkleNodeHash(new Uint8Array(63), new Uint8Array(32))).toThrow(RangeError);
    expect(() => merkleNodeHash(new Uint8Array(64), new Uint8Array(31))).toThrow(RangeError);
  });
});

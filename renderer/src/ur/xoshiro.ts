/**
 * Xoshiro256** as BCR-2020-005's fountain code uses it: seeded with SHA-256 of the seed bytes, read as four
 * big-endian 64-bit words. Encoder and decoder must draw the same numbers, so every step here is exact (BigInt).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { uint32BE } from './bytewords';

const MASK = (1n << 64n) - 1n;
const TWO_64 = 2 ** 64;

function rotl(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (64n - k))) & MASK;
}

export class Xoshiro256 {
  private s: [bigint, bigint, bigint, bigint];

  /** from bytes (hashed), a string (UTF-8, hashed) or a CRC-32 value (its four big-endian bytes, hashed) */
  constructor(seed: Uint8Array | string | number) {
    const bytes = typeof seed === 'string' ? new TextEncoder().encode(seed) : typeof seed === 'number' ? uint32BE(seed) : seed;
    const digest = sha256(bytes);
    const word = (i: number) => digest.slice(i * 8, i * 8 + 8).reduce((v, b) => (v << 8n) | BigInt(b), 0n);
    this.s = [word(0), word(1), word(2), word(3)];
  }

  next(): bigint {
    const s = this.s;
    const result = (rotl((s[1] * 5n) & MASK, 7n) * 9n) & MASK;
    const t = (s[1] << 17n) & MASK;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45n);
    return result;
  }

  /** in [0, 1) */
  nextDouble(): number {
    return Number(this.next()) / TWO_64;
  }

  /** in [low, high], both included */
  nextInt(low: number, high: number): number {
    return Math.floor(this.nextDouble() * (high - low + 1)) + low;
  }

  nextByte(): number {
    return this.nextInt(0, 255);
  }

  nextData(count: number): Uint8Array {
    return Uint8Array.from({ length: count }, () => this.nextByte());
  }
}

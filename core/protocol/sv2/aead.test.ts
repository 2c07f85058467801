import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { aead, nativeAead, nobleAead, type Aead } from './aead';

const backends: Aead[] = [nobleAead, ...(nativeAead ? [nativeAead] : [])];

describe('ChaCha20-Poly1305', () => {
  it.each(backends.map((b) => [b.name, b] as const))('%s reproduces RFC 8439 §2.8.2', (_, backend) => {
    const key = hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = hexToBytes('070000004041424344454647');
    const ad = hexToBytes('50515253c0c1c2c3c4c5c6c7');
    const plaintext = utf8ToBytes("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = backend.seal(key, nonce, ad, plaintext);
    expect(bytesToHex(sealed.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(bytesToHex(sealed.subarray(-16))).toBe('1ae10b594f09e26a7e902ecbd0600691');
    expect(backend.open(key, nonce, ad, sealed)).toEqual(plaintext);
    sealed[5] = sealed[5]! ^ 1;
    expect(backend.open(key, nonce, ad, sealed)).toBeUndefined();
    expect(backend.open(key, nonce, ad, sealed.subarray(0, 15))).toBeUndefined();
    expect(backend.open(key, nonce, new Uint8Array(0), backend.seal(key, nonce, ad, plaintext))).toBeUndefined();
  });

  it('gives identical bytes on every backend for random inputs', () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const ad = randomBytes(i % 3 === 0 ? 0 : 32);
      const plaintext = randomBytes(i * 7);
      const sealed = backends.map((b) => bytesToHex(b.seal(key, nonce, ad, plaintext)));
      expect(new Set(sealed).size).toBe(1);
      for (const backend of backends) expect(Buffer.from(backend.open(key, nonce, ad, hexToBytes(sealed[0]!))!).equals(plaintext)).toBe(true);
    }
  });

  it('uses the native implementation where Node provides it', () => {
    expect(aead).toBe(nativeAead ?? nobleAead);
  });
});

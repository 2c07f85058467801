/**
 * Every ChaCha20-Poly1305 implementation that loads here (libsodium via sodium-native's binding and via its public
 * wrappers, OpenSSL via node:crypto, @noble/ciphers) against RFC 8439's AEAD vectors (§2.8.2 and Appendix A.5, read
 * from the RFC's own text in test/fixtures/rfc8439) and against each other.
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/fixtures';
import { aeadImplementations, sodiumAead } from '../../platform/aead';
import { sodium } from '../../platform/sodium';
import { currentAead, nobleAead } from './aead';
import { CipherState } from './cipher';

const rfc = readFixture('rfc8439', 'rfc8439.txt');

/** The bytes of the hexdump ("  000  4c 61 ...  Ladies") or colon-hex line(s) that follow `label` within `section`. */
function bytesAfter(section: string, label: string): Uint8Array {
  const lines = section.split('\n');
  const start = lines.findIndex((l) => l.trim() === label);
  if (start < 0) throw new Error(`no "${label}" in the RFC section`);
  const hex: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const dump = /^\s*\d{3} {2}((?:[0-9a-f]{2} )*[0-9a-f]{2})/.exec(line);
    const colons = /^\s*((?:[0-9a-f]{2}:)+[0-9a-f]{2}):?\s*$/.exec(line);
    if (dump) hex.push(dump[1]!.replaceAll(' ', ''));
    else if (colons) hex.push(colons[1]!.replaceAll(':', ''));
    else break;
  }
  return Uint8Array.from(Buffer.from(hex.join(''), 'hex'));
}

function section(from: string, to: string): string {
  const start = rfc.indexOf(`\n${from}`);
  const end = rfc.indexOf(`\n${to}`, start + 1);
  if (start < 0 || end < 0) throw new Error(`RFC section ${from} not found`);
  return rfc.slice(start, end);
}

const example = section('2.8.2.  Example and Test Vector for AEAD_CHACHA20_POLY1305', '3.  Implementation Advice');
const decryption = section('A.5.  ChaCha20-Poly1305 AEAD Decryption', 'Appendix B.');
const VECTORS = [
  {
    name: '§2.8.2',
    key: bytesAfter(example, 'Key:'),
    nonce: Uint8Array.from([...bytesAfter(example, '32-bit fixed-common part:'), ...bytesAfter(example, 'IV:')]),
    ad: bytesAfter(example, 'AAD:'),
    plaintext: bytesAfter(example, 'Plaintext:'),
    ciphertext: bytesAfter(example, 'Ciphertext:'),
    tag: bytesAfter(example, 'Tag:'),
  },
  {
    name: 'A.5',
    key: bytesAfter(decryption, 'The ChaCha20 Key'),
    nonce: bytesAfter(decryption, 'The nonce:'),
    ad: bytesAfter(decryption, 'The AAD:'),
    plaintext: bytesAfter(decryption, 'Plaintext::'),
    ciphertext: bytesAfter(decryption, 'Ciphertext:'),
    tag: bytesAfter(decryption, 'Received Tag:'),
  },
];

describe('ChaCha20-Poly1305', () => {
  it('reads the RFC 8439 vectors from the RFC text', () => {
    for (const v of VECTORS) {
      expect([v.key.length, v.nonce.length, v.tag.length], v.name).toEqual([32, 12, 16]);
      expect(v.ciphertext.length, v.name).toBe(v.plaintext.length);
    }
    expect(new TextDecoder().decode(VECTORS[0]!.plaintext)).toMatch(/^Ladies and Gentlemen of the class of '99/);
    expect(VECTORS[1]!.plaintext.length).toBe(265);
  });

  const sodiumWrapped = sodiumAead(sodium(), undefined)!;
  describe.each([...aeadImplementations(), sodiumWrapped].map((a) => [a.name, a] as const))('%s', (_, aead) => {
    const opened = (ciphertext: Uint8Array, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array): Uint8Array | undefined => {
      const out = new Uint8Array(Math.max(0, ciphertext.length - 16));
      return aead.open(key, nonce, ad, ciphertext, out) ? out : undefined;
    };

    it.each(VECTORS.map((v) => [v.name, v] as const))('seals and opens RFC 8439 %s', (_name, v) => {
      const sealed = new Uint8Array(v.plaintext.length + 16);
      aead.seal(v.key, v.nonce, v.ad, v.plaintext, sealed);
      expect(bytesToHex(sealed)).toBe(bytesToHex(v.ciphertext) + bytesToHex(v.tag));
      expect(bytesToHex(opened(sealed, v.key, v.nonce, v.ad)!)).toBe(bytesToHex(v.plaintext));
    });

    it('seals into a view of a larger buffer, touching nothing around it', () => {
      const v = VECTORS[1]!;
      const frame = new Uint8Array(v.plaintext.length + 16 + 20).fill(0xee);
      aead.seal(v.key, v.nonce, v.ad, v.plaintext, frame.subarray(7, 7 + v.plaintext.length + 16));
      expect(bytesToHex(frame.subarray(7, 7 + v.plaintext.length + 16))).toBe(bytesToHex(v.ciphertext) + bytesToHex(v.tag));
      expect([...frame.subarray(0, 7), ...frame.subarray(7 + v.plaintext.length + 16)].every((b) => b === 0xee)).toBe(true);
    });

    it('seals in place, the plaintext being the first bytes of the output, in memory outside the JS heap too', () => {
      for (const v of VECTORS) {
        for (const frame of [new Uint8Array(v.plaintext.length + 16 + 9), new Uint8Array(new ArrayBuffer(v.plaintext.length + 16 + 9))]) {
          frame.set(v.plaintext, 9);
          aead.seal(v.key, v.nonce, v.ad, frame.subarray(9, 9 + v.plaintext.length), frame.subarray(9));
          expect(bytesToHex(frame.subarray(9)), v.name).toBe(bytesToHex(v.ciphertext) + bytesToHex(v.tag));
        }
      }
    });

    it('opens into a view of a larger buffer, touching nothing around it', () => {
      const v = VECTORS[1]!;
      const sealed = Uint8Array.from([...v.ciphertext, ...v.tag]);
      const out = new Uint8Array(v.plaintext.length + 20).fill(0xee);
      expect(aead.open(v.key, v.nonce, v.ad, sealed, out.subarray(7, 7 + v.plaintext.length))).toBe(true);
      expect(bytesToHex(out.subarray(7, 7 + v.plaintext.length))).toBe(bytesToHex(v.plaintext));
      expect([...out.subarray(0, 7), ...out.subarray(7 + v.plaintext.length)].every((b) => b === 0xee)).toBe(true);
    });

    it('refuses a flipped bit, a short input and different associated data', () => {
      const v = VECTORS[1]!;
      const sealed = Uint8Array.from([...v.ciphertext, ...v.tag]);
      for (const at of [0, 100, sealed.length - 1]) {
        const bad = Uint8Array.from(sealed);
        bad[at]! ^= 1;
        expect(opened(bad, v.key, v.nonce, v.ad)).toBeUndefined();
      }
      expect(opened(sealed.subarray(0, 15), v.key, v.nonce, v.ad)).toBeUndefined();
      expect(opened(sealed, v.key, v.nonce, new Uint8Array(0))).toBeUndefined();
    });
  });

  it('gives identical bytes on every implementation for random inputs, empty ones included', () => {
    const all = aeadImplementations();
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const ad = randomBytes(i % 3 === 0 ? 0 : 32);
      const plaintext = randomBytes(i * 7);
      const sealed = all.map((a) => {
        const out = new Uint8Array(plaintext.length + 16);
        a.seal(key, nonce, ad, plaintext, out);
        return bytesToHex(out);
      });
      expect(new Set(sealed).size).toBe(1);
      for (const aead of all) {
        const out = new Uint8Array(plaintext.length);
        expect(aead.open(key, nonce, ad, Buffer.from(sealed[0]!, 'hex'), out)).toBe(true);
        expect(Buffer.from(out).equals(plaintext)).toBe(true);
      }
    }
  });

  it('installs libsodium here (sodium-native ships a prebuild for this platform), called through its binding, noble last', () => {
    expect(sodium()).toBeDefined();
    expect(aeadImplementations()[0]!.name).toBe('sodium-native');
    expect(sodiumWrapped.name).toBe('sodium-native (wrapped)');
    expect(aeadImplementations().at(-1)).toBe(nobleAead);
    expect(currentAead().name).toBe('sodium-native'); // test/setup.ts installs the platform's crypto
  });

  it("uses sodium-native's public wrappers when its binding does not give their bytes", () => {
    const wrong = {
      crypto_aead_chacha20poly1305_ietf_encrypt: (c: Uint8Array) => (c.fill(1), c.length),
      crypto_aead_chacha20poly1305_ietf_decrypt: (m: Uint8Array) => m.length,
    };
    const throwing = { ...wrong, crypto_aead_chacha20poly1305_ietf_encrypt: () => -1 };
    expect(sodiumAead(sodium(), wrong)!.name).toBe('sodium-native (wrapped)');
    expect(sodiumAead(sodium(), throwing)!.name).toBe('sodium-native (wrapped)');
  });

  it('refuses sizes the binding would take on trust, before libsodium reads or writes past an array', () => {
    const direct = aeadImplementations()[0]!;
    const [key, nonce, empty] = [randomBytes(32), randomBytes(12), new Uint8Array(0)];
    const plaintext = randomBytes(40);
    expect(() => direct.seal(key, nonce, empty, plaintext, new Uint8Array(40 + 15))).toThrow(RangeError);
    expect(() => direct.seal(key.subarray(0, 31), nonce, empty, plaintext, new Uint8Array(56))).toThrow(RangeError);
    expect(() => direct.seal(key, nonce.subarray(0, 8), empty, plaintext, new Uint8Array(56))).toThrow(RangeError);
    const sealed = new Uint8Array(56);
    direct.seal(key, nonce, empty, plaintext, sealed);
    expect(() => direct.open(key, nonce, empty, sealed, new Uint8Array(39))).toThrow(RangeError);
    const opened = new Uint8Array(40);
    expect(direct.open(key, nonce, empty, sealed, opened)).toBe(true);
    expect(Buffer.from(opened).equals(plaintext)).toBe(true);
  });

  it('a cipher state uses the implementation it is given', () => {
    const key = randomBytes(32);
    const calls: string[] = [];
    const counting = { ...nobleAead, seal: (...args: Parameters<typeof nobleAead.seal>) => (calls.push('seal'), nobleAead.seal(...args)) };
    const sealed = new CipherState(key, counting).encrypt(Uint8Array.of(1, 2, 3));
    expect(calls).toEqual(['seal']);
    expect(new CipherState(key).decrypt(sealed)).toEqual(Uint8Array.of(1, 2, 3));
  });
});

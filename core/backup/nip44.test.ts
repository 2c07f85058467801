import { createHash } from 'node:crypto';
import { hexToBytes } from '@noble/hashes/utils.js';
import * as reference from 'nostr-tools/nip44';
import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../test/fixtures';
import { randomBytes } from 'node:crypto';
import { calcPaddedLen, chacha20Openssl, chacha20Sodium, decrypt, encrypt, getConversationKey, messageKeys } from './nip44';

interface Vectors {
  v2: {
    valid: {
      get_conversation_key: Array<{ sec1: string; pub2: string; conversation_key: string }>;
      get_message_keys: { conversation_key: string; keys: Array<{ nonce: string; chacha_key: string; chacha_nonce: string; hmac_key: string }> };
      calc_padded_len: Array<[number, number]>;
      encrypt_decrypt: Array<{ conversation_key: string; nonce: string; plaintext: string; payload: string }>;
      encrypt_decrypt_long_msg: Array<{ conversation_key: string; nonce: string; pattern: string; repeat: number; plaintext_sha256: string; payload_sha256: string }>;
    };
    invalid: { decrypt: Array<{ conversation_key: string; payload: string; note: string }>; encrypt_msg_lengths: number[] };
  };
}

const v = readFixtureJson<Vectors>('nostr', 'nip44.vectors.json').v2;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('NIP-44 v2 on node:crypto (paulmillr/nip44 vectors)', () => {
  it('conversation keys', () => {
    for (const t of v.valid.get_conversation_key) expect(Buffer.from(getConversationKey(hexToBytes(t.sec1), t.pub2)).toString('hex')).toBe(t.conversation_key);
  });

  it('message keys', () => {
    const key = hexToBytes(v.valid.get_message_keys.conversation_key);
    for (const t of v.valid.get_message_keys.keys) {
      const k = messageKeys(key, hexToBytes(t.nonce));
      expect([k.chachaKey.toString('hex'), k.chachaNonce.toString('hex'), k.hmacKey.toString('hex')]).toEqual([t.chacha_key, t.chacha_nonce, t.hmac_key]);
    }
  });

  it('padded lengths', () => {
    for (const [len, padded] of v.valid.calc_padded_len) expect(calcPaddedLen(len)).toBe(padded);
  });

  it('encrypts to the exact payload and decrypts it back', () => {
    expect(v.valid.encrypt_decrypt.length).toBeGreaterThan(0);
    for (const t of v.valid.encrypt_decrypt) {
      const key = hexToBytes(t.conversation_key);
      expect(encrypt(t.plaintext, key, hexToBytes(t.nonce))).toBe(t.payload);
      expect(decrypt(t.payload, key)).toBe(t.plaintext);
    }
  });

  it('long messages', () => {
    for (const t of v.valid.encrypt_decrypt_long_msg) {
      const plaintext = t.pattern.repeat(t.repeat);
      expect(sha256(plaintext)).toBe(t.plaintext_sha256);
      const payload = encrypt(plaintext, hexToBytes(t.conversation_key), hexToBytes(t.nonce));
      expect(sha256(payload)).toBe(t.payload_sha256);
      expect(decrypt(payload, hexToBytes(t.conversation_key))).toBe(plaintext);
    }
  });

  it('rejects every invalid payload with the vector reason', () => {
    expect(v.invalid.decrypt.length).toBeGreaterThan(0);
    for (const t of v.invalid.decrypt) expect(() => decrypt(t.payload, hexToBytes(t.conversation_key)), t.note).toThrow();
  });

  it('an empty plaintext is refused; beyond 65,535 bytes the extended prefix of 44.md is used, as nostr-tools does', () => {
    const key = hexToBytes(v.valid.encrypt_decrypt[0]!.conversation_key);
    expect(() => encrypt('', key)).toThrow(/plaintext size/);
    const big = 'y'.repeat(100_000);
    const nonce = new Uint8Array(32).fill(9);
    const payload = encrypt(big, key, nonce);
    expect(payload).toBe(reference.encrypt(big, key, nonce));
    expect(decrypt(payload, key)).toBe(big);
  });

  it('ChaCha20 on libsodium (used here) and on OpenSSL give the same bytes', () => {
    const sodium = chacha20Sodium();
    expect(sodium).toBeDefined();
    for (const length of [0, 1, 63, 64, 65, 1000, 70_000]) {
      const [key, nonce, data] = [randomBytes(32), randomBytes(12), randomBytes(length)];
      expect(sodium!(key, nonce, data).toString('hex')).toBe(chacha20Openssl(key, nonce, data).toString('hex'));
    }
  });

  it('refuses payloads that are not standard, padded base64', () => {
    const t = v.valid.encrypt_decrypt[0]!;
    const key = hexToBytes(t.conversation_key);
    const withinBody = (at: number, c: string) => t.payload.slice(0, at) + c + t.payload.slice(at + 1);
    for (const bad of [withinBody(10, '='), withinBody(20, '-'), withinBody(30, '_'), withinBody(40, 'é'), withinBody(50, ' '), `${t.payload}=`, `${t.payload}A`]) {
      expect(() => decrypt(bad, key), JSON.stringify(bad.slice(0, 60))).toThrow(/invalid base64/);
    }
    expect(decrypt(t.payload, key)).toBe(t.plaintext);
  });
});

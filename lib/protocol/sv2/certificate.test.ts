import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { createBase58check } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { readFixture, readFixtureJson } from '../../../test/fixtures';
import {
  HASHPOOL_DEV_AUTHORITY_SECRET,
  Sv2AuthorityKeyError,
  decodeAuthorityPubkey,
  decodeAuthoritySecretKey,
  devAuthorityKeypair,
  encodeAuthorityPubkey,
  encodeAuthoritySecretKey,
} from './authority';
import { CERTIFICATE_SIZE, certificateDigest, parseCertificate, signCertificate, verifyCertificate } from './certificate';
import { randomSecretKey, xOnlyPublicKey } from './ellswift';
import { Sv2HandshakeError } from './errors';

function handshakeErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Sv2HandshakeError);
    return (error as Sv2HandshakeError).code;
  }
  throw new Error('expected a handshake error');
}

describe('BIP340 vectors (the certificate signature scheme)', () => {
  const [, ...rows] = readFixture('bip324', 'bip-0340-test-vectors.csv').trim().split('\n');

  it('signs and verifies exactly like the vectors', () => {
    expect(rows.length).toBe(19);
    for (const row of rows) {
      const [index, secret, pub, aux, msg, sig, result] = row.split(',');
      const expected = result === 'TRUE';
      let verified: boolean;
      try {
        verified = schnorr.verify(hexToBytes(sig!), hexToBytes(msg!), hexToBytes(pub!));
      } catch {
        verified = false;
      }
      expect(verified, `vector ${index}`).toBe(expected);
      if (secret) {
        expect(bytesToHex(schnorr.sign(hexToBytes(msg!), hexToBytes(secret), hexToBytes(aux!))).toUpperCase(), `vector ${index}`).toBe(sig);
      }
    }
  });
});

describe('authority keys', () => {
  const spec = readFixtureJson<{ authority_pubkey_base58check: { raw_ca_public_key_hex: string; prefixed_base58check: string } }>('sv2', 'sri_vectors.json').authority_pubkey_base58check;

  it('round-trips the sv2-spec §4.7.1 vector', () => {
    expect(bytesToHex(decodeAuthorityPubkey(spec.prefixed_base58check))).toBe(spec.raw_ca_public_key_hex);
    expect(encodeAuthorityPubkey(hexToBytes(spec.raw_ca_public_key_hex))).toBe(spec.prefixed_base58check);
  });

  it("derives hashpool's published dev authority from its dev secret", () => {
    const dev = devAuthorityKeypair();
    expect(dev.publicKeyBase58).toBe('9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72');
    expect(bytesToHex(dev.publicKey)).toBe('24ee3c3804a1aaa4c03b80ea19f7a5863c916e8994b7db94a3bad7ee092b6ce7');
    expect(encodeAuthoritySecretKey(dev.secretKey)).toBe(HASHPOOL_DEV_AUTHORITY_SECRET);
  });

  it('rejects wrong checksums, lengths and versions', () => {
    const good = spec.prefixed_base58check;
    const badChecksum = good.slice(0, -1) + (good.endsWith('h') ? 'i' : 'h');
    expect(() => decodeAuthorityPubkey(badChecksum)).toThrow(Sv2AuthorityKeyError);
    expect(() => decodeAuthorityPubkey(HASHPOOL_DEV_AUTHORITY_SECRET)).toThrow(/34 bytes/);
    expect(() => decodeAuthoritySecretKey(good)).toThrow(Sv2AuthorityKeyError);
    const version2 = createBase58check(sha256).encode(Uint8Array.from([0x02, 0x00, ...hexToBytes(spec.raw_ca_public_key_hex)]));
    expect(() => decodeAuthorityPubkey(version2)).toThrow(/version/);
    const offCurve = createBase58check(sha256).encode(Uint8Array.from([0x01, 0x00, ...new Uint8Array(32).fill(0xff)]));
    expect(() => decodeAuthorityPubkey(offCurve)).toThrow(/secp256k1/);
  });
});

describe('certificate', () => {
  const authority = devAuthorityKeypair();
  const serverSecret = randomSecretKey();
  const serverStaticXOnly = xOnlyPublicKey(serverSecret);
  const validFrom = 1_700_000_000;
  const notValidAfter = validFrom + 3600;
  const cert = signCertificate({ validFrom, notValidAfter, serverStaticXOnly, authoritySecretKey: authority.secretKey });
  const verify = (bytes: Uint8Array, now: number, extra: { authorityPubkey?: Uint8Array; clockSkewSeconds?: number } = {}) =>
    verifyCertificate(bytes, { serverStaticXOnly, authorityPubkey: extra.authorityPubkey ?? authority.publicKey, now, clockSkewSeconds: extra.clockSkewSeconds });

  it('is 74 little-endian bytes signing SHA256(version||valid_from||not_valid_after||server x-only)', () => {
    expect(cert).toHaveLength(CERTIFICATE_SIZE);
    expect(bytesToHex(cert.subarray(0, 10))).toBe('0000' + '00f15365' + '10ff5365');
    const digest = certificateDigest(0, validFrom, notValidAfter, serverStaticXOnly);
    expect(schnorr.verify(cert.subarray(10), digest, authority.publicKey)).toBe(true);
    expect(parseCertificate(cert)).toMatchObject({ version: 0, validFrom, notValidAfter });
  });

  it('applies the clock-skew policy: valid_from - skew <= now <= not_valid_after + skew', () => {
    expect(verify(cert, validFrom).validFrom).toBe(validFrom);
    expect(verify(cert, validFrom - 10).notValidAfter).toBe(notValidAfter);
    expect(handshakeErrorCode(() => verify(cert, validFrom - 11))).toBe('certificate-not-yet-valid');
    expect(verify(cert, notValidAfter + 10).version).toBe(0);
    expect(handshakeErrorCode(() => verify(cert, notValidAfter + 11))).toBe('certificate-expired');
    expect(verify(cert, validFrom - 60, { clockSkewSeconds: 60 }).version).toBe(0);
    expect(handshakeErrorCode(() => verify(cert, validFrom - 1, { clockSkewSeconds: 0 }))).toBe('certificate-not-yet-valid');
    expect(() => verify(cert, validFrom, { clockSkewSeconds: -1 })).toThrow(RangeError);
  });

  it('rejects a certificate from another authority, for another server key, or altered', () => {
    expect(handshakeErrorCode(() => verify(cert, validFrom, { authorityPubkey: xOnlyPublicKey(randomSecretKey()) }))).toBe('wrong-authority');
    expect(handshakeErrorCode(() => verifyCertificate(cert, { serverStaticXOnly: xOnlyPublicKey(randomSecretKey()), authorityPubkey: authority.publicKey, now: validFrom }))).toBe('wrong-authority');
    const stretched = cert.slice();
    stretched[6] = stretched[6]! ^ 1; // not_valid_after changed after signing
    expect(handshakeErrorCode(() => verify(stretched, validFrom))).toBe('wrong-authority');
  });

  it('rejects unknown versions, inverted windows and wrong sizes as bad certificates', () => {
    const v1 = signCertificate({ version: 1, validFrom, notValidAfter, serverStaticXOnly, authoritySecretKey: authority.secretKey });
    expect(handshakeErrorCode(() => verify(v1, validFrom))).toBe('bad-certificate');
    const inverted = signCertificate({ validFrom: notValidAfter, notValidAfter: validFrom, serverStaticXOnly, authoritySecretKey: authority.secretKey });
    expect(handshakeErrorCode(() => verify(inverted, validFrom))).toBe('bad-certificate');
    expect(handshakeErrorCode(() => verify(cert.subarray(0, 73), validFrom))).toBe('bad-certificate');
  });
});

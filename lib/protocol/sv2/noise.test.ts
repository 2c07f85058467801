import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../../test/fixtures';
import { devAuthorityKeypair } from './authority';
import { ENCRYPTED_HEADER_SIZE, encryptedPayloadLength } from './cipher';
import { ellswiftEcdh, randomSecretKey, xOnlyPublicKey } from './ellswift';
import { Sv2HandshakeError, Sv2TransportError } from './errors';
import { decodeMessage, encodeMessage } from './messages';
import { ACT1_SIZE, ACT2_SIZE, NOISE_HASHED_PROTOCOL_NAME, NoiseInitiator, NoiseResponder, type CertificateValidity } from './noise';
import { sampleMessages } from './sample-messages';

const authority = devAuthorityKeypair();
const NOW = 1_700_000_000;
const validity: CertificateValidity = { validFrom: NOW, notValidAfter: NOW + 3600 };

function handshake(options: { authorityPubkey?: Uint8Array; validity?: CertificateValidity; now?: number; maxPayloadBytes?: number } = {}) {
  const initiator = new NoiseInitiator({ authorityPubkey: options.authorityPubkey ?? authority.publicKey, decryptor: { maxPayloadBytes: options.maxPayloadBytes } });
  const responder = new NoiseResponder({ authoritySecretKey: authority.secretKey, decryptor: { maxPayloadBytes: options.maxPayloadBytes } });
  const act1 = initiator.start();
  const { reply, session: server } = responder.respond(act1, options.validity ?? validity);
  const result = initiator.finish(reply, options.now ?? NOW);
  return { act1, reply, client: result.session, server, result };
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('Noise NX handshake', () => {
  it("hashes the protocol name to SRI's constant", () => {
    const sri = readFixtureJson<{ noise: { hashed_protocol_name_hex: string; sizes: Record<string, number> } }>('sv2', 'sri_vectors.json').noise;
    expect(bytesToHex(NOISE_HASHED_PROTOCOL_NAME)).toBe(sri.hashed_protocol_name_hex);
    expect(ACT1_SIZE).toBe(64);
    expect(ACT2_SIZE).toBe(sri.sizes.INITIATOR_EXPECTED_HANDSHAKE_MESSAGE_SIZE);
  });

  it('completes with 64 + 234 bytes and both ends agree on the transcript', () => {
    const { act1, reply, client, server, result } = handshake();
    expect(act1).toHaveLength(64);
    expect(reply).toHaveLength(234);
    expect(client.handshakeHash).toEqual(server.handshakeHash);
    expect(result.certificate).toMatchObject({ version: 0, validFrom: NOW, notValidAfter: NOW + 3600 });
  });

  it('carries every message type both ways', () => {
    const { client, server } = handshake();
    for (const message of sampleMessages()) {
      const [toServer] = server.decryptor.push(client.encryptor.encryptFrame(encodeMessage(message)));
      expect(decodeMessage(toServer!.extensionType, toServer!.msgType, toServer!.payload)).toEqual(message);
      const [toClient] = client.decryptor.push(server.encryptor.encryptFrame(encodeMessage(message)));
      expect(decodeMessage(toClient!.extensionType, toClient!.msgType, toClient!.payload)).toEqual(message);
    }
  });

  it('matches an independent derivation of the transcript, keys and first frame', () => {
    const eI = randomSecretKey();
    const eR = randomSecretKey();
    const sR = randomSecretKey();
    const initiator = new NoiseInitiator({ authorityPubkey: authority.publicKey, ephemeralSecretKey: eI });
    const responder = new NoiseResponder({ authoritySecretKey: authority.secretKey, ephemeralSecretKey: eR, staticSecretKey: sR });
    const act1 = initiator.start();
    const { reply } = responder.respond(act1, validity);
    const { session, serverStaticXOnly } = initiator.finish(reply, NOW);
    expect(serverStaticXOnly).toEqual(xOnlyPublicKey(sR));

    // Noise by the book, written out step by step.
    const hkdf = (ck: Uint8Array, ikm: Uint8Array) => {
      const t = hmac(sha256, ck, ikm);
      const o1 = hmac(sha256, t, Uint8Array.of(1));
      return [o1, hmac(sha256, t, concatBytes(o1, Uint8Array.of(2)))] as const;
    };
    const nonce = (n: number) => Uint8Array.of(0, 0, 0, 0, n, 0, 0, 0, 0, 0, 0, 0);
    let ck = sha256(new TextEncoder().encode('Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256'));
    let h = sha256(ck);
    h = sha256(concatBytes(h, act1));
    h = sha256(h); // EncryptAndHash of an empty payload without a key
    const re = reply.subarray(0, 64);
    h = sha256(concatBytes(h, re));
    let k: Uint8Array;
    [ck, k] = hkdf(ck, ellswiftEcdh(eR, act1, re, false));
    const sealedStatic = reply.subarray(64, 144);
    const staticEncoding = chacha20poly1305(k, nonce(0), h).decrypt(sealedStatic);
    h = sha256(concatBytes(h, sealedStatic));
    [ck, k] = hkdf(ck, ellswiftEcdh(sR, act1, staticEncoding, false));
    const sealedCert = reply.subarray(144);
    expect(chacha20poly1305(k, nonce(0), h).decrypt(sealedCert)).toHaveLength(74);
    h = sha256(concatBytes(h, sealedCert));
    expect(session.handshakeHash).toEqual(h);
    const [k1] = hkdf(ck, new Uint8Array(0));

    const message = encodeMessage(sampleMessages()[0]!);
    const header = Uint8Array.of(message.extensionType & 0xff, message.extensionType >> 8, message.msgType, message.payload.length, 0, 0);
    const expected = concatBytes(chacha20poly1305(k1, nonce(0)).encrypt(header), chacha20poly1305(k1, nonce(1)).encrypt(message.payload));
    expect(session.encryptor.encryptFrame(message)).toEqual(expected);
  });

  it('fails with decrypt-failed when any byte of the reply is altered', () => {
    for (const index of [0, 63, 64, 100, 143, 144, 200, 233]) {
      const initiator = new NoiseInitiator({ authorityPubkey: authority.publicKey });
      const { reply } = new NoiseResponder({ authoritySecretKey: authority.secretKey }).respond(initiator.start(), validity);
      reply[index] = reply[index]! ^ 0x01;
      const error = errorOf(() => initiator.finish(reply, NOW));
      expect(error).toBeInstanceOf(Sv2HandshakeError);
      expect((error as Sv2HandshakeError).code).toBe('decrypt-failed');
    }
  });

  it('rejects a wrong authority, an expired or early certificate and an unknown version', () => {
    const code = (fn: () => unknown) => (errorOf(fn) as Sv2HandshakeError).code;
    expect(code(() => handshake({ authorityPubkey: xOnlyPublicKey(randomSecretKey()) }))).toBe('wrong-authority');
    expect(code(() => handshake({ now: NOW + 3600 + 11 }))).toBe('certificate-expired');
    expect(code(() => handshake({ now: NOW - 11 }))).toBe('certificate-not-yet-valid');
    expect(handshake({ now: NOW - 10 }).result.certificate.validFrom).toBe(NOW);
    expect(code(() => handshake({ validity: { ...validity, version: 1 } }))).toBe('bad-certificate');
  });

  it('rejects short acts and reuse', () => {
    const initiator = new NoiseInitiator({ authorityPubkey: authority.publicKey });
    const act1 = initiator.start();
    expect((errorOf(() => new NoiseResponder({ authoritySecretKey: authority.secretKey }).respond(act1.subarray(0, 63), validity)) as Sv2HandshakeError).code).toBe('truncated');
    expect((errorOf(() => initiator.start()) as Sv2HandshakeError).code).toBe('wrong-state');
    expect((errorOf(() => initiator.finish(new Uint8Array(170), NOW)) as Sv2HandshakeError).code).toBe('truncated');
    expect((errorOf(() => initiator.finish(new Uint8Array(234), NOW)) as Sv2HandshakeError).code).toBe('wrong-state');
  });
});

describe('encrypted transport', () => {
  it('seals the header alone and the payload in chunks of at most 65519 bytes', () => {
    expect(encryptedPayloadLength(0)).toBe(0);
    expect(encryptedPayloadLength(65519)).toBe(65535);
    expect(encryptedPayloadLength(65520)).toBe(65552);
    const { client, server } = handshake({ maxPayloadBytes: 200_000 });
    const frame = (length: number) => ({ extensionType: 0x8005, msgType: 0x99, payload: Uint8Array.from({ length }, (_, i) => i & 0xff) });
    for (const length of [0, 1, 65519, 65520, 140_000]) {
      const sealed = client.encryptor.encryptFrame(frame(length));
      expect(sealed.length).toBe(ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(length));
      const opened = server.decryptor.push(sealed);
      expect(opened).toHaveLength(1);
      expect(opened[0]!.msgType).toBe(0x99);
      expect(Buffer.compare(opened[0]!.payload, frame(length).payload)).toBe(0);
    }
  });

  it('reassembles frames split at every byte and batched together', () => {
    const { client, server } = handshake();
    const messages = sampleMessages();
    const stream = concatBytes(...messages.map((m) => client.encryptor.encryptFrame(encodeMessage(m))));
    const received = [];
    for (let i = 0; i < stream.length; i++) received.push(...server.decryptor.push(stream.subarray(i, i + 1)));
    expect(received.map((f) => decodeMessage(f.extensionType, f.msgType, f.payload))).toEqual(messages);
    expect(server.decryptor.bufferedBytes).toBe(0);
    expect(() => server.decryptor.end()).not.toThrow();
  });

  it('ends the stream on tampering, oversize and truncation with typed errors', () => {
    const code = (fn: () => unknown) => {
      const error = errorOf(fn);
      expect(error).toBeInstanceOf(Sv2TransportError);
      return (error as Sv2TransportError).code;
    };
    const message = encodeMessage(sampleMessages()[0]!);

    const tampered = handshake();
    const sealed = tampered.client.encryptor.encryptFrame(message);
    sealed[30] = sealed[30]! ^ 0x80;
    expect(code(() => tampered.server.decryptor.push(sealed))).toBe('decrypt-failed');
    expect(code(() => tampered.server.decryptor.push(new Uint8Array(1)))).toBe('decrypt-failed');

    const oversized = handshake({ maxPayloadBytes: 1000 });
    const big = oversized.client.encryptor.encryptFrame({ extensionType: 0, msgType: 0x99, payload: new Uint8Array(1001) });
    expect(code(() => oversized.server.decryptor.push(big.subarray(0, ENCRYPTED_HEADER_SIZE)))).toBe('frame-too-large');

    const truncated = handshake();
    const whole = truncated.client.encryptor.encryptFrame(message);
    expect(truncated.server.decryptor.push(whole.subarray(0, whole.length - 1))).toEqual([]);
    expect(code(() => truncated.server.decryptor.end())).toBe('truncated');

    const replayed = handshake();
    const first = replayed.client.encryptor.encryptFrame(message);
    expect(replayed.server.decryptor.push(first)).toHaveLength(1);
    expect(code(() => replayed.server.decryptor.push(first))).toBe('decrypt-failed');
  });
});

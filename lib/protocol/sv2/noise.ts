/**
 * Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256 (spec 04 §4.3-4.5, SRI noise-sv2, sv2-tp noise.cpp), both roles
 * as pure state machines: the caller moves bytes and supplies the clock.
 *
 *   act 1, initiator -> responder:  e                        64 bytes, raw (no frame header)
 *   act 2, responder -> initiator:  e, ee, s, es, cert       64 + 80 + 90 = 234 bytes (the spec's "170" predates EllSwift)
 *
 * Then split: k1 seals initiator->responder, k2 responder->initiator, each with its own nonce counter.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { verifyCertificate, signCertificate, CERTIFICATE_SIZE, type Sv2Certificate } from './certificate';
import { CipherState, MAC_SIZE, Sv2FrameDecryptor, Sv2FrameEncryptor, type FrameDecryptorOptions } from './cipher';
import { ELLSWIFT_ENCODING_SIZE, ellswiftDecode, ellswiftEcdh, ellswiftEncode, randomSecretKey, xOnlyPublicKey } from './ellswift';
import { Sv2HandshakeError, Sv2TransportError } from './errors';

export const NOISE_PROTOCOL_NAME = 'Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256';
/** SHA256(protocol name): longer than 32 bytes, so Noise hashes it. Equals SRI's NOISE_HASHED_PROTOCOL_NAME_CHACHA. */
export const NOISE_HASHED_PROTOCOL_NAME = sha256(utf8ToBytes(NOISE_PROTOCOL_NAME));
export const ACT1_SIZE = ELLSWIFT_ENCODING_SIZE;
export const ACT2_SIZE = ELLSWIFT_ENCODING_SIZE + (ELLSWIFT_ENCODING_SIZE + MAC_SIZE) + (CERTIFICATE_SIZE + MAC_SIZE);

const EMPTY = new Uint8Array(0);

/** HKDF with two outputs, as Noise defines it over HMAC-SHA256. */
function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const tempKey = hmac(sha256, chainingKey, ikm);
  const out1 = hmac(sha256, tempKey, Uint8Array.of(0x01));
  const out2 = hmac(sha256, tempKey, concatBytes(out1, Uint8Array.of(0x02)));
  return [out1, out2];
}

/** Noise SymmetricState. No prologue: neither the spec nor SRI mixes one in. */
class SymmetricState {
  chainingKey: Uint8Array = NOISE_HASHED_PROTOCOL_NAME;
  hash: Uint8Array = sha256(NOISE_HASHED_PROTOCOL_NAME);
  private cipher: CipherState | undefined;

  mixHash(data: Uint8Array): void {
    this.hash = sha256(concatBytes(this.hash, data));
  }

  mixKey(ikm: Uint8Array): void {
    const [chainingKey, key] = hkdf2(this.chainingKey, ikm);
    this.chainingKey = chainingKey;
    this.cipher = new CipherState(key);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher ? this.cipher.encrypt(plaintext, this.hash) : plaintext;
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array, what: string): Uint8Array {
    let plaintext = ciphertext;
    if (this.cipher) {
      try {
        plaintext = this.cipher.decrypt(ciphertext, this.hash);
      } catch (error) {
        if (error instanceof Sv2TransportError) throw new Sv2HandshakeError('decrypt-failed', `${what}: authentication failed`);
        throw error;
      }
    }
    this.mixHash(ciphertext);
    return plaintext;
  }

  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf2(this.chainingKey, EMPTY);
    return [new CipherState(k1), new CipherState(k2)];
  }
}

/** The result of a handshake: one sealing and one opening stream, for the two directions. */
export interface Sv2Session {
  encryptor: Sv2FrameEncryptor;
  decryptor: Sv2FrameDecryptor;
  /** final handshake hash h: identical on both ends, usable as a channel binding */
  handshakeHash: Uint8Array;
}

export interface NoiseInitiatorOptions {
  /** the pool's pinned authority key, x-only */
  authorityPubkey: Uint8Array;
  clockSkewSeconds?: number;
  /** for tests; random otherwise */
  ephemeralSecretKey?: Uint8Array;
  decryptor?: FrameDecryptorOptions;
}

export interface InitiatorResult {
  session: Sv2Session;
  certificate: Sv2Certificate;
  /** the responder's static key, x-only (SRI pools make a fresh one per connection: never pin it) */
  serverStaticXOnly: Uint8Array;
}

export class NoiseInitiator {
  private readonly state = new SymmetricState();
  private readonly ephemeralSecret: Uint8Array;
  private ephemeralEncoding: Uint8Array | undefined;
  private done = false;

  constructor(private readonly options: NoiseInitiatorOptions) {
    if (options.authorityPubkey.length !== 32) throw new Sv2HandshakeError('invalid-key', 'authority public key must be 32 bytes (x-only)');
    this.ephemeralSecret = options.ephemeralSecretKey ?? randomSecretKey();
  }

  /** Act 1: the 64 bytes to send. */
  start(): Uint8Array {
    if (this.ephemeralEncoding) throw new Sv2HandshakeError('wrong-state', 'handshake already started');
    const encoding = ellswiftEncode(this.ephemeralSecret);
    this.ephemeralEncoding = encoding;
    this.state.mixHash(encoding);
    this.state.encryptAndHash(EMPTY);
    return encoding;
  }

  /** Act 2: verifies the responder's reply and certificate at unix time `now` (seconds). */
  finish(reply: Uint8Array, now: number): InitiatorResult {
    const ours = this.ephemeralEncoding;
    if (!ours || this.done) throw new Sv2HandshakeError('wrong-state', 'finish() needs exactly one start() before it');
    this.done = true;
    if (reply.length !== ACT2_SIZE) throw new Sv2HandshakeError('truncated', `handshake reply must be ${ACT2_SIZE} bytes, got ${reply.length}`);
    const responderEphemeral = reply.subarray(0, 64);
    this.state.mixHash(responderEphemeral);
    this.state.mixKey(ellswiftEcdh(this.ephemeralSecret, responderEphemeral, ours, true));
    const responderStatic = this.state.decryptAndHash(reply.subarray(64, 144), 'responder static key');
    this.state.mixKey(ellswiftEcdh(this.ephemeralSecret, responderStatic, ours, true));
    const certificateBytes = this.state.decryptAndHash(reply.subarray(144, ACT2_SIZE), 'certificate');
    const serverStaticXOnly = ellswiftDecode(responderStatic);
    const certificate = verifyCertificate(certificateBytes, {
      serverStaticXOnly,
      authorityPubkey: this.options.authorityPubkey,
      now,
      clockSkewSeconds: this.options.clockSkewSeconds,
    });
    const [toResponder, toInitiator] = this.state.split();
    return {
      session: {
        encryptor: new Sv2FrameEncryptor(toResponder),
        decryptor: new Sv2FrameDecryptor(toInitiator, this.options.decryptor),
        handshakeHash: this.state.hash,
      },
      certificate,
      serverStaticXOnly,
    };
  }
}

export interface CertificateValidity {
  /** unix seconds */
  validFrom: number;
  /** unix seconds */
  notValidAfter: number;
  /** always 0 on the wire today; settable so tests can present a bad certificate */
  version?: number;
}

export interface NoiseResponderOptions {
  authoritySecretKey: Uint8Array;
  /** random per connection when omitted, as SRI does */
  staticSecretKey?: Uint8Array;
  /** for tests; random otherwise */
  ephemeralSecretKey?: Uint8Array;
  decryptor?: FrameDecryptorOptions;
}

export class NoiseResponder {
  private readonly state = new SymmetricState();
  private used = false;

  constructor(private readonly options: NoiseResponderOptions) {}

  /** Takes act 1, returns the 234-byte act 2 and the ready session. */
  respond(act1: Uint8Array, validity: CertificateValidity): { reply: Uint8Array; session: Sv2Session } {
    if (this.used) throw new Sv2HandshakeError('wrong-state', 'a responder answers one handshake');
    this.used = true;
    if (act1.length !== ACT1_SIZE) throw new Sv2HandshakeError('truncated', `handshake act 1 must be ${ACT1_SIZE} bytes, got ${act1.length}`);
    const initiatorEphemeral = act1;
    this.state.mixHash(initiatorEphemeral);
    this.state.decryptAndHash(EMPTY, 'act 1');

    const ephemeralSecret = this.options.ephemeralSecretKey ?? randomSecretKey();
    const staticSecret = this.options.staticSecretKey ?? randomSecretKey();
    const ephemeral = ellswiftEncode(ephemeralSecret);
    const staticEncoding = ellswiftEncode(staticSecret);

    this.state.mixHash(ephemeral);
    this.state.mixKey(ellswiftEcdh(ephemeralSecret, initiatorEphemeral, ephemeral, false));
    const sealedStatic = this.state.encryptAndHash(staticEncoding);
    this.state.mixKey(ellswiftEcdh(staticSecret, initiatorEphemeral, staticEncoding, false));
    const certificate = signCertificate({
      version: validity.version,
      validFrom: validity.validFrom,
      notValidAfter: validity.notValidAfter,
      serverStaticXOnly: xOnlyPublicKey(staticSecret),
      authoritySecretKey: this.options.authoritySecretKey,
    });
    const sealedCertificate = this.state.encryptAndHash(certificate);
    const [toResponder, toInitiator] = this.state.split();
    return {
      reply: concatBytes(ephemeral, sealedStatic, sealedCertificate),
      session: {
        encryptor: new Sv2FrameEncryptor(toInitiator),
        decryptor: new Sv2FrameDecryptor(toResponder, this.options.decryptor),
        handshakeHash: this.state.hash,
      },
    };
  }
}

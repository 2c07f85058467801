/**
 * BIP324 ElligatorSwift on secp256k1, as Sv2's Noise handshake uses it: 64-byte encodings of ephemeral and static
 * keys, and `v2_ecdh` (tagged hash of both encodings as sent, initiator's first, then the x-only shared point).
 * Backed by @scure/btc-signer's implementation, which ellswift.test.ts checks against the BIP324 vectors.
 * Not constant-time: fine for per-connection ephemeral keys, never used for the wallet's long-lived keys.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { Sv2HandshakeError } from './errors';

export const ELLSWIFT_ENCODING_SIZE = 64;

export function randomSecretKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey();
}

/** 32-byte x-only public key of a secret key. */
export function xOnlyPublicKey(secretKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(secretKey, true).slice(1);
}

/** A fresh random 64-byte encoding of secretKey·G (any of the ~2^256 valid encodings decodes to the same x). */
export function ellswiftEncode(secretKey: Uint8Array): Uint8Array {
  const x = secp256k1.Point.BASE.multiply(secp256k1.Point.Fn.fromBytes(secretKey)).x;
  return elligatorSwift.encode(x);
}

/** The x coordinate (32 bytes, big-endian) that a 64-byte encoding stands for. Every 64-byte string decodes. */
export function ellswiftDecode(encoding: Uint8Array): Uint8Array {
  checkEncoding(encoding);
  return elligatorSwift.decode(encoding);
}

/** BIP324 v2_ecdh: both sides get the same 32 bytes when each passes its own role. */
export function ellswiftEcdh(secretKey: Uint8Array, theirEncoding: Uint8Array, ourEncoding: Uint8Array, initiator: boolean): Uint8Array {
  checkEncoding(theirEncoding);
  checkEncoding(ourEncoding);
  return elligatorSwift.getSharedSecretBip324(secretKey, theirEncoding, ourEncoding, initiator);
}

function checkEncoding(encoding: Uint8Array): void {
  if (!(encoding instanceof Uint8Array) || encoding.length !== ELLSWIFT_ENCODING_SIZE) {
    throw new Sv2HandshakeError('invalid-key', `an ElligatorSwift encoding is ${ELLSWIFT_ENCODING_SIZE} bytes`);
  }
}

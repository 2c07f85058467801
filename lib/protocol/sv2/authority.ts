/**
 * Pool authority keys as users paste them (spec 04 §4.7, hashpool key-utils): the public key is base58check of
 * [0x01, 0x00] (U16 LE version 1) || x-only key; the secret key is base58check of the raw 32 bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Sv2Error } from './errors';
import { xOnlyPublicKey } from './ellswift';

const base58check = createBase58check(sha256);
const AUTHORITY_KEY_VERSION = Uint8Array.from([0x01, 0x00]);

export class Sv2AuthorityKeyError extends Sv2Error {
  constructor(message: string) {
    super('invalid-authority-key', message);
    this.name = 'Sv2AuthorityKeyError';
  }
}

function decodeBase58check(text: string, what: string): Uint8Array {
  try {
    return base58check.decode(text.trim());
  } catch {
    throw new Sv2AuthorityKeyError(`${what} is not valid base58check`);
  }
}

export function encodeAuthorityPubkey(xOnly: Uint8Array): string {
  if (xOnly.length !== 32) throw new Sv2AuthorityKeyError('an authority public key is 32 bytes (x-only)');
  return base58check.encode(Uint8Array.from([...AUTHORITY_KEY_VERSION, ...xOnly]));
}

/** Returns the 32-byte x-only key; rejects other lengths, versions and keys off the curve. */
export function decodeAuthorityPubkey(text: string): Uint8Array {
  const raw = decodeBase58check(text, 'authority public key');
  if (raw.length !== 34) throw new Sv2AuthorityKeyError(`authority public key must hold 34 bytes, got ${raw.length}`);
  if (raw[0] !== AUTHORITY_KEY_VERSION[0] || raw[1] !== AUTHORITY_KEY_VERSION[1]) {
    throw new Sv2AuthorityKeyError('authority public key has an unknown version (expected 1)');
  }
  const xOnly = raw.slice(2);
  try {
    secp256k1.Point.fromBytes(Uint8Array.from([0x02, ...xOnly]));
  } catch {
    throw new Sv2AuthorityKeyError('authority public key is not a point on secp256k1');
  }
  return xOnly;
}

export function encodeAuthoritySecretKey(secretKey: Uint8Array): string {
  if (!secp256k1.utils.isValidSecretKey(secretKey)) throw new Sv2AuthorityKeyError('not a valid secp256k1 secret key');
  return base58check.encode(secretKey);
}

export function decodeAuthoritySecretKey(text: string): Uint8Array {
  const raw = decodeBase58check(text, 'authority secret key');
  if (raw.length !== 32 || !secp256k1.utils.isValidSecretKey(raw)) throw new Sv2AuthorityKeyError('authority secret key must be a valid 32-byte secp256k1 key');
  return raw;
}

export interface AuthorityKeypair {
  secretKey: Uint8Array;
  /** x-only */
  publicKey: Uint8Array;
  /** base58check form for configs and connection strings */
  publicKeyBase58: string;
}

export function authorityKeypair(secretKey: Uint8Array): AuthorityKeypair {
  const publicKey = xOnlyPublicKey(secretKey);
  return { secretKey, publicKey, publicKeyBase58: encodeAuthorityPubkey(publicKey) };
}

/**
 * Hashpool's published development authority (config/pool.config.toml; public key
 * 9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72). Public knowledge: for devnet and tests only.
 */
export const HASHPOOL_DEV_AUTHORITY_SECRET = 'mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n';

export function devAuthorityKeypair(): AuthorityKeypair {
  return authorityKeypair(decodeAuthoritySecretKey(HASHPOOL_DEV_AUTHORITY_SECRET));
}

/**
 * Mint keysets: one per unit, 64 keys for amounts 2^0..2^63, input fee 0, derived from the mint seed so a
 * restart (or a second process on the same database) signs with the same keys.
 * Key i of unit U = HMAC-SHA256(seed, "axewallet-devnet-mint|U|i"), re-hashed until it is a valid scalar.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { isValidScalar, keysetIdV1, keysetIdV2, secp, type KeysetKeys } from '../../core/protocol/cashu/index';

export const KEYSET_SIZE = 64;

export type KeysetVersion = 1 | 2;

export interface MintKeyset {
  id: string;
  unit: string;
  active: boolean;
  inputFeePpk: number;
  /** Private key per exponent i (amount 2^i). */
  privkeys: Uint8Array[];
  /** Compressed public key per exponent, raw. */
  pubkeys: Uint8Array[];
  /** amount (decimal string) -> pubkey hex, as /v1/keys serves it. */
  keys: KeysetKeys;
}

function deriveKey(seed: Uint8Array, unit: string, index: number): Uint8Array {
  let key = hmac(sha256, seed, utf8ToBytes(`axewallet-devnet-mint|${unit}|${index}`));
  while (!isValidScalar(key)) key = sha256(key);
  return key;
}

export function deriveKeyset(seed: Uint8Array, unit: string, version: KeysetVersion): MintKeyset {
  const privkeys: Uint8Array[] = [];
  const pubkeys: Uint8Array[] = [];
  const keys: KeysetKeys = {};
  for (let i = 0; i < KEYSET_SIZE; i++) {
    const priv = deriveKey(seed, unit, i);
    const pub = secp().baseMultiply(priv);
    privkeys.push(priv);
    pubkeys.push(pub);
    keys[(1n << BigInt(i)).toString()] = bytesToHex(pub);
  }
  const id = version === 1 ? keysetIdV1(keys) : keysetIdV2(keys, { unit });
  return { id, unit, active: true, inputFeePpk: 0, privkeys, pubkeys, keys };
}

/** The exponent i when amount == 2^i (i < 64), else undefined. */
export function amountExponent(amount: bigint): number | undefined {
  if (amount <= 0n || amount >= 1n << 64n || (amount & (amount - 1n)) !== 0n) return undefined;
  return amount.toString(2).length - 1;
}

/** The mint's identity key (NUT-06 `pubkey`, signed over by quote lookups). */
export function deriveMintIdentity(seed: Uint8Array): { privkey: Uint8Array; pubkey: string } {
  const privkey = deriveKey(seed, 'identity', 0);
  return { privkey, pubkey: bytesToHex(secp().baseMultiply(privkey)) };
}

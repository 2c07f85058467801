/**
 * Mint keysets: 64 keys for amounts 2^0..2^63, input fee 0, derived from the mint seed so a restart (or a
 * second process on the same database) signs with the same keys. A unit's first keyset is generation 0;
 * rotating a unit's keyset makes generation 1, 2, ... A keyset may carry a NUT-02 final_expiry, which its
 * v2 id covers.
 * Key i of unit U = HMAC-SHA256(seed, "axewallet-devnet-mint|U|i") (generation g > 0: "U#g"), re-hashed until
 * it is a valid scalar.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { isValidScalar, keysetIdV1, keysetIdV2, secp, type KeysetKeys } from '../../lib/protocol/cashu/index';

export const KEYSET_SIZE = 64;

export type KeysetVersion = 1 | 2;

export interface MintKeyset {
  id: string;
  unit: string;
  active: boolean;
  inputFeePpk: number;
  generation: number;
  /** unix seconds after which proofs of this keyset are refused (12003); undefined: never */
  finalExpiry?: number;
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

export function deriveKeyset(seed: Uint8Array, unit: string, version: KeysetVersion, options: { generation?: number; finalExpiry?: number } = {}): MintKeyset {
  const privkeys: Uint8Array[] = [];
  const pubkeys: Uint8Array[] = [];
  const keys: KeysetKeys = {};
  const generation = options.generation ?? 0;
  const label = generation === 0 ? unit : `${unit}#${generation}`;
  for (let i = 0; i < KEYSET_SIZE; i++) {
    const priv = deriveKey(seed, label, i);
    const pub = secp().baseMultiply(priv);
    privkeys.push(priv);
    pubkeys.push(pub);
    keys[(1n << BigInt(i)).toString()] = bytesToHex(pub);
  }
  const id = version === 1 ? keysetIdV1(keys) : keysetIdV2(keys, { unit, ...(options.finalExpiry ? { finalExpiry: options.finalExpiry } : {}) });
  const keyset: MintKeyset = { id, unit, active: true, inputFeePpk: 0, generation, privkeys, pubkeys, keys };
  if (options.finalExpiry) keyset.finalExpiry = options.finalExpiry;
  return keyset;
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

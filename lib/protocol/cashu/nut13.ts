/**
 * NUT-13 deterministic output secrets, so every output a seeded wallet creates can be found again with
 * NUT-09 restore. Keyset ids "01..." (v2) use an HMAC-SHA256 KDF (cheap); "00..." (v1) use BIP32 at
 * m/129372'/0'/{keyset_int}'/{counter}'/{0 = secret, 1 = r}, where the keyset-level node is cached.
 */
import { hmacSha256 } from './hash';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import { bytesToScalar, CURVE_ORDER, scalarToBytes } from './secp';

export interface OutputSecret {
  /** The proof secret: hex of 32 derived bytes. */
  secret: string;
  /** Blinding factor r, 32 bytes. */
  r: Uint8Array;
}

const KDF_DOMAIN = utf8ToBytes('Cashu_KDF_HMAC_SHA256');
const HARDENED = 0x80000000;

function counterBytes(counter: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(counter), false);
  return out;
}

/** A function from counter to the output's secret and r, for one seed (BIP39 seed bytes) and keyset. */
export function outputSecretDeriver(seed: Uint8Array, keysetId: string): (counter: number) => OutputSecret {
  if (/^01[0-9a-f]{64}$/.test(keysetId)) {
    const prefix = concatBytes(KDF_DOMAIN, hexToBytes(keysetId));
    return (counter) => {
      if (!Number.isSafeInteger(counter) || counter < 0) throw new Error('counter must be a non-negative safe integer');
      const base = concatBytes(prefix, counterBytes(counter));
      const secret = hmacSha256(seed, concatBytes(base, Uint8Array.of(0)));
      let r = bytesToScalar(hmacSha256(seed, concatBytes(base, Uint8Array.of(1))));
      if (r >= CURVE_ORDER) r -= CURVE_ORDER;
      if (r === 0n) throw new Error('derived blinding factor is zero');
      return { secret: bytesToHex(secret), r: scalarToBytes(r) };
    };
  }
  if (/^00[0-9a-f]{14}$/.test(keysetId)) {
    const keysetInt = Number(BigInt(`0x${keysetId}`) % BigInt(2 ** 31 - 1));
    const node = HDKey.fromMasterSeed(seed).derive(`m/129372'/0'/${keysetInt}'`);
    return (counter) => {
      if (!Number.isInteger(counter) || counter < 0 || counter >= HARDENED) throw new Error('counter must be in 0..2^31-1 for v1 keysets');
      const child = node.deriveChild(HARDENED + counter);
      const secret = child.deriveChild(0).privateKey;
      const r = child.deriveChild(1).privateKey;
      if (!secret || !r) throw new Error('BIP32 derivation failed');
      return { secret: bytesToHex(secret), r };
    };
  }
  throw new Error('NUT-13 needs a hex keyset id of version 00 or 01');
}

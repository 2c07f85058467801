/** NUT-02 keyset ids: version 00 (truncated hash of the keys) and version 01 (full hash that also commits to unit, fee and expiry). */
import { sha256 } from './hash';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { secp } from './secp';

/** Keys of a keyset: amount (decimal string) -> compressed pubkey hex. */
export type KeysetKeys = Record<string, string>;

function sortedByAmount(keys: KeysetKeys): [string, string][] {
  return Object.entries(keys).sort(([a], [b]) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** v1: "00" || hex(SHA256(concat of pubkey bytes by ascending amount))[0:14]. */
export function keysetIdV1(keys: KeysetKeys): string {
  const digest = sha256(concatBytes(...sortedByAmount(keys).map(([, pub]) => hexToBytes(pub))));
  return `00${bytesToHex(digest).slice(0, 14)}`;
}

export interface KeysetIdV2Options {
  unit: string;
  inputFeePpk?: number;
  finalExpiry?: number;
}

/** v2: "01" || hex(SHA256("amount:pub,..." || "|unit:U" [|| "|input_fee_ppk:F" when F > 0] [|| "|final_expiry:T"])). */
export function keysetIdV2(keys: KeysetKeys, options: KeysetIdV2Options): string {
  let preimage = sortedByAmount(keys)
    .map(([amount, pub]) => `${amount}:${pub.toLowerCase()}`)
    .join(',');
  preimage += `|unit:${options.unit}`;
  if (options.inputFeePpk) preimage += `|input_fee_ppk:${options.inputFeePpk}`;
  if (options.finalExpiry) preimage += `|final_expiry:${options.finalExpiry}`;
  return `01${bytesToHex(sha256(utf8ToBytes(preimage)))}`;
}

/** NUT-01: a keyset's keys are power-of-two amounts (< 2^64) mapped to valid compressed points. */
export function isValidKeysetKeys(keys: unknown): keys is KeysetKeys {
  if (!keys || typeof keys !== 'object' || Array.isArray(keys)) return false;
  const entries = Object.entries(keys as Record<string, unknown>);
  return (
    entries.length > 0 &&
    entries.every(([amount, pub]) => {
      if (!/^[1-9][0-9]{0,19}$/.test(amount)) return false;
      const a = BigInt(amount);
      if (a >= 1n << 64n || (a & (a - 1n)) !== 0n) return false;
      return typeof pub === 'string' && /^0[23][0-9a-fA-F]{64}$/.test(pub) && secp().isPoint(hexToBytes(pub));
    })
  );
}

/** NUT-02 keyset ids: version 00 (truncated hash of the keys) and version 01 (full hash that also commits to unit, fee and expiry). */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

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

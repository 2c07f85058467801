/**
 * SHA-256 and HMAC-SHA256 for the cashu modules, on node:crypto (OpenSSL): 1.5-2.7x noble's on the short
 * inputs cashu hashes per output (hash_to_curve, NUT-13, NUT-12, BIP340 tags). Plain Uint8Array out.
 */
import { createHmac, hash } from 'node:crypto';

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function sha256(data: Uint8Array): Uint8Array {
  return view(hash('sha256', data, 'buffer'));
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return view(createHmac('sha256', key).update(data).digest());
}

/**
 * A CPU nonce search over an 80-byte header, for tests, benchmarks and the simulator:
 * shares at the devnet's tiny targets are found in milliseconds.
 */
import { hashMeetsTarget, sha256d } from '../../lib/protocol/bitcoin/work';

export interface FoundNonce {
  nonce: number;
  hash: Uint8Array;
  header: Uint8Array;
}

/** Tries nonces from `startNonce` until `accept(hash)`; null after `maxTries`. The header passed in is not modified. */
export function searchNonce(header: Uint8Array, accept: (hashRaw: Uint8Array) => boolean, startNonce = 0, maxTries = 1 << 22): FoundNonce | null {
  const work = header.slice();
  const view = new DataView(work.buffer, work.byteOffset, work.byteLength);
  for (let i = 0; i < maxTries; i++) {
    const nonce = (startNonce + i) >>> 0;
    view.setUint32(76, nonce, true);
    const hash = sha256d(work);
    if (accept(hash)) return { nonce, hash, header: work.slice() };
  }
  return null;
}

export function mineShare(header: Uint8Array, target: bigint, startNonce = 0): FoundNonce | null {
  return searchNonce(header, (hash) => hashMeetsTarget(hash, target), startNonce);
}

/**
 * The header hashes of one job's shares, to catch a share sent twice: exact, with the oldest forgotten past a limit,
 * and without a JS object per hash. A set of hex strings held ~240 bytes of JS heap per share for as long as its job
 * was held: at 1,000 miners submitting once a second, heap snapshots 2 s apart found 852 KB of new objects kept, 480 KB
 * of them hashes. Here a hash is 36 bytes in two typed arrays, its first four bytes side by side with the whole hash,
 * found through an open-addressing index of those four bytes (a header hash's low bytes are as good as random). A scan
 * of the first bytes instead cost every submit in proportion to its job's shares: under callgrind, a job holding a few
 * hundred took ~9,600 instructions a submit, more than the proxy's parsing of the line (2026-12-07).
 */

const HASH_BYTES = 32;
const FIRST_CAPACITY = 16;
/** index slots per hash kept, at least: probes stay short while it is at most half full */
const INDEX_SPREAD = 2;

export class SentHashes {
  private heads: Int32Array;
  private hashes: Uint8Array;
  /** open addressing with linear probing, by a hash's first four bytes: its slot + 1, or 0 where free */
  private index: Int32Array;
  /** hashes kept, up to `limit` */
  private count = 0;
  /** once full, the slot of the oldest, which the next new hash takes */
  private oldest = 0;

  constructor(private readonly limit: number) {
    const capacity = Math.min(FIRST_CAPACITY, limit);
    this.heads = new Int32Array(capacity);
    this.hashes = new Uint8Array(capacity * HASH_BYTES);
    this.index = new Int32Array(indexSizeFor(capacity));
  }

  /** False when `hash` (32 bytes) is kept already; otherwise keeps it, forgetting the oldest when at the limit. */
  addIfNew(hash: Uint8Array): boolean {
    const head = headOf(hash);
    const index = this.index;
    const mask = index.length - 1;
    let at = head & mask;
    for (let entry = index[at]!; entry !== 0; entry = index[at]!) {
      if (this.heads[entry - 1] === head && this.holdsAt(entry - 1, hash)) return false;
      at = (at + 1) & mask;
    }
    this.keep(hash, head);
    return true;
  }

  private holdsAt(slot: number, hash: Uint8Array): boolean {
    const start = slot * HASH_BYTES;
    for (let i = 4; i < HASH_BYTES; i++) if (this.hashes[start + i] !== hash[i]) return false;
    return true;
  }

  private keep(hash: Uint8Array, head: number): void {
    let slot: number;
    if (this.count < this.limit) {
      if (this.count === this.heads.length) this.grow();
      slot = this.count++;
    } else {
      slot = this.oldest;
      this.oldest = (this.oldest + 1) % this.limit;
      this.unindex(slot);
    }
    this.heads[slot] = head;
    this.hashes.set(hash, slot * HASH_BYTES);
    this.indexSlot(slot);
  }

  private indexSlot(slot: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let at = this.heads[slot]! & mask;
    while (index[at] !== 0) at = (at + 1) & mask;
    index[at] = slot + 1;
  }

  /** Takes `slot` out of the index, moving back any later entry of its run that could no longer be reached. */
  private unindex(slot: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let hole = this.heads[slot]! & mask;
    while (index[hole] !== slot + 1) hole = (hole + 1) & mask;
    index[hole] = 0;
    for (let at = (hole + 1) & mask; index[at] !== 0; at = (at + 1) & mask) {
      const home = this.heads[index[at]! - 1]! & mask;
      // the entry stays unless the hole lies on its way from home (cyclically, home..at)
      const reachable = hole <= at ? home > hole && home <= at : home > hole || home <= at;
      if (reachable) continue;
      index[hole] = index[at]!;
      index[at] = 0;
      hole = at;
    }
  }

  private grow(): void {
    const capacity = Math.min(this.heads.length * 2, this.limit);
    const heads = new Int32Array(capacity);
    heads.set(this.heads);
    const hashes = new Uint8Array(capacity * HASH_BYTES);
    hashes.set(this.hashes);
    this.heads = heads;
    this.hashes = hashes;
    this.index = new Int32Array(indexSizeFor(capacity));
    for (let slot = 0; slot < this.count; slot++) this.indexSlot(slot);
  }
}

/** The smallest power of two with INDEX_SPREAD slots for each of `capacity` hashes. */
function indexSizeFor(capacity: number): number {
  let size = 1;
  while (size < capacity * INDEX_SPREAD) size *= 2;
  return size;
}

function headOf(hash: Uint8Array): number {
  if (hash.length !== HASH_BYTES) throw new Error(`a header hash is ${HASH_BYTES} bytes, not ${hash.length}`);
  return hash[0]! | (hash[1]! << 8) | (hash[2]! << 16) | (hash[3]! << 24);
}

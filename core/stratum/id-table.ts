/**
 * Values by integer id (a share's ledger id, an Sv2 sequence number), for what comes and goes at a share's pace: the
 * shares in flight. Ids arrive mostly in order and leave soon after, so each sits in a ring of slots picked by its
 * low bits: a set, a get and a delete are an index and a compare. A set that finds its slot held by another id grows
 * the ring (up to MAX_SLOTS) or, at that size, moves the holder (a share that never settled) to a dictionary that
 * costs nothing while it stays empty; the ring never grows without bound.
 *
 * Not a Map: V8 links each hash table a Map outgrows, or compacts, to its successor (for live iterators) and leaves
 * its entries in place, so once one table of the chain is in the old generation, every later table and every value
 * any of them held outlives young-generation collections until a full collection. With Maps for these, 1,000 miners
 * at 1,000 shares/s had ~0.6 MB promoted at each young collection; a churning Map of 500-byte values promoted ~10x what
 * an object or an array did (2026-12-06, Node 20). Not only a prototype-less object either (the dictionary before
 * this): a set, a get and a delete of ids in order, 10 or 200 in flight, took 450-510 ns together on its integer keys
 * and 13-23 in the ring (2026-12-07, Node 20, one process timing both in turns).
 */
const FIRST_SLOTS = 16;
/** in flight at once, in order, before the oldest moves aside: thousands of shares a second for a few ms each */
export const MAX_SLOTS = 1024;
/** no id equals it, not even one a caller got wrong */
const EMPTY = Number.NaN;

export class IdTable<V> {
  /** the id each slot holds, or EMPTY; a Float64Array holds any id a ledger row or a u32 sequence number takes */
  private slotIds = new Float64Array(FIRST_SLOTS).fill(EMPTY);
  private slotValues: (V | undefined)[] = new Array<V | undefined>(FIRST_SLOTS).fill(undefined);
  private mask = FIRST_SLOTS - 1;
  /** ids moved aside when their slot was wanted at the largest ring */
  private aside: Record<number, V> = Object.create(null) as Record<number, V>;
  private asideCount = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): V | undefined {
    const slot = id & this.mask;
    if (this.slotIds[slot] === id) return this.slotValues[slot];
    return this.asideCount === 0 ? undefined : this.aside[id];
  }

  set(id: number, value: V): void {
    let slot = id & this.mask;
    if (this.slotIds[slot] === id) {
      this.slotValues[slot] = value;
      return;
    }
    if (this.asideCount > 0 && id in this.aside) {
      this.aside[id] = value;
      return;
    }
    while (!Number.isNaN(this.slotIds[slot]!) && this.slotIds.length < MAX_SLOTS) {
      this.grow();
      slot = id & this.mask;
    }
    if (!Number.isNaN(this.slotIds[slot]!)) {
      this.aside[this.slotIds[slot]!] = this.slotValues[slot]!;
      this.asideCount++;
    }
    this.slotIds[slot] = id;
    this.slotValues[slot] = value;
    this.count++;
  }

  /** The value it held, if any. */
  delete(id: number): V | undefined {
    const slot = id & this.mask;
    if (this.slotIds[slot] === id) {
      const value = this.slotValues[slot];
      this.slotIds[slot] = EMPTY;
      this.slotValues[slot] = undefined;
      this.count--;
      return value;
    }
    if (this.asideCount === 0) return undefined;
    const value = this.aside[id];
    if (value === undefined) return undefined;
    delete this.aside[id];
    this.asideCount--;
    this.count--;
    return value;
  }

  /** Every id held, from the lowest. */
  ids(): number[] {
    const ids: number[] = [];
    for (const id of this.slotIds) if (!Number.isNaN(id)) ids.push(id);
    if (this.asideCount > 0) for (const id of Object.keys(this.aside)) ids.push(Number(id));
    return ids.sort((a, b) => a - b);
  }

  /** Twice the slots; two ids in different slots before stay apart, as their low bits already differ. */
  private grow(): void {
    const ids = this.slotIds;
    const values = this.slotValues;
    this.slotIds = new Float64Array(ids.length * 2).fill(EMPTY);
    this.slotValues = new Array<V | undefined>(ids.length * 2).fill(undefined);
    this.mask = ids.length * 2 - 1;
    for (let slot = 0; slot < ids.length; slot++) {
      const id = ids[slot]!;
      if (Number.isNaN(id)) continue;
      this.slotIds[id & this.mask] = id;
      this.slotValues[id & this.mask] = values[slot];
    }
  }
}

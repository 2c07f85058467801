/**
 * Values by integer id (a share's ledger id, an Sv2 sequence number), for what comes and goes at a share's pace: the
 * shares in flight. Not a Map: V8 links each hash table a Map outgrows, or compacts, to its successor (for live
 * iterators) and leaves its entries in place, so once one table of the chain is in the old generation, every later
 * table and every value any of them held outlives young-generation collections until a full collection. With Maps for
 * these, 1,000 miners at 1,000 shares/s had ~0.6 MB promoted at each young collection; a churning Map of 500-byte
 * values promoted ~10x what an object or an array did (2026-12-06, Node 20). Here the values are properties of a
 * prototype-less object, whose dictionary has no such chain.
 */
export class IdTable<V> {
  private entries: Record<number, V> = Object.create(null) as Record<number, V>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): V | undefined {
    return this.entries[id];
  }

  set(id: number, value: V): void {
    if (!(id in this.entries)) this.count++;
    this.entries[id] = value;
  }

  /** The value it held, if any. */
  delete(id: number): V | undefined {
    const value = this.entries[id];
    if (value === undefined) return undefined;
    delete this.entries[id];
    this.count--;
    return value;
  }

  /**
   * Every value, by id from the lowest: an object lists integer keys below 2^32-1 in ascending order (2^32-1, not an
   * array index, comes after them). Not the order they were set in: a caller that needs that keeps it itself.
   */
  values(): V[] {
    return Object.values(this.entries);
  }

  /** Every id held, from the lowest. */
  ids(): number[] {
    return Object.keys(this.entries).map(Number);
  }

  clear(): void {
    this.entries = Object.create(null) as Record<number, V>;
    this.count = 0;
  }
}

/**
 * An Sv2 channel's shares awaiting the pool's verdict: by sequence number (a SubmitShares.Error names one) and in the
 * order sent (a SubmitShares.Success covers every share sent up to one, and the pool owes an answer from the batch-th
 * share it has not answered). The numbers are given out one after the other but wrap at 2^32, so the order sent is
 * not their order. A Success took every id held, sorted, until this kept the order: ~400 bytes a submit (the proxy to
 * the pool's Sv2 port, 50 miners), for what is the front of a queue.
 */
import { IdTable } from './id-table';

export class AwaitingVerdicts<V> {
  private readonly bySequence = new IdTable<V>();
  /** the sequence numbers held, the first sent first */
  private readonly order: number[] = [];

  get size(): number {
    return this.order.length;
  }

  /**
   * A share sent as `sequenceNumber`, after every share held. One still held under that number is replaced, which keeps
   * the two views one: a channel settles a share as lost long before its number comes round again.
   */
  add(sequenceNumber: number, value: V): void {
    this.take(sequenceNumber);
    this.bySequence.set(sequenceNumber, value);
    this.order.push(sequenceNumber);
  }

  /** The sequence number of the first share sent of those held. */
  first(): number | undefined {
    return this.order[0];
  }

  /** The `index`-th share sent of those held, from 0. */
  nth(index: number): V | undefined {
    const sequenceNumber = this.order[index];
    return sequenceNumber === undefined ? undefined : this.bySequence.get(sequenceNumber);
  }

  /** Removes the share sent as `sequenceNumber`; a verdict usually comes for the first, a failed send is the last. */
  take(sequenceNumber: number): V | undefined {
    const value = this.bySequence.delete(sequenceNumber);
    if (value === undefined) return undefined;
    if (this.order[0] === sequenceNumber) this.order.shift();
    else if (this.order.at(-1) === sequenceNumber) this.order.pop();
    else this.order.splice(this.order.indexOf(sequenceNumber), 1);
    return value;
  }
}

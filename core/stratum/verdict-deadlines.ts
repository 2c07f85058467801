/**
 * Forwarded shares waiting for their upstream's verdict, each told to its miner as meeting its target once it has
 * waited `timeoutMs` (hashpool acknowledges shares in batches of 10, so a lone share's verdict can take long). All
 * wait the same time, so the one forwarded first is always due first: the shares form a list in the order added,
 * a verdict takes its share out of the list at once, and one timer waits for the head. A timer per share cost a
 * Timeout object and two timer-list operations for every share. The timer does not keep the process alive: miners
 * connected do.
 */
import { performance } from 'node:perf_hooks';

export interface Deadlined {
  /** performance.now() by which it is overdue; set by the list */
  deadline: number;
  previous: Deadlined | undefined;
  next: Deadlined | undefined;
  /** called once when `timeoutMs` passed before it was removed */
  overdue(): void;
}

export class VerdictDeadlines {
  private head: Deadlined | undefined;
  private tail: Deadlined | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  /** how many wait (counted along the list: for tests and diagnostics, not the hot path) */
  get size(): number {
    let count = 0;
    for (let item = this.head; item; item = item.next) count++;
    return count;
  }

  add(item: Deadlined, now = performance.now()): void {
    item.deadline = now + this.timeoutMs;
    item.previous = this.tail;
    item.next = undefined;
    if (this.tail) this.tail.next = item;
    else this.head = item;
    this.tail = item;
    this.timer ??= setTimeout(expire, this.timeoutMs, this).unref();
  }

  /** Takes `item` out (its verdict came); one not in the list is left alone. */
  remove(item: Deadlined): void {
    if (item.previous === undefined && this.head !== item) return;
    if (item.previous) item.previous.next = item.next;
    else this.head = item.next;
    if (item.next) item.next.previous = item.previous;
    else this.tail = item.previous;
    item.previous = undefined;
    item.next = undefined;
  }

  /** Tells every overdue item, then waits for the new head (the timer only ever fires at or after the head's deadline). */
  expire(now = performance.now()): void {
    this.timer = undefined;
    while (this.head && this.head.deadline <= now) {
      const item = this.head;
      this.remove(item);
      item.overdue();
    }
    if (this.head) this.timer = setTimeout(expire, Math.max(1, Math.ceil(this.head.deadline - now)), this).unref();
  }
}

function expire(deadlines: VerdictDeadlines): void {
  deadlines.expire();
}

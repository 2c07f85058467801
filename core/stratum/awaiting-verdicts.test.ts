import { describe, expect, it } from 'vitest';
import { AwaitingVerdicts } from './awaiting-verdicts';

describe('AwaitingVerdicts', () => {
  it('keeps the order sent across the wrap of sequence numbers at 2^32', () => {
    const awaiting = new AwaitingVerdicts<string>();
    for (const seq of [2 ** 32 - 2, 2 ** 32 - 1, 0, 1]) awaiting.add(seq, `s${seq}`);
    expect(awaiting.first()).toBe(2 ** 32 - 2);
    expect([0, 1, 2, 3, 4].map((i) => awaiting.nth(i))).toEqual([`s${2 ** 32 - 2}`, `s${2 ** 32 - 1}`, 's0', 's1', undefined]);
    expect(awaiting.take(2 ** 32 - 2)).toBe(`s${2 ** 32 - 2}`);
    expect(awaiting.first()).toBe(2 ** 32 - 1);
    expect(awaiting.size).toBe(3);
  });

  it('takes a share from the front, the back or the middle, and nothing it does not hold', () => {
    const awaiting = new AwaitingVerdicts<number>();
    for (let seq = 10; seq < 20; seq++) awaiting.add(seq, seq * 100);
    expect(awaiting.take(14)).toBe(1400);
    expect(awaiting.take(19)).toBe(1900);
    expect(awaiting.take(10)).toBe(1000);
    expect(awaiting.take(14)).toBeUndefined();
    expect(awaiting.take(99)).toBeUndefined();
    const left: number[] = [];
    for (let seq = awaiting.first(); seq !== undefined; seq = awaiting.first()) left.push(awaiting.take(seq)!);
    expect(left).toEqual([1100, 1200, 1300, 1500, 1600, 1700, 1800]);
    expect(awaiting.size).toBe(0);
    expect(awaiting.take(11)).toBeUndefined();
  });

  it('replaces a share held under a number given out again, keeping one entry for it', () => {
    const awaiting = new AwaitingVerdicts<string>();
    awaiting.add(5, 'old');
    awaiting.add(6, 'next');
    awaiting.add(5, 'new');
    expect(awaiting.size).toBe(2);
    expect([awaiting.nth(0), awaiting.nth(1)]).toEqual(['next', 'new']);
    expect(awaiting.take(5)).toBe('new');
  });
});

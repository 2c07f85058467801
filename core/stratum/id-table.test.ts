import { describe, expect, it } from 'vitest';
import { IdTable } from './id-table';

describe('IdTable', () => {
  it('holds values by id, counts each id once and lists them from the lowest id', () => {
    const table = new IdTable<string>();
    for (const id of [1_000_007, 1_000_003, 1_000_005, 4_294_967_294]) table.set(id, `v${id}`);
    table.set(1_000_005, 'again');
    expect(table.size).toBe(4);
    expect(table.get(1_000_005)).toBe('again');
    expect(table.get(1)).toBeUndefined();
    expect(table.ids()).toEqual([1_000_003, 1_000_005, 1_000_007, 4_294_967_294]);
    expect(table.values()).toEqual(['v1000003', 'again', 'v1000007', 'v4294967294']);
  });

  it('gives back what a delete removed, nothing for an id it does not hold, and empties on clear', () => {
    const table = new IdTable<{ n: number }>();
    table.set(3, { n: 3 });
    table.set(4, { n: 4 });
    expect(table.delete(3)).toEqual({ n: 3 });
    expect(table.delete(3)).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.ids()).toEqual([4]);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get(4)).toBeUndefined();
    expect(table.values()).toEqual([]);
  });
});

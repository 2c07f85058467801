import { describe, expect, it } from 'vitest';
import { IdTable, MAX_SLOTS } from './id-table';
import { seededRandom } from '../../test/seeded-random';

describe('IdTable', () => {
  it('holds values by id, counts each id once and lists them from the lowest id', () => {
    const table = new IdTable<string>();
    for (const id of [1_000_007, 1_000_003, 1_000_005, 4_294_967_294]) table.set(id, `v${id}`);
    table.set(1_000_005, 'again');
    expect(table.size).toBe(4);
    expect(table.get(1_000_005)).toBe('again');
    expect(table.get(1)).toBeUndefined();
    expect(table.ids()).toEqual([1_000_003, 1_000_005, 1_000_007, 4_294_967_294]);
  });

  it('gives back what a delete removed, and nothing for an id it does not hold', () => {
    const table = new IdTable<{ n: number }>();
    table.set(3, { n: 3 });
    table.set(4, { n: 4 });
    expect(table.delete(3)).toEqual({ n: 3 });
    expect(table.delete(3)).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.ids()).toEqual([4]);
  });
});

describe('IdTable as shares come and go', () => {
  it('keeps every id whose slot another wants: the ring grows, and at its largest the older id moves aside', () => {
    const table = new IdTable<number>();
    // ids MAX_SLOTS apart share a slot at every size of the ring
    const lost = 5;
    table.set(lost, lost);
    for (let id = lost + 1; id <= lost + 3 * MAX_SLOTS; id++) {
      table.set(id, id);
      table.delete(id - 1 === lost ? -1 : id - 1);
    }
    expect(table.size).toBe(2);
    expect(table.get(lost)).toBe(lost);
    expect(table.get(lost + 3 * MAX_SLOTS)).toBe(lost + 3 * MAX_SLOTS);
    expect(table.ids()).toEqual([lost, lost + 3 * MAX_SLOTS]);
    table.set(lost, -lost);
    expect(table.size).toBe(2);
    expect(table.ids().map((id) => table.get(id))).toEqual([-lost, lost + 3 * MAX_SLOTS]);
    expect(table.delete(lost)).toBe(-lost);
    expect(table.get(lost)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it('holds a full ring and more at once, each id with its own value, up to sequence numbers near 2^32', () => {
    const table = new IdTable<string>();
    const first = 4_294_967_295 - 2 * MAX_SLOTS;
    const ids = Array.from({ length: 2 * MAX_SLOTS + 1 }, (_, i) => first + i);
    for (const id of ids) table.set(id, `v${id}`);
    expect(table.size).toBe(ids.length);
    for (const id of ids) expect(table.get(id)).toBe(`v${id}`);
    expect(table.ids()).toEqual(ids);
    for (const id of ids.filter((id) => id % 2 === 0)) expect(table.delete(id)).toBe(`v${id}`);
    expect(table.ids()).toEqual(ids.filter((id) => id % 2 !== 0));
  });

  it('matches a dictionary through random sets, gets and deletes of ids that collide', () => {
    const random = seededRandom(0x9e3779b9).below;
    const table = new IdTable<number>();
    const model = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      // a few ids from a span wider than the ring, so slots collide at every size
      const id = 7 + random(4) * MAX_SLOTS + random(3 * MAX_SLOTS);
      const action = random(3);
      if (action === 0) {
        table.set(id, step);
        model.set(id, step);
      } else if (action === 1) {
        expect(table.delete(id)).toBe(model.get(id));
        model.delete(id);
      } else expect(table.get(id)).toBe(model.get(id));
      expect(table.size).toBe(model.size);
    }
    expect(table.ids()).toEqual([...model.keys()].sort((a, b) => a - b));
  });
});

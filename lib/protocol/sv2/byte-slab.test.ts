import { describe, expect, it } from 'vitest';
import { ByteSlab, joinBytes } from './byte-slab';

describe('ByteSlab', () => {
  it('hands out zeroed bytes back to back in one buffer, never the same byte twice', () => {
    const slab = new ByteSlab(100);
    const taken = [slab.take(30), slab.take(30), slab.take(40)];
    expect(taken.map((bytes) => bytes.length)).toEqual([30, 30, 40]);
    expect(taken.every((bytes) => bytes.buffer === taken[0]!.buffer)).toBe(true);
    expect(taken.map((bytes) => bytes.byteOffset)).toEqual([0, 30, 60]);
    for (const bytes of taken) {
      expect(bytes.every((b) => b === 0)).toBe(true);
      bytes.fill(0xff);
    }
    // full: the next take starts a new slab, and the old bytes stay as their holders left them
    const next = slab.take(1);
    expect(next.buffer).not.toBe(taken[0]!.buffer);
    expect([next.byteOffset, next[0]]).toEqual([0, 0]);
    expect(taken.every((bytes) => bytes.every((b) => b === 0xff))).toBe(true);
  });

  it('gives a request longer than a slab an array of its own, and goes on filling the current slab', () => {
    const slab = new ByteSlab(64);
    const first = slab.take(10);
    const long = slab.take(65);
    expect([long.length, long.byteOffset, long.buffer.byteLength]).toEqual([65, 0, 65]);
    expect(slab.take(10).byteOffset).toBe(10);
    expect(first.buffer).not.toBe(long.buffer);
  });
});

describe('joinBytes', () => {
  it('spans frames that lie back to back in one buffer without copying them', () => {
    const slab = new ByteSlab(64);
    const frames = [slab.take(3), slab.take(5), slab.take(2)];
    frames.forEach((frame, i) => frame.fill(i + 1));
    const joined = joinBytes(frames);
    expect([...joined]).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
    expect([joined.buffer, joined.byteOffset]).toEqual([frames[0]!.buffer, 0]);
  });

  it('copies frames that do not: from two buffers, out of order, with a gap, or the same bytes twice', () => {
    const memory = Uint8Array.from({ length: 12 }, (_, i) => i);
    const other = Uint8Array.of(100, 101);
    const cases: [Uint8Array[], number[]][] = [
      [
        [memory.subarray(0, 2), other],
        [0, 1, 100, 101],
      ],
      [
        [memory.subarray(2, 4), memory.subarray(0, 2)],
        [2, 3, 0, 1],
      ],
      [
        [memory.subarray(0, 2), memory.subarray(3, 5)],
        [0, 1, 3, 4],
      ],
      [
        [memory.subarray(0, 2), memory.subarray(0, 2), memory.subarray(2, 4)],
        [0, 1, 0, 1, 2, 3],
      ],
    ];
    for (const [frames, bytes] of cases) {
      const joined = joinBytes(frames);
      expect([...joined]).toEqual(bytes);
      expect(joined.buffer).not.toBe(memory.buffer);
    }
  });

  it('returns a single frame as it is, and nothing as an empty array', () => {
    const frame = Uint8Array.of(7, 8);
    expect(joinBytes([frame])).toBe(frame);
    expect(joinBytes([])).toEqual(new Uint8Array(0));
  });
});

import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time';
import { seededRandom } from '../../test/seeded-random';

describe('isoTime', () => {
  it('is new Date(ms).toISOString() for times across seconds, days, years and before 1970', () => {
    const times = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, -1, -999, -1000, -1001, 1_733_356_800_000, 1_733_356_800_999, 1_767_225_599_999, 1_767_225_600_000, 4_102_444_799_999];
    const random = seededRandom(0x2545f491);
    for (let i = 0; i < 2000; i++) {
      // signed, as the times before 1970 need
      const x = random.word() | 0;
      // monotonic runs, as shares arrive, and jumps
      times.push(i % 10 === 0 ? Math.abs(x) * 1000 + (i % 1000) : times.at(-1)! + (Math.abs(x) % 700));
    }
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('gives the same time again as the same string, and the next one right', () => {
    const ms = 1_767_225_599_999;
    expect(isoTime(ms)).toBe(isoTime(ms));
    expect(isoTime(ms + 1)).toBe('2026-01-01T00:00:00.000Z');
    expect(isoTime(ms)).toBe('2025-12-31T23:59:59.999Z');
  });
});

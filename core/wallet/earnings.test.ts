import { describe, expect, it } from 'vitest';
import { earningsSeries, groupActivity, localDay } from './earnings';
import type { MintedMinute } from './history';
import type { HistoryRow } from './store';

const MINT = 'http://127.0.0.1:3338';
let id = 0;
function row(at: number, kind: HistoryRow['kind'], amount: bigint | number, extra: Partial<HistoryRow> = {}): HistoryRow {
  const direction = kind === 'send' || kind === 'claimed' ? 'out' : 'in';
  return { id: ++id, at, kind, direction, mint_url: MINT, unit: 'hash', amount: String(amount), ref: null, memo: null, ...extra };
}
/** What one minute of minting sums to, as the store's history reads it. */
function minted(at: number, amount: bigint | number, extra: Partial<MintedMinute> = { batches: 1, shares: 1 }): MintedMinute {
  return { mint_url: MINT, unit: 'hash', minute: at - (at % 60_000), amount: BigInt(amount), batches: 1, ...extra };
}
const DAY = 86_400_000;
const noon = Date.UTC(2026, 11, 5, 12, 0, 0);

describe('earnings series', () => {
  it("sums each minute's minting into the range's buckets, exactly past 2^62", () => {
    const minutes = [minted(noon - 50 * 60_000, 1000), minted(noon - 10 * 60_000, 24 + 2 ** 10), minted(noon - 10 * 60_000, 2n ** 62n), minted(noon - 2 * 3_600_000, 7)];
    const earnings = earningsSeries(minutes, '1h', noon);
    expect(earnings.bucketMs).toBe(60_000);
    expect(earnings.to - earnings.from).toBe(3_600_000);
    expect(earnings.series).toHaveLength(1);
    const [series] = earnings.series;
    expect(series!.buckets).toHaveLength(60);
    expect(series!.total).toBe(1000n + 1048n + 2n ** 62n);
    expect(series!.buckets.every((b) => b >= 0n)).toBe(true);
    expect(series!.buckets[10]).toBe(1000n);
    expect(series!.buckets[50]).toBe(1048n + 2n ** 62n);
    // the 7-day range keeps the older minute, in its hour's bucket
    const week = earningsSeries(minutes, '7d', noon).series[0]!;
    expect(week.total).toBe(1000n + 1048n + 2n ** 62n + 7n);
    expect(week.buckets.at(-2)).toBe(7n);
  });

  it('keeps each mint and unit apart, biggest first', () => {
    const minutes = [minted(noon - 1000, 5), minted(noon - 900, 50, { unit: 'hash_ab_1', batches: 1 })];
    expect(earningsSeries(minutes, '24h', noon).series.map((s) => [s.unit, s.total])).toEqual([
      ['hash_ab_1', 50n],
      ['hash', 5n],
    ]);
  });
});

describe('activity grouped by day', () => {
  it('folds a day of minting into one row with its share count', () => {
    const minutes = Array.from({ length: 57 }, (_, i) => minted(noon - i * 60_000, 2 * 110_350, { batches: 2, shares: 3 }));
    const [day] = groupActivity(minutes, [], 0);
    expect(day!.entries).toHaveLength(1);
    expect(day!.entries[0]).toMatchObject({ kind: 'mined', direction: 'in', amount: 57n * 2n * 110_350n, shares: 57 * 3, batches: 57 * 2 });
  });

  it('shows one row per send, with its claim or reclaim folded in', () => {
    const rows = [
      row(noon, 'send', 100, { ref: 'a', memo: 'coffee' }),
      row(noon + 1000, 'send', 200, { ref: 'b' }),
      row(noon + 2000, 'send', 300, { ref: 'c' }),
      row(noon + 5000, 'claimed', 100, { ref: 'a', memo: 'coffee' }),
      row(noon + 6000, 'reclaim', 199, { ref: 'b' }),
    ];
    const [day] = groupActivity([], rows, 0);
    expect(day!.entries.map((e) => [e.kind, e.ref, e.state, e.amount, e.returned])).toEqual([
      ['send', 'b', 'reclaimed', 200n, 199n],
      ['send', 'a', 'claimed', 100n, undefined],
      ['send', 'c', 'pending', 300n, undefined],
    ]);
    expect(day!.entries.find((e) => e.ref === 'a')?.memo).toBe('coffee');
  });

  it('splits days in the reader’s zone and puts the newest day first', () => {
    const lateEvening = Date.UTC(2026, 11, 5, 23, 30);
    const minutes = [minted(lateEvening, 1), minted(lateEvening + 3_600_000, 2)];
    const rows = [row(noon - 3 * DAY, 'receive', 9)];
    expect(groupActivity(minutes, rows, 0).map((d) => d.day)).toEqual(['2026-12-06', '2026-12-05', '2026-12-02']);
    // UTC-5: both minutes are still the evening of the 5th
    expect(groupActivity(minutes, rows, -300).map((d) => [d.day, d.entries.length])).toEqual([
      ['2026-12-05', 1],
      ['2026-12-02', 1],
    ]);
    expect(localDay(lateEvening, 60)).toBe('2026-12-06');
  });

  it('says nothing about shares when a minute does not know them all', () => {
    const [day] = groupActivity([minted(noon, 4, { batches: 1, shares: 2 }), minted(noon + 60_000, 4, { batches: 1 })], [], 0);
    expect(day!.entries[0]!.shares).toBeUndefined();
    expect(day!.entries[0]!.amount).toBe(8n);
  });
});

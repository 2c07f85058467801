import { describe, expect, it } from 'vitest';
import { earningsSeries, groupActivity, localDay } from './earnings';
import type { HistoryRow } from './store';

const MINT = 'http://127.0.0.1:3338';
let id = 0;
function row(at: number, kind: HistoryRow['kind'], amount: bigint | number, extra: Partial<HistoryRow> = {}): HistoryRow {
  const direction = kind === 'send' || kind === 'claimed' ? 'out' : 'in';
  return { id: ++id, at, kind, direction, mint_url: MINT, unit: 'hash', amount: String(amount), ref: null, memo: null, ...extra };
}
const DAY = 86_400_000;
const noon = Date.UTC(2026, 11, 5, 12, 0, 0);

describe('earnings series', () => {
  it('counts only ehash minted from shares: a send is not a loss and a receive is not income', () => {
    const rows = [
      row(noon - 50 * 60_000, 'mint', 1000, { ref: '3 quotes' }),
      row(noon - 20 * 60_000, 'send', 900, { ref: 's1' }),
      row(noon - 19 * 60_000, 'receive', 5000),
      row(noon - 10 * 60_000, 'mint', 24, { ref: '2 quotes' }),
      row(noon - 10 * 60_000 + 5, 'mint', 2n ** 62n, { ref: '1 quote' }),
      row(noon - 2 * 3_600_000, 'mint', 7, { ref: '1 quote' }),
    ];
    const earnings = earningsSeries(rows, '1h', noon);
    expect(earnings.bucketMs).toBe(60_000);
    expect(earnings.to - earnings.from).toBe(3_600_000);
    expect(earnings.series).toHaveLength(1);
    const [series] = earnings.series;
    expect(series!.buckets).toHaveLength(60);
    expect(series!.total).toBe(1000n + 24n + 2n ** 62n);
    expect(series!.buckets.every((b) => b >= 0n)).toBe(true);
    expect(series!.buckets[10]).toBe(1000n);
    expect(series!.buckets[50]).toBe(24n + 2n ** 62n);
    // the 7-day range keeps the older batch
    expect(earningsSeries(rows, '7d', noon).series[0]!.total).toBe(1000n + 24n + 2n ** 62n + 7n);
  });

  it('keeps each mint and unit apart, biggest first', () => {
    const rows = [row(noon - 1000, 'mint', 5), row(noon - 900, 'mint', 50, { unit: 'hash_ab_1' })];
    expect(earningsSeries(rows, '24h', noon).series.map((s) => [s.unit, s.total])).toEqual([
      ['hash_ab_1', 50n],
      ['hash', 5n],
    ]);
  });
});

describe('activity grouped by day', () => {
  it('folds a day of minting into one row with its share count', () => {
    const rows = Array.from({ length: 57 }, (_, i) => row(noon - i * 60_000, 'mint', 110_350, { ref: '1 quotes' }));
    const [day] = groupActivity(rows, 0);
    expect(day!.entries).toHaveLength(1);
    expect(day!.entries[0]).toMatchObject({ kind: 'mined', direction: 'in', amount: 57n * 110_350n, shares: 57, batches: 57 });
  });

  it('shows one row per send, with its claim or reclaim folded in', () => {
    const rows = [
      row(noon, 'send', 100, { ref: 'a', memo: 'coffee' }),
      row(noon + 1000, 'send', 200, { ref: 'b' }),
      row(noon + 2000, 'send', 300, { ref: 'c' }),
      row(noon + 5000, 'claimed', 100, { ref: 'a', memo: 'coffee' }),
      row(noon + 6000, 'reclaim', 199, { ref: 'b' }),
    ];
    const [day] = groupActivity(rows, 0);
    expect(day!.entries.map((e) => [e.kind, e.ref, e.state, e.amount, e.returned])).toEqual([
      ['send', 'b', 'reclaimed', 200n, 199n],
      ['send', 'a', 'claimed', 100n, undefined],
      ['send', 'c', 'pending', 300n, undefined],
    ]);
    expect(day!.entries.find((e) => e.ref === 'a')?.memo).toBe('coffee');
  });

  it('splits days in the reader’s zone and puts the newest day first', () => {
    const lateEvening = Date.UTC(2026, 11, 5, 23, 30);
    const rows = [row(lateEvening, 'mint', 1, { ref: '1 quotes' }), row(lateEvening + 3_600_000, 'mint', 2, { ref: '1 quotes' }), row(noon - 3 * DAY, 'receive', 9)];
    expect(groupActivity(rows, 0).map((d) => d.day)).toEqual(['2026-12-06', '2026-12-05', '2026-12-02']);
    // UTC-5: both batches are still the evening of the 5th
    expect(groupActivity(rows, -300).map((d) => [d.day, d.entries.length])).toEqual([
      ['2026-12-05', 1],
      ['2026-12-02', 1],
    ]);
    expect(localDay(lateEvening, 60)).toBe('2026-12-06');
  });

  it('says nothing about shares when a batch does not note them', () => {
    const [day] = groupActivity([row(noon, 'mint', 4, { ref: '2 quotes' }), row(noon + 1, 'mint', 4, { ref: null })], 0);
    expect(day!.entries[0]!.shares).toBeUndefined();
    expect(day!.entries[0]!.amount).toBe(8n);
  });
});

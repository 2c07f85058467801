/**
 * What the dashboard's earnings chart and the history page cost on a wallet with a week of minting behind it: one
 * batch every 6 s (a pass finds a share or two of one Bitaxe at the devnet pool's pace), 100,800 batches, written
 * as a version-3 store held them and upgraded on opening as a user's is. Each read is the median CPU of five calls;
 * next to each, reading the same range's batches row by row, as those views did until 2026-12-06.
 */
import { join } from 'node:path';
import { earningsRanges, earningsSeries, groupActivity } from '../core/wallet/earnings';
import { WalletStore } from '../core/wallet/store';
import { databaseAtVersion, tempDir } from '../core/wallet/testing/kit';
import { medianCpuMs, round } from './measure';

const BATCHES = 100_800;
const BATCH_EVERY_MS = 6_000;
const WEEK_MS = 7 * 86_400_000;

/** CPU ms of one call, the median of five, to two decimals. */
const cpuMs = (fn: () => unknown) => round(medianCpuMs(fn), 2);

export function historyReads(): Record<string, unknown> {
  const dir = tempDir('axewallet-history-bench-');
  const path = join(dir.path, 'wallet.sqlite');
  const now = Date.now();
  try {
    const v3 = databaseAtVersion(path, 3);
    const insert = v3.prepare("INSERT INTO history (at, kind, direction, mint_url, unit, amount, ref, memo) VALUES (?, 'mint', 'in', 'http://127.0.0.1:3338', 'hash', ?, ?, NULL)");
    v3.transaction(() => {
      for (let i = 0; i < BATCHES; i++) insert.run(now - WEEK_MS + i * BATCH_EVERY_MS, String(110_350 * (1 + (i % 3))), `${1 + (i % 3)} quotes`);
    })();
    v3.close();

    const upgradeStart = performance.now();
    const store = new WalletStore(path);
    const upgradeMs = round(performance.now() - upgradeStart, 1);
    try {
      const batchesSince = store.db.prepare('SELECT * FROM history WHERE at >= ? ORDER BY at, id');
      const readBatches = (since: number) => (batchesSince.all(since) as { amount: string }[]).reduce((sum, row) => sum + BigInt(row.amount), 0n);
      const earnings = Object.fromEntries(
        (Object.keys(earningsRanges) as (keyof typeof earningsRanges)[]).map((range) => {
          const since = now - earningsRanges[range].spanMs - earningsRanges[range].bucketMs;
          const perMinute = cpuMs(() => earningsSeries(store.history.mintedSince(since), range, now));
          const perBatch = cpuMs(() => readBatches(since));
          return [range, { ms: perMinute, batchRowsReadMs: perBatch, ratio: perBatch > 0 ? round(perMinute / perBatch, 3) : null }];
        }),
      );
      const weekAgo = now - WEEK_MS;
      const activity = cpuMs(() => groupActivity(store.history.mintedSince(weekAgo), store.history.besidesMintingSince(weekAgo), 0));
      const activityBaseline = cpuMs(() => readBatches(weekAgo));
      return {
        batches: BATCHES,
        upgradeMs,
        earnings,
        activity7Days: { ms: activity, batchRowsReadMs: activityBaseline, ratio: activityBaseline > 0 ? round(activity / activityBaseline, 3) : null },
      };
    } finally {
      store.close();
    }
  } finally {
    dir.remove();
  }
}

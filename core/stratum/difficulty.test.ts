/**
 * A difficulty change never invalidates work in flight. The miner here mines like ESP-Miner: a
 * set_difficulty applies from the next notify on (create_jobs_task takes pool_difficulty when it dequeues
 * a notify), and work on an earlier job is still found and submitted at that job's difficulty. The upstream
 * judges each job at the target it started with: a Stratum V1 pool from the set_difficulty before its
 * notify, an Sv2 pool (SRI channels_sv2, modelled by the devnet) from the SetTarget before the job started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPool, type DevnetPool } from '../../devnet/pool/pool';
import { until } from '../../test/until';
import type { createProxy, Proxy } from './proxy';
import { minerFor, type SimMiner } from '../../device/sim/miner';
import { testProxy } from './testing/test-proxy';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** H/s for which the devnet pool (10 shares a minute) opens an Sv2 channel at difficulty `d`. */
const hashrateFor = (d: number) => (d * 10 * 2 ** 32) / 60;

async function setup(
  protocol: 'sv1' | 'sv2',
  poolOptions: Parameters<typeof startPool>[0],
  extra: Partial<Parameters<typeof createProxy>[0]> = {},
): Promise<{ pool: DevnetPool; proxy: Proxy; miner: SimMiner }> {
  const pool = await startPool({ successFlushMs: 20, templateRefreshSeconds: 0, ...poolOptions });
  cleanups.push(() => pool.close());
  const dir = mkdtempSync(join(tmpdir(), 'axw-diff-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const url = protocol === 'sv1' ? `stratum+tcp://127.0.0.1:${pool.sv1.port}` : `stratum2+tcp://127.0.0.1:${pool.sv2.port}/${pool.authorityPubkey}`;
  const proxy = testProxy([url], join(dir, 'ledger.sqlite'), { verdictTimeoutMs: 300, ...extra });
  cleanups.push(() => proxy.stop());
  const { port } = await proxy.start();
  const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qdiff.bitaxe' });
  cleanups.push(() => miner.close());
  await miner.connect();
  return { pool, proxy, miner };
}

/** Four shares on every job the miner holds, each at that job's own difficulty: all must be accepted upstream. */
async function mineEveryJob(pool: DevnetPool, proxy: Proxy, miner: SimMiner): Promise<void> {
  let submitted = 0;
  for (const work of [...miner.jobs]) {
    for (let i = 0; i < 4; i++) {
      const result = await miner.submitShare('valid', work);
      expect(result.reason, `job ${work.job.jobId} at difficulty ${work.difficulty}`).toBeUndefined();
      submitted++;
    }
  }
  await until(() => proxy.snapshot().shares.awaiting === 0, 'every verdict');
  expect(pool.stats().rejected).toEqual({});
  expect(pool.stats().accepted).toBe(submitted);
  expect(proxy.snapshot().shares).toMatchObject({ accepted: submitted, rejected: 0 });
}

describe('a difficulty change never invalidates work in flight', () => {
  it('Stratum V1 pool: an easier difficulty comes with the pool’s next job, never with an old one', async () => {
    const { pool, proxy, miner } = await setup('sv1', { sv1StartDifficulty: 4e-8 });
    // like the firmware's suggest_difficulty after authorize, but easier than the pool's start
    await miner.call('mining.suggest_difficulty', [1e-8]);
    await miner.waitFor(() => miner.difficulty < 2e-8, 10_000, 'the easier difficulty');
    expect(miner.jobs.map((j) => j.difficulty)).toEqual([4e-8, 1e-8]);
    await mineEveryJob(pool, proxy, miner);
  });

  it('Sv2 pool: an easier SetTarget applies to the pool’s next job; the running job keeps its target', async () => {
    const { pool, proxy, miner } = await setup('sv2', {}, { nominalHashrate: hashrateFor(4e-8) });
    const start = miner.difficulty;
    expect(start).toBeGreaterThan(3e-8);
    await miner.call('mining.suggest_difficulty', [1e-8]);
    // the pool answers UpdateChannel with SetTarget; the easier target rides on its next job
    await until(
      () => {
        if (miner.difficulty < 2e-8) return true;
        pool.refreshTemplate();
        return false;
      },
      'a new job at the easier difficulty',
      10_000,
      200,
    );
    expect(miner.jobs.slice(0, -1).every((j) => j.difficulty === start)).toBe(true);
    await mineEveryJob(pool, proxy, miner);
  });

  it('Sv2 pool: a harder difficulty (the firmware’s suggest_difficulty above the pool’s) leaves the first job’s work valid', async () => {
    const { pool, proxy, miner } = await setup('sv2', {}, { nominalHashrate: hashrateFor(1e-8) });
    await miner.call('mining.suggest_difficulty', [4e-8]);
    await miner.waitFor(() => miner.difficulty >= 4e-8, 10_000, 'the harder difficulty');
    expect(miner.jobs.length).toBeGreaterThanOrEqual(2);
    expect(miner.jobs[0]!.difficulty).toBeLessThan(2e-8);
    await mineEveryJob(pool, proxy, miner);
  });
});

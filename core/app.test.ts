/**
 * The composition root wired for real: a configured hashpool upstream (the devnet pool over Sv2 + Noise),
 * a miner on the engine's Stratum port, and the engine's own API: shares end as ehash in the wallet, and
 * a missing mint is said plainly instead of quotes waiting silently.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../devnet/index';
import { startMint } from '../devnet/mint/index';
import { type Engine, startEngine } from './app';
import { minerFor } from '../device/sim/miner';
import { until } from '../test/until';

const dir = mkdtempSync(join(tmpdir(), 'axw-app-'));
const cleanups: Array<() => Promise<void> | void> = [];
let devnet: Devnet;

beforeAll(async () => {
  devnet = await startDevnet({ home: join(dir, 'devnet'), pool: { quotePollMs: 50, successFlushMs: 50 } });
});
afterAll(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await devnet.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An engine on the devnet pool as a configured upstream, its wallet created, one miner submitting three shares. */
async function mineThrough(name: string, mintUrl?: string): Promise<Engine> {
  const { pool } = devnet;
  const engine = await startEngine({
    home: join(dir, name),
    mode: 'headless',
    logToStderr: false,
    nominalHashrate: 1000,
    overrides: { upstreams: [{ url: `stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}` }], stratumPort: 0, relays: [devnet.relay.url], ...(mintUrl ? { mintUrl } : {}) },
  });
  cleanups.push(() => engine.stop());
  await engine.host.invoke('wallet.create', { passphrase: 'a long enough passphrase' });
  const miner = minerFor({ host: '127.0.0.1', port: engine.status().stratum!.port, user: `bc1q${name}.bitaxe` });
  await miner.connect();
  cleanups.push(() => miner.close());
  for (let i = 0; i < 3; i++) await miner.submitShare();
  return engine;
}

describe('engine wiring', () => {
  it('turns shares mined through the proxy into ehash in the wallet', async () => {
    const engine = await mineThrough('with-mint', devnet.mint.url);
    expect(engine.status().demo).toBe(false);
    const mining = await until(async () => {
      const m = await engine.host.invoke('mining.get', {});
      return m.shares.accepted === 3 && m;
    }, 'three accepted shares');
    expect(mining.upstream.protocol).toBe('sv2');
    const wallet = await until(async () => {
      const w = await engine.host.invoke('wallet.get', {});
      return w.balances.length > 0 && w.pendingQuotes === 0 && w;
    }, 'ehash in the wallet');
    expect(wallet.balances[0]).toMatchObject({ mint: devnet.mint.url, unit: 'hash' });
    expect(Number(wallet.balances[0]!.amount)).toBeGreaterThan(0);
  });

  it('a lone share sent just before its miner leaves: the quote the wallet mints settles it in the ledger', async () => {
    // hashpool acknowledges shares per batch of 10 and never a partial batch: only the quote tells
    const hashpool = await startDevnet({ home: join(dir, 'devnet-batch'), pool: { quotePollMs: 50, successFlushMs: 0 } });
    cleanups.push(() => hashpool.close());
    const { pool } = hashpool;
    const engine = await startEngine({
      home: join(dir, 'lone'),
      mode: 'headless',
      logToStderr: false,
      nominalHashrate: 1000,
      overrides: { upstreams: [{ url: `stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}` }], stratumPort: 0, relays: [hashpool.relay.url], mintUrl: hashpool.mint.url },
    });
    cleanups.push(() => engine.stop());
    await engine.host.invoke('wallet.create', { passphrase: 'a long enough passphrase' });
    const miner = minerFor({ host: '127.0.0.1', port: engine.status().stratum!.port, user: 'bc1qlone.bitaxe' });
    await miner.connect();
    const { headerHash } = await miner.submitShare();
    miner.close();
    const trace = await until(async () => {
      const t = await engine.host.invoke('wallet.trace', { headerHash });
      return t.quotes[0]?.proofs.length && t;
    }, 'the wallet to mint the share’s quote');
    expect(trace.quotes).toHaveLength(1);
    const { shares } = await engine.host.invoke('mining.shares', { limit: 10, headerHash });
    expect(shares).toMatchObject([{ verdict: 'accepted', reason: null, worker: 'bc1qlone.bitaxe' }]);
  });

  it('says plainly when the pool pays ehash but no mint is set', async () => {
    const engine = await mineThrough('without-mint');
    const alert = await until(async () => (await engine.host.invoke('alerts.recent', {})).alerts.find((a) => a.kind === 'no-mint'), 'the no-mint alert');
    expect(alert.hint).toMatch(/mint address in Settings/);
    expect((await engine.host.invoke('wallet.get', {})).balances).toEqual([]);
  });

  it("files each upstream's quotes under that upstream's mint: a share through the second pool of the failover list is minted at its mint", async () => {
    const { pool } = devnet;
    // the first pool is down; the mintUrl setting names another mint, which knows nothing of the second pool's quotes
    const otherMint = await startMint({ dbPath: join(dir, 'other-mint.sqlite') });
    cleanups.push(() => otherMint.close());
    const engine = await startEngine({
      home: join(dir, 'failover'),
      mode: 'headless',
      logToStderr: false,
      nominalHashrate: 1000,
      overrides: {
        upstreams: [
          { url: `stratum2+tcp://127.0.0.1:1/${pool.authorityPubkey}`, mintUrl: otherMint.url },
          { url: `stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}`, mintUrl: devnet.mint.url },
        ],
        mintUrl: otherMint.url,
        stratumPort: 0,
        relays: [devnet.relay.url],
      },
    });
    cleanups.push(() => engine.stop());
    await engine.host.invoke('wallet.create', { passphrase: 'a long enough passphrase' });
    const miner = minerFor({ host: '127.0.0.1', port: engine.status().stratum!.port, user: 'bc1qfailover.bitaxe' });
    await miner.connect();
    cleanups.push(() => miner.close());
    for (let i = 0; i < 3; i++) await miner.submitShare();
    const wallet = await until(
      async () => {
        const w = await engine.host.invoke('wallet.get', {});
        return w.balances.some((b) => b.mint === devnet.mint.url) && w.pendingQuotes === 0 && w;
      },
      'ehash from the second pool at its own mint',
      30_000,
    );
    expect(wallet.balances.map((b) => b.mint)).toEqual([devnet.mint.url]);
  });
});

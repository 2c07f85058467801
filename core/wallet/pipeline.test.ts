/**
 * The whole pipeline on loopback: test miners -> the Axewallet proxy (Sv1 in, Sv2 + Noise out, the
 * wallet's locking key in user_identity) -> the devnet pool -> a quote per accepted share at the devnet
 * mint -> 0xC0 -> the proxy's quote events -> this wallet. The proofs must sum to exactly the quotes the
 * pool paid for our key, and each must trace back to the share it pays for.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../../devnet/index';
import { type Proxy, type QuoteEvent } from '../stratum/proxy';
import { minerFor, type SimMiner } from '../../device/sim/miner';
import { TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';
import { until } from '../../test/until';
import { testProxy } from '../stratum/testing/test-proxy';

const dir = tempDir();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  dir.remove();
});

describe('shares mined through the proxy end as proofs', () => {
  it('proofs sum to the quotes the pool paid for our key; each proof traces to its share', async () => {
    const devnet: Devnet = await startDevnet({ home: join(dir.path, 'devnet'), pool: { quotePollMs: 50, successFlushMs: 50 } });
    cleanups.push(() => devnet.close());
    const wallet = testWallet(join(dir.path, 'wallet'), devnet.mint.url, { batchDelayMs: 10 });
    cleanups.push(() => wallet.close());
    await wallet.create(TEST_PASSPHRASE);
    await wallet.start();

    const { pool } = devnet;
    const proxy: Proxy = testProxy([`stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}`], join(dir.path, 'ledger.sqlite'), {
      verdictTimeoutMs: 300,
      lockingPubkey: () => wallet.lockingPubkey(),
      nominalHashrate: 1000,
    });
    const quotes: QuoteEvent[] = [];
    proxy.on('quote', (q) => {
      quotes.push(q);
      if (!q.error) wallet.onQuoteEvent({ quoteId: q.quoteId, amount: q.amount, minerId: q.minerId });
    });
    const port = (await proxy.start()).port;
    cleanups.push(() => proxy.stop());

    const miners: SimMiner[] = [];
    for (const user of ['bc1qa.bitaxe1', 'bc1qb.bitaxe2']) {
      const miner = minerFor({ host: '127.0.0.1', port, user });
      await miner.connect();
      miners.push(miner);
      cleanups.push(() => miner.close());
    }
    const headerHashes: string[] = [];
    for (const miner of miners) for (let i = 0; i < 8; i++) headerHashes.push((await miner.submitShare()).headerHash);
    await until(() => proxy.snapshot().shares.awaiting === 0);
    const accepted = devnet.pool.stats().accepted;
    expect(accepted).toBe(16);
    await until(() => quotes.length >= accepted);
    await until(() => wallet.store.countQuotes(['unpaid', 'paid']) === 0 && wallet.store.quotesByState('issued').length === accepted);

    const paidForUs = quotes.reduce((sum, q) => {
      const atMint = devnet.mint.quote(q.quoteId)!;
      expect(atMint.pubkey).toBe(wallet.lockingPubkey());
      expect(atMint.amount_issued).toBe(atMint.amount);
      return sum + atMint.amount;
    }, 0n);
    expect(wallet.balances()).toEqual([{ mint: devnet.mint.url, unit: 'hash', amount: paidForUs, proofs: accepted, expectedWork: paidForUs }]);
    // share -> quote -> proof, both ways
    for (const headerHash of headerHashes) {
      const [trace] = wallet.trace(headerHash);
      expect(trace?.proofs).toHaveLength(1);
      expect(proxy.ledger.shareByHeaderHash(trace!.quote.header_hash!)?.verdict).toBe('accepted');
      expect(trace?.quote.miner_id).toBeTruthy();
    }
  });
});

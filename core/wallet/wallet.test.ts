import { afterEach, describe, expect, it } from 'vitest';
import type { DevnetMint } from '../../devnet/mint';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';
import type { WalletEvent, WalletService } from './service';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(): Promise<{ dir: string; mint: DevnetMint; wallet: WalletService; events: WalletEvent[] }> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const mint = await devnetMint(dir.path);
  cleanups.push(() => mint.close());
  const wallet = testWallet(`${dir.path}/home`, mint.url);
  cleanups.push(() => wallet.close());
  const events: WalletEvent[] = [];
  wallet.subscribe((e) => events.push(e));
  await wallet.create(TEST_PASSPHRASE);
  return { dir: dir.path, mint, wallet, events };
}

describe('sweeper against the devnet mint', () => {
  it('mints every paid share quote into proofs that trace back to their share', async () => {
    const { mint, wallet, events } = await setup();
    const shares = await payShares(mint, wallet.lockingPubkey()!, [1n, 2n, 4n, 8n, 1n, 32n]);
    for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount, headerHash: s.headerHash, minerId: 'bitaxe-1' });
    await wallet.sweep();
    const [balance] = wallet.balances();
    expect(balance).toMatchObject({ mint: mint.url, unit: 'hash', amount: 48n, proofs: 6 });
    for (const s of shares) {
      const [trace] = wallet.trace(s.headerHash);
      expect(trace?.quote).toMatchObject({ id: s.quoteId, state: 'issued', miner_id: 'bitaxe-1' });
      expect(trace?.proofs).toEqual([{ amount: s.amount, state: 'unspent' }]);
      expect(events).toContainEqual(expect.objectContaining({ type: 'wallet.proof', quoteId: s.quoteId, headerHash: s.headerHash, amount: s.amount }));
    }
    // running again mints nothing twice
    await wallet.sweep();
    expect(wallet.balances()[0]?.amount).toBe(48n);
  });
});

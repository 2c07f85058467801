/**
 * NIP-60 with hashpool's epoch units and quotes that wait, on the real wallet, the devnet mint and a devnet relay:
 * ehash in a 78-character unit (`hash_<66 hex>_<height>`) backs up, restores on a fresh machine and is not published
 * again after a restart; a quote the mint holds gets a 7374 event (NIP-40 expiration) that is deleted once minted.
 */
import * as nip44 from 'nostr-tools/nip44';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { silentLogger } from '../../lib/log';
import type { WalletService } from '../wallet';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from '../wallet/testing/kit';
import { backupKeysFromSeed } from './keys';
import { KIND_DELETION, KIND_QUOTE, KIND_TOKEN } from './nip60';
import { type BackupService, createBackup } from './service';
import { rawQuery } from './testing/memory-wallet';
import { walletPorts } from './wallet-port';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function backupFor(wallet: WalletService, relays: string[], quoteEventAfterSeconds?: number): BackupService {
  const { source, target } = walletPorts(wallet);
  const backup = createBackup({
    source,
    restoreTarget: target,
    relays,
    delaySeconds: 3600,
    logger: silentLogger,
    timeoutMs: 5000,
    retryInitialMs: 100,
    ...(quoteEventAfterSeconds === undefined ? {} : { quoteEventAfterSeconds }),
  });
  cleanups.push(() => backup.stop());
  return backup;
}

async function setup(hooks = {}) {
  const dir = tempDir('axewallet-epoch-backup-');
  cleanups.push(dir.remove);
  const mint = await devnetMint(dir.path, hooks);
  cleanups.push(() => mint.close());
  const relay: RunningRelay = await startRelay();
  cleanups.push(() => relay.close());
  return { dir, mint, relay };
}

describe('NIP-60 with epoch units and waiting quotes', () => {
  it('a 78-character unit goes through backup and restore, and a restart publishes nothing again', async () => {
    const { dir, mint, relay } = await setup();
    const unit = mint.openEpoch(`02${'ab'.repeat(32)}`, 905123).unit;
    expect(unit.length).toBe(78);
    const wallet = testWallet(`${dir.path}/home-a`, mint.url);
    cleanups.push(() => wallet.close());
    const { mnemonic } = await wallet.create(TEST_PASSPHRASE);
    for (const s of await payShares(mint, wallet.lockingPubkey()!, [1n, 8n, 32n])) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect(wallet.balances()).toMatchObject([{ unit, amount: 41n }]);

    const backup = backupFor(wallet, [relay.url]);
    await backup.start();
    const first = await backup.backupNow();
    expect(first.published.filter((p) => p.kind === KIND_TOKEN)).toHaveLength(1);
    await backup.stop();

    // a restart reads its token event back (the unit parses) and has nothing to publish
    const restarted = backupFor(wallet, [relay.url]);
    await restarted.start();
    const second = await restarted.backupNow();
    expect(second.published.filter((p) => p.kind === KIND_TOKEN)).toEqual([]);
    await restarted.stop();

    // a fresh machine with no mint configured restores the ehash in its epoch unit from the relay
    const fresh = testWallet(`${dir.path}/home-b`, 'http://127.0.0.1:1', { mintUrls: [] });
    cleanups.push(() => fresh.close());
    await fresh.restore(mnemonic, TEST_PASSPHRASE);
    const report = await backupFor(fresh, [relay.url]).restore();
    expect(report.mints).toEqual([mint.url]);
    expect(fresh.balances()).toMatchObject([{ mint: mint.url, unit, amount: 41n }]);
  });

  it('a quote the mint holds gets a 7374 event (quote id to self, mint tag, two-week expiration), deleted once it is minted', async () => {
    const { dir, mint, relay } = await setup({ holdQuotesUnpaid: true, lookupRoutes: [] });
    // held quotes are asked about again on the lookup's schedule: every pass here
    const wallet = testWallet(`${dir.path}/home`, mint.url, { lookupIntervalMs: 0 });
    cleanups.push(() => wallet.close());
    await wallet.create(TEST_PASSPHRASE);
    const [held] = await payShares(mint, wallet.lockingPubkey()!, [4n]);
    wallet.onQuoteEvent({ quoteId: held!.quoteId, amount: 4n });
    await wallet.sweep();
    expect(wallet.quotes('unpaid').map((q) => q.id)).toEqual([held!.quoteId]);

    const backup = backupFor(wallet, [relay.url], 0);
    await backup.start();
    await backup.backupNow();
    const keys = backupKeysFromSeed(wallet.backupSource().bip39Seed());
    const me = keys.identity.publicKey;
    const [quoteEvent, ...more] = await rawQuery(relay.url, { kinds: [KIND_QUOTE], authors: [me] });
    expect(more).toEqual([]);
    expect(nip44.decrypt(quoteEvent!.content, nip44.getConversationKey(keys.identity.secretKey, me))).toBe(held!.quoteId);
    expect(quoteEvent!.tags.find((t) => t[0] === 'mint')?.[1]).toBe(mint.url);
    const expiration = Number(quoteEvent!.tags.find((t) => t[0] === 'expiration')?.[1]);
    expect(expiration - Math.floor(Date.now() / 1000)).toBeGreaterThan(13 * 86_400);
    expect(expiration - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(14 * 86_400 + 60);

    // after a restart the event is known: not published twice
    await backup.stop();
    const again = backupFor(wallet, [relay.url], 0);
    await again.start();
    expect((await again.backupNow()).published.filter((p) => p.kind === KIND_QUOTE)).toEqual([]);

    // the epoch confirms, the wallet mints it: the quote event is deleted (kind 5, k 7374)
    mint.confirmQuotes();
    await wallet.sweep();
    expect(wallet.balances()[0]?.amount).toBe(4n);
    await again.backupNow();
    const deletions = await rawQuery(relay.url, { kinds: [KIND_DELETION], authors: [me], '#k': [String(KIND_QUOTE)] });
    expect(deletions.flatMap((d) => d.tags.filter((t) => t[0] === 'e').map((t) => t[1]))).toContain(quoteEvent!.id);
  });
});

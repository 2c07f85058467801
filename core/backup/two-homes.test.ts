/**
 * Issue 14's walkthrough, pinned down: two homes on one seed and the relays between them. Machine A mines
 * and backs up to its relay; machine C, on a demo network of its own (its own mint and relay), restores A's
 * words, finds nothing on its own relay, then adds A's relay on the Backup page. A keeps mining meanwhile:
 * its wallet consolidates, so the proofs in its last backup are spent and its newer income waits for the
 * income delay (recoverable from the seed). The trigger: C's backup, once it reads A's relay, saw A's token
 * events full of proofs it did not hold, found them spent, and deleted them; and it re-sent its own wallet
 * event and NUT-27 mint list, naming only C's mint, over A's (replaceable events: the relay keeps one). A
 * third machine D restoring from A's relay then learned of C's mint alone: "3 backup events: 0 proofs
 * restored", and A's read-back audit found its wallet event and mint list gone ("accepted but does not
 * return 2 of 3 backup event(s)"). Real wallets (SQLite), real devnet mints and relays, in process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import type { DevnetMint } from '../../devnet/mint';
import { silentLogger } from '../../lib/log';
import type { WalletService } from '../wallet';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from '../wallet/testing/kit';
import { backupKeysFromSeed } from './keys';
import { KIND_MINT_LIST, KIND_WALLET } from './nip60';
import { type BackupService, createBackup } from './service';
import { rawQuery } from './testing/memory-wallet';
import { walletPorts } from './wallet-port';

const balance = (wallet: WalletService, mint?: string) => wallet.balances().reduce((s, b) => s + (mint === undefined || b.mint === mint ? b.amount : 0n), 0n);

describe('two homes on one seed', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function backupFor(wallet: WalletService, relays: string[]): BackupService {
    const { source, target } = walletPorts(wallet);
    const backup = createBackup({ source, restoreTarget: target, relays, delaySeconds: 3600, logger: silentLogger, timeoutMs: 5000, retryInitialMs: 100 });
    cleanups.push(() => backup.stop());
    return backup;
  }

  async function network(dir: string, name: string): Promise<{ mint: DevnetMint; relay: RunningRelay }> {
    const mint = await devnetMint(`${dir}/${name}-mint`);
    cleanups.push(() => mint.close());
    const relay = await startRelay();
    cleanups.push(() => relay.close());
    return { mint, relay };
  }

  /** Machine A: mining (consolidating above 4 proofs), backed up once to its relay. */
  async function machineA(dir: string, net: { mint: DevnetMint; relay: RunningRelay }) {
    const wallet = testWallet(`${dir}/home-a`, net.mint.url, { consolidateAbove: 4 });
    cleanups.push(() => wallet.close());
    const { mnemonic } = await wallet.create(TEST_PASSPHRASE);
    const mine = async (amounts: bigint[]) => {
      for (const s of await payShares(net.mint, wallet.lockingPubkey()!, amounts)) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
      await wallet.sweep();
    };
    await mine([1n, 2n, 4n]);
    const backup = backupFor(wallet, [net.relay.url]);
    await backup.start();
    await backup.backupNow();
    return { wallet, mnemonic, mine, backup };
  }

  it("a restore on a second machine never makes a third machine's restore lose the first machine's ehash", async () => {
    const dir = tempDir('axw-two-homes-');
    cleanups.push(dir.remove);
    const netA = await network(dir.path, 'a');
    const netC = await network(dir.path, 'c');
    const a = await machineA(dir.path, netA);

    // C restores A's words on its own demo network: nothing on its relay, so nothing is installed from nostr
    const c = testWallet(`${dir.path}/home-c`, netC.mint.url);
    cleanups.push(() => c.close());
    await c.restore(a.mnemonic, TEST_PASSPHRASE);
    await c.whenRestored();
    const backupC = backupFor(c, [netC.relay.url]);
    await backupC.start();
    await backupC.backupNow();

    // A keeps mining: consolidation spends every proof its backup holds; the new ones wait for the income delay
    await a.mine([1n, 1n, 1n, 1n, 1n]);
    expect(balance(a.wallet)).toBe(12n);
    expect(a.wallet.balances()[0]!.proofs).toBe(2);

    // C adds A's relay on the Backup page
    await backupC.setRelays([netC.relay.url, netA.relay.url]);
    await backupC.backupNow();

    // D, a third machine on a demo network of its own, restores from A's relay: A's whole balance comes back
    const netD = await network(dir.path, 'd');
    const d = testWallet(`${dir.path}/home-d`, netD.mint.url);
    cleanups.push(() => d.close());
    await d.restore(a.mnemonic, TEST_PASSPHRASE);
    const report = await backupFor(d, [netA.relay.url]).restore();
    expect(report.mints).toEqual(expect.arrayContaining([netA.mint.url, netC.mint.url]));
    expect(balance(d, netA.mint.url)).toBe(12n);

    // the relay names every mint in both replaceable events, so A's read-back audit finds what it expects
    const seed = a.wallet.backupSource().bip39Seed();
    const keys = backupKeysFromSeed(seed);
    expect(await rawQuery(netA.relay.url, { kinds: [KIND_WALLET], authors: [keys.identity.publicKey] })).toHaveLength(1);
    expect(await rawQuery(netA.relay.url, { kinds: [KIND_MINT_LIST], authors: [keys.mintList.publicKey] })).toHaveLength(1);
    await a.backup.backupNow();
    expect(a.backup.status().relays[0]!.lastError).toBeNull();
    expect(a.backup.status().lastError).toBeNull();
    // and A still holds everything it mined
    expect(balance(a.wallet)).toBe(12n);
  });

  it('two homes on one mint and one relay both keep their full balance after a restore on the second', async () => {
    const dir = tempDir('axw-two-homes-');
    cleanups.push(dir.remove);
    const net = await network(dir.path, 'shared');
    const a = await machineA(dir.path, net);

    const b = testWallet(`${dir.path}/home-b`, net.mint.url);
    cleanups.push(() => b.close());
    await b.restore(a.mnemonic, TEST_PASSPHRASE);
    const backupB = backupFor(b, [net.relay.url]);
    await backupB.restore();
    await backupB.start();
    expect(balance(b)).toBe(7n);

    // both keep going: A mines and consolidates (spending the proofs B restored), B is paid 50 by someone
    // else; each backs up after the other
    await a.mine([1n, 1n, 1n, 1n, 1n]);
    expect(a.wallet.balances()[0]!.proofs).toBe(2);
    const payer = testWallet(`${dir.path}/home-payer`, net.mint.url);
    cleanups.push(() => payer.close());
    await payer.create(TEST_PASSPHRASE);
    for (const s of await payShares(net.mint, payer.lockingPubkey()!, [64n])) payer.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await payer.sweep();
    const { token } = await payer.send({ amount: 50n, unit: 'hash', mint: net.mint.url });
    await b.receive(token);
    await backupB.backupNow();
    await a.backup.backupNow();
    await backupB.backupNow();
    // A read B's backup before writing its own, and took the ehash B received: one wallet on two machines
    expect(balance(a.wallet)).toBe(62n);
    // B dropped what A spent (the mint said so) and took what A minted: the same balance on both
    expect(balance(b)).toBe(62n);
    for (const backup of [a.backup, backupB]) {
      expect(backup.status().lastError).toBeNull();
      expect(backup.status().relays[0]!.lastError).toBeNull();
    }

    // whatever either machine did, the relay restores everything A mined
    const e = testWallet(`${dir.path}/home-e`, 'http://127.0.0.1:1', { mintUrls: [] });
    cleanups.push(() => e.close());
    await e.restore(a.mnemonic, TEST_PASSPHRASE);
    await backupFor(e, [net.relay.url]).restore();
    expect(balance(e)).toBe(62n);
    // restoring again on B changes nothing: it already holds exactly that
    await backupB.restore();
    expect(balance(b)).toBe(62n);
  });
});

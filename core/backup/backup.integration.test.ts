/**
 * Issue 7's "done when", in process: the real wallet (SQLite), the devnet mint and devnet relays.
 * Most restoring wallets are configured with NO mint: the mint has to come from nostr (NUT-27 mint list +
 * NIP-60 token events), and the seed is then scanned (NUT-09) at every mint the backup names.
 */
import { rmSync } from 'node:fs';
import { getDecodedToken } from '@cashu/cashu-ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import * as nip44 from 'nostr-tools/nip44';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import type { DevnetMint } from '../../devnet/mint';
import { silentLogger } from '../../lib/log';
import type { WalletService } from '../wallet';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from '../wallet/testing/kit';
import { backupKeysFromSeed } from './keys';
import { KIND_DELETION, KIND_TOKEN } from './nip60';
import { type BackupService, createBackup } from './service';
import { rawQuery } from './testing/memory-wallet';
import { walletPorts } from './wallet-port';

const secrets = (wallet: WalletService) =>
  new Set(
    wallet
      .backupSource()
      .unspentProofs()
      .flatMap((g) => g.proofs.map((p) => p.secret)),
  );
const balance = (wallet: WalletService) => wallet.balances().reduce((s, b) => s + b.amount, 0n);

describe('backup and restore with the real wallet and the devnet mint', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const dir = tempDir('axewallet-backup-');
    cleanups.push(dir.remove);
    const mint: DevnetMint = await devnetMint(dir.path);
    cleanups.push(() => mint.close());
    const relay: RunningRelay = await startRelay();
    cleanups.push(() => relay.close());
    return { dir, mint, relay };
  }

  function backupFor(wallet: WalletService, relays: string[]): BackupService {
    const { source, target } = walletPorts(wallet);
    const backup = createBackup({ source, restoreTarget: target, relays, delaySeconds: 3600, logger: silentLogger, timeoutMs: 5000, retryInitialMs: 100 });
    cleanups.push(() => backup.stop());
    return backup;
  }

  async function freshRestore(home: string, mnemonic: string, relays: string[]) {
    const wallet = testWallet(home, 'http://127.0.0.1:1', { mintUrls: [] });
    cleanups.push(() => wallet.close());
    await wallet.restore(mnemonic, TEST_PASSPHRASE);
    const report = await backupFor(wallet, relays).restore();
    return { wallet, report };
  }

  it('mine, back up, delete the home, restore from the mnemonic alone; spend half, back up, restore elsewhere', async () => {
    const { dir, mint, relay } = await setup();
    const home = `${dir.path}/home-a`;
    const wallet = testWallet(home, mint.url);
    const { mnemonic } = await wallet.create(TEST_PASSPHRASE);
    for (const s of await payShares(mint, wallet.lockingPubkey()!, [1n, 2n, 4n, 8n, 16n, 32n])) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount, headerHash: s.headerHash });
    await wallet.sweep();
    expect(balance(wallet)).toBe(63n);
    const minedSecrets = secrets(wallet);

    const backup = backupFor(wallet, [relay.url]);
    await backup.start();
    await backup.backupNow();
    expect(backup.status().relays[0]!.lastError).toBeNull();
    const pubkey = backupKeysFromSeed(wallet.backupSource().bip39Seed()).identity.publicKey;
    const firstTokens = await rawQuery(relay.url, { kinds: [KIND_TOKEN], authors: [pubkey] });
    // the NIP-60 privkey unlocks the minted (P2PK-locked) proofs: another NIP-60 wallet could spend them
    const keys = backupKeysFromSeed(wallet.backupSource().bip39Seed(), undefined, walletPorts(wallet).source.p2pkKey!());
    const [walletEvent] = await rawQuery(relay.url, { kinds: [17375], authors: [pubkey] });
    const walletTags = JSON.parse(nip44.decrypt(walletEvent!.content, nip44.getConversationKey(keys.identity.secretKey, pubkey))) as string[][];
    const privkey = walletTags.find((t) => t[0] === 'privkey')![1]!;
    expect(bytesToHex(secp256k1.getPublicKey(hexToBytes(privkey), true))).toBe(wallet.lockingPubkey());

    // the machine is lost
    await backup.stop();
    await wallet.close();
    rmSync(home, { recursive: true, force: true });

    const restored = await freshRestore(`${dir.path}/home-b`, mnemonic, [relay.url]);
    expect(restored.report.mints).toEqual([mint.url]);
    expect(balance(restored.wallet)).toBe(63n);
    expect(secrets(restored.wallet)).toEqual(minedSecrets);

    // spend half from the restored wallet, back up
    const b = restored.wallet;
    await b.send({ amount: 31n, unit: 'hash', mint: mint.url });
    expect(balance(b)).toBe(32n);
    const backupB = backupFor(b, [relay.url]);
    await backupB.start();
    await backupB.backupNow();

    // the old token events are deleted on the relay, and the deletion itself is there for others
    const tokensNow = await rawQuery(relay.url, { kinds: [KIND_TOKEN], authors: [pubkey] });
    for (const old of firstTokens) expect(tokensNow.map((t) => t.id)).not.toContain(old.id);
    const deletions = await rawQuery(relay.url, { kinds: [KIND_DELETION], authors: [pubkey], '#k': ['7375'] });
    expect(deletions.flatMap((d) => d.tags.filter((t) => t[0] === 'e').map((t) => t[1]))).toEqual(expect.arrayContaining(firstTokens.map((t) => t.id)));

    const elsewhere = await freshRestore(`${dir.path}/home-c`, mnemonic, [relay.url]);
    expect(balance(elsewhere.wallet)).toBe(32n);
    expect(secrets(elsewhere.wallet)).toEqual(secrets(b));
    // the seed scan at the mint the backup names finds the token b gave away: an unclaimed send, not balance
    expect(elsewhere.wallet.pendingSends().map((s) => BigInt(s.amount))).toEqual([31n]);
    // restoring twice changes nothing
    const again = await backupFor(elsewhere.wallet, [relay.url]).restore();
    expect(again.proofsAdded).toBe(0);
    expect(balance(elsewhere.wallet)).toBe(32n);
    // the history accounts for every restored proof exactly once, whichever way it came back
    const restoredIn = elsewhere.wallet
      .history(100)
      .filter((h) => h.kind === 'restore')
      .reduce((sum, h) => sum + BigInt(h.amount), 0n);
    expect(restoredIn).toBe(32n);

    // the same on a machine configured for the mint (its own NUT-09 scan finds the token given away too): an
    // unclaimed send, listed and reclaimable, never balance
    const sameMint = testWallet(`${dir.path}/home-d`, mint.url);
    cleanups.push(() => sameMint.close());
    await sameMint.restore(mnemonic, TEST_PASSPHRASE);
    await sameMint.whenRestored();
    expect(balance(sameMint)).toBe(32n);
    expect(sameMint.pendingSends().map((s) => BigInt(s.amount))).toEqual([31n]);
    // a token for it again, worth exactly what was given away
    expect(
      getDecodedToken(
        sameMint.pendingSends()[0]!.token!,
        sameMint.store.keysets().map((k) => k.id),
      ).proofs.reduce((sum, p) => sum + BigInt(p.amount.toString()), 0n),
    ).toBe(31n);
    await sameMint.reclaim(sameMint.pendingSends()[0]!.id);
    expect(balance(sameMint)).toBe(63n);
  });

  it('income minted after the last backup comes back too, at a mint this machine is not configured for', async () => {
    const { dir, mint, relay } = await setup();
    const wallet = testWallet(`${dir.path}/home-a`, mint.url);
    const { mnemonic } = await wallet.create(TEST_PASSPHRASE);
    const pay = async (amounts: bigint[]) => {
      for (const s of await payShares(mint, wallet.lockingPubkey()!, amounts)) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
      await wallet.sweep();
    };
    await pay([1n, 2n, 4n]);
    const backup = backupFor(wallet, [relay.url]);
    await backup.start();
    await backup.backupNow();
    await pay([8n, 16n]); // not in any backup yet
    expect(balance(wallet)).toBe(31n);

    const elsewhere = await devnetMint(`${dir.path}/other-mint`);
    cleanups.push(() => elsewhere.close());
    const restored = testWallet(`${dir.path}/home-b`, elsewhere.url);
    cleanups.push(() => restored.close());
    await restored.restore(mnemonic, TEST_PASSPHRASE);
    const report = await backupFor(restored, [relay.url]).restore();
    expect(report.mints).toEqual([mint.url]);
    expect(restored.balances().find((b) => b.mint === mint.url)?.amount).toBe(31n);
    expect(secrets(restored)).toEqual(secrets(wallet));
    expect(report.proofsAdded).toBe(5);
  });

  it('two relays, one refusing writes: the backup is complete on the other, status names the failing one', async () => {
    const { dir, mint, relay } = await setup();
    const bad = await startRelay();
    cleanups.push(() => bad.close());
    bad.hooks.refuseEvent = () => 'blocked: not accepting writes';
    const wallet = testWallet(`${dir.path}/home-a`, mint.url);
    cleanups.push(() => wallet.close());
    const { mnemonic } = await wallet.create(TEST_PASSPHRASE);
    for (const s of await payShares(mint, wallet.lockingPubkey()!, [4n, 8n])) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();

    const backup = backupFor(wallet, [relay.url, bad.url]);
    await backup.start();
    await backup.backupNow();
    const status = backup.status();
    expect(status.relays.find((r) => r.url === bad.url)!.lastError).toMatch(/does not accept events from this wallet: not accepting writes/);
    expect(status.relays.find((r) => r.url === relay.url)!.lastError).toBeNull();

    const restored = await freshRestore(`${dir.path}/home-b`, mnemonic, [relay.url]);
    expect(balance(restored.wallet)).toBe(12n);
  });
});

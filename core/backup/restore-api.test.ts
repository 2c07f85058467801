/**
 * backup.restore with recovery words, through the API host, with the real wallet, devnet mint and relays:
 * "found nothing" is a failure that changes nothing, a retry with the right relay works, a restore onto
 * the wallet of the same words merges, and another wallet is never touched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { ApiHost } from '../api/host';
import { silentLogger } from '../../lib/log';
import type { WalletService } from '../wallet';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from '../wallet/testing/kit';
import { registerBackupApi } from './api';
import { createBackup } from './service';
import { walletPorts } from './wallet-port';

const balance = (wallet: WalletService) => wallet.balances().reduce((s, b) => s + b.amount, 0n);

describe('restore with recovery words through the API', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function home(dir: string, name: string, mintUrl: string, relays: string[]) {
    const wallet = testWallet(`${dir}/${name}`, mintUrl);
    cleanups.push(() => wallet.close());
    const ports = walletPorts(wallet);
    const backup = createBackup({ source: ports.source, restoreTarget: ports.target, relays, delaySeconds: 3600, logger: silentLogger, timeoutMs: 3000, retryInitialMs: 100 });
    cleanups.push(() => backup.stop());
    const host = new ApiHost();
    registerBackupApi(host, backup, { words: ports.words });
    return { wallet, backup, host };
  }

  it('found nothing changes nothing; the right relay restores; again merges; other words are refused', async () => {
    const dir = tempDir('axw-restore-api-');
    cleanups.push(dir.remove);
    const mint = await devnetMint(`${dir.path}/mint`);
    cleanups.push(() => mint.close());
    const relayA: RunningRelay = await startRelay();
    cleanups.push(() => relayA.close());
    const empty: RunningRelay = await startRelay();
    cleanups.push(() => empty.close());

    const a = await home(dir.path, 'a', mint.url, [relayA.url]);
    const { mnemonic } = await a.wallet.create(TEST_PASSPHRASE);
    for (const s of await payShares(mint, a.wallet.lockingPubkey()!, [2n, 8n])) a.wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await a.wallet.sweep();
    await a.backup.start();
    await a.backup.backupNow();

    // a machine with no mint configured, searching a relay that holds nothing for these words
    const c = await home(dir.path, 'c', 'http://127.0.0.1:1', [empty.url]);
    const nothing = c.host.invoke('backup.restore', { mnemonic, passphrase: TEST_PASSPHRASE });
    await expect(nothing).rejects.toMatchObject({ code: 'not_found', field: 'relays' });
    await expect(nothing).rejects.toThrow(`No backup for these words on ${empty.url}`);
    await nothing.catch((error: { hint: string }) => expect(error.hint).toMatch(/^Nothing was changed\. Check the words/));
    expect(c.wallet.status().exists).toBe(false);

    // the retry, with the relay the other machine backs up to: restored, and that relay kept for the backup
    const report = await c.host.invoke('backup.restore', { mnemonic, passphrase: TEST_PASSPHRASE, relays: [empty.url, relayA.url] });
    expect(report.relays[relayA.url]!.events).toBeGreaterThan(0);
    expect(report.relays[empty.url]).toEqual({ events: 0 });
    expect(report.relaysAdded).toEqual([relayA.url]);
    expect((await c.host.invoke('backup.get', {})).relays.map((r) => r.url)).toEqual([empty.url, relayA.url]);
    expect(balance(c.wallet)).toBe(10n);

    // restoring the same words again merges (the wallet locked meanwhile: the passphrase unlocks it)
    c.wallet.lock();
    await expect(c.host.invoke('backup.restore', { mnemonic, passphrase: 'not the passphrase', relays: [relayA.url] })).rejects.toMatchObject({ code: 'forbidden', field: 'passphrase' });
    const again = await c.host.invoke('backup.restore', { mnemonic, passphrase: TEST_PASSPHRASE, relays: [relayA.url] });
    expect(again.proofsAdded).toBe(0);
    expect(again.events).toBeGreaterThan(0);
    expect(balance(c.wallet)).toBe(10n);

    // other words on this machine: refused, nothing touched
    const other = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
    await expect(c.host.invoke('backup.restore', { mnemonic: other, passphrase: TEST_PASSPHRASE, relays: [relayA.url] })).rejects.toMatchObject({ code: 'conflict', field: 'mnemonic' });
    await expect(c.host.invoke('backup.restore', { mnemonic: 'not the words', passphrase: TEST_PASSPHRASE })).rejects.toMatchObject({ code: 'bad_request', field: 'mnemonic' });
    expect(balance(c.wallet)).toBe(10n);
  });
});

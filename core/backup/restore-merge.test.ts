/**
 * Restoring onto a wallet that is already here, and quotes another machine was waiting on, with real wallets
 * (SQLite), the devnet mint and relay in process:
 * - wallet.restore with the words of the wallet here merges (NUT-09 at its mints, then the nostr backup): nothing
 *   lost, nothing twice, and again changes nothing; other words are refused and leave the seed as it was;
 * - a restore reads the NIP-60 quote events (7374) the other machine left: quotes paid but not minted are
 *   minted by the sweeper here, an expired event (NIP-40) is ignored, and a quote both machines try to mint is
 *   minted once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { createLogger, type LogRecord } from '../../lib/log';
import { ApiHost } from '../api/host';
import type { WalletService } from '../wallet';
import { registerWalletApi } from '../wallet/api';
import { bip39Seed } from '../wallet/keys';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from '../wallet/testing/kit';
import { registerBackupApi } from './api';
import { backupKeysFromSeed } from './keys';
import { buildQuoteEvent, KIND_QUOTE, selfCipher, type SignedEvent } from './nip60';
import { unexpired } from './quote-events';
import { createBackup } from './service';
import { createSigner } from './signing';
import { rawQuery } from './testing/memory-wallet';
import { walletPorts } from './wallet-port';

const balance = (wallet: WalletService, mint?: string) => wallet.balances().reduce((s, b) => s + (mint === undefined || b.mint === mint ? b.amount : 0n), 0n);

async function rawPublish(url: string, event: SignedEvent): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as unknown[];
      if (m[0] === 'OK') resolve();
    });
    ws.send(JSON.stringify(['EVENT', event]));
  });
  ws.close();
}

describe('restore onto the wallet that is here, and quotes another machine waited on', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function home(path: string, mintUrl: string, relays: string[], opts: { quoteEventAfterSeconds?: number } = {}) {
    // the held quotes are asked about again at every pass
    const wallet = testWallet(path, mintUrl, { lookupIntervalMs: 0 });
    cleanups.push(() => wallet.close());
    const records: LogRecord[] = [];
    const ports = walletPorts(wallet);
    const backup = createBackup({
      source: ports.source,
      restoreTarget: ports.target,
      relays,
      delaySeconds: 3600,
      logger: createLogger([(r) => records.push(r)], 'backup', 'debug'),
      timeoutMs: 5000,
      retryInitialMs: 100,
      ...opts,
    });
    cleanups.push(() => backup.stop());
    const host = new ApiHost();
    cleanups.push(registerWalletApi(host, wallet));
    registerBackupApi(host, backup, { words: ports.words });
    const merges = () => records.filter((r) => r.message.startsWith('the backup on the relays was merged')).length;
    return { wallet, backup, host, merges };
  }

  it('the same words merge into the wallet here (NUT-09 and nostr, nothing twice); other words are refused', async () => {
    const dir = tempDir('axw-restore-merge-');
    cleanups.push(dir.remove);
    const shared = await devnetMint(`${dir.path}/mint-1`);
    cleanups.push(() => shared.close());
    const own = await devnetMint(`${dir.path}/mint-2`);
    cleanups.push(() => own.close());
    const relay: RunningRelay = await startRelay();
    cleanups.push(() => relay.close());

    // machine A mines 4 at its own mint and backs up; its backup keeps running
    const a = home(`${dir.path}/a`, own.url, [relay.url]);
    const { mnemonic } = await a.wallet.create(TEST_PASSPHRASE);
    for (const s of await payShares(own, a.wallet.lockingPubkey()!, [4n])) a.wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await a.wallet.sweep();
    await a.backup.start();
    await a.backup.backupNow();

    // machine B, later set up with the same words, mines 2 + 8 at the shared mint and backs up to the same relay
    const b = home(`${dir.path}/b`, shared.url, [relay.url]);
    await b.wallet.create(TEST_PASSPHRASE, mnemonic);
    for (const s of await payShares(shared, b.wallet.lockingPubkey()!, [2n, 8n])) b.wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await b.wallet.sweep();
    await b.backup.start();
    await b.backup.backupNow();
    // and a third copy of the words mines 16 at A's mint, with no backup at all: only NUT-09 knows it
    const c = testWallet(`${dir.path}/c`, own.url);
    cleanups.push(() => c.close());
    await c.create(TEST_PASSPHRASE, mnemonic);
    for (const s of await payShares(own, c.lockingPubkey()!, [16n])) c.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await c.sweep();
    expect(balance(a.wallet)).toBe(4n);
    const pubkey = a.wallet.lockingPubkey();
    a.wallet.lock();

    // the words of the wallet here: it unlocks (a wrong passphrase is refused), merges, and keeps its own
    await expect(a.host.invoke('wallet.restore', { mnemonic, passphrase: 'not the passphrase' })).rejects.toMatchObject({ code: 'forbidden', field: 'passphrase' });
    expect(await a.host.invoke('wallet.restore', { mnemonic, passphrase: TEST_PASSPHRASE })).toEqual({ lockingPubkey: pubkey });
    await a.wallet.whenRestored();
    await vi.waitFor(() => expect(a.merges()).toBe(1));
    expect(balance(a.wallet, own.url)).toBe(4n + 16n);
    expect(balance(a.wallet, shared.url)).toBe(10n);
    // the counters moved past what the other copy signed: the next share mints at once
    for (const s of await payShares(own, a.wallet.lockingPubkey()!, [1n])) a.wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await a.wallet.sweep();
    expect(balance(a.wallet, own.url)).toBe(21n);

    // again: nothing twice
    await a.host.invoke('wallet.restore', { mnemonic, passphrase: TEST_PASSPHRASE });
    await a.wallet.whenRestored();
    await vi.waitFor(() => expect(a.merges()).toBe(2));
    expect(balance(a.wallet)).toBe(31n);
    expect(a.wallet.store.proofs({ state: 'unspent' })).toHaveLength(new Set(a.wallet.store.proofs({ state: 'unspent' }).map((p) => p.secret)).size);

    // other words: a refusal that says what to do; the seed and the balance here are untouched
    const other = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
    const refused = a.host.invoke('wallet.restore', { mnemonic: other, passphrase: TEST_PASSPHRASE });
    await expect(refused).rejects.toMatchObject({ code: 'conflict', field: 'mnemonic', message: expect.stringMatching(/different recovery words; nothing was changed/) });
    await refused.catch((error: { hint: string }) => expect(error.hint).toMatch(/another home \(--home\)/));
    expect(a.wallet.lockingPubkey()).toBe(pubkey);
    expect(a.wallet.holds(bip39Seed(mnemonic))).toBe('same');
    expect(balance(a.wallet)).toBe(31n);
  });

  it('a second machine mints the quotes the first one waited on (7374), unexpired ones only, each once', async () => {
    const dir = tempDir('axw-restore-quotes-');
    cleanups.push(dir.remove);
    // a mint without the quote lookup (hashpool master) that holds new quotes unpaid until their epoch confirms
    const mint = await devnetMint(`${dir.path}/mint`, { lookupRoutes: [], holdQuotesUnpaid: true });
    cleanups.push(() => mint.close());
    const relay: RunningRelay = await startRelay();
    cleanups.push(() => relay.close());

    // machine A hears of two quotes, still unpaid, and backs up: a quote event each
    const a = home(`${dir.path}/a`, mint.url, [relay.url], { quoteEventAfterSeconds: 0 });
    const { mnemonic } = await a.wallet.create(TEST_PASSPHRASE);
    const [first, second, stale] = await payShares(mint, a.wallet.lockingPubkey()!, [2n, 8n, 4n]);
    for (const s of [first!, second!]) a.wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await a.wallet.sweep();
    expect(
      a.wallet
        .quotes('unpaid')
        .map((q) => q.id)
        .sort(),
    ).toEqual([first!.quoteId, second!.quoteId].sort());
    await a.backup.start();
    await a.backup.backupNow();
    await a.backup.stop();
    const keys = backupKeysFromSeed(bip39Seed(mnemonic));
    expect(await rawQuery(relay.url, { kinds: [KIND_QUOTE], authors: [keys.identity.publicKey] })).toHaveLength(2);
    // a third quote's event expired (NIP-40) before anyone restored; the devnet relay still returns it
    const longAgo = Math.floor(Date.now() / 1000) - 20 * 86_400;
    const expired = createSigner(keys.identity.secretKey)(
      buildQuoteEvent({ quoteId: stale!.quoteId, mint: mint.url, expiration: longAgo + 14 * 86_400 }, selfCipher(keys.identity.secretKey, keys.identity.publicKey), longAgo),
    );
    await rawPublish(relay.url, expired);

    // the first quote's epoch confirms and A mints it; then A is switched off and the rest confirm
    mint.confirmQuotes([first!.quoteId]);
    await a.wallet.sweep();
    expect(balance(a.wallet)).toBe(2n);
    mint.confirmQuotes();

    // machine B restores the words: the quote events name the quotes A waited on
    const b = home(`${dir.path}/b`, mint.url, [relay.url]);
    const report = await b.host.invoke('backup.restore', { mnemonic, passphrase: TEST_PASSPHRASE, relays: [relay.url] });
    expect(report.quotesFound).toBe(2);
    expect(b.wallet.store.quote(mint.url, stale!.quoteId)).toBeUndefined();
    await b.wallet.whenRestored();
    await b.wallet.sweep();
    // the second quote minted here; the first (issued to A) is not minted again: its 2 come back by NUT-09
    expect(b.wallet.store.quote(mint.url, second!.quoteId)?.state).toBe('issued');
    expect(b.wallet.trace(second!.headerHash)[0]!.proofs.reduce((n, p) => n + p.amount, 0n)).toBe(8n);
    expect(b.wallet.trace(first!.headerHash).flatMap((t) => t.proofs)).toEqual([]);
    expect(balance(b.wallet)).toBe(10n);
    await b.wallet.sweep();
    expect(balance(b.wallet)).toBe(10n);

    // A comes back: the mint says the second quote is issued; A mints nothing twice
    await a.wallet.sweep();
    expect(a.wallet.store.quote(mint.url, second!.quoteId)?.state).toBe('issued');
    expect(balance(a.wallet)).toBe(2n);
  });

  it('NIP-40: quote events past their expiration are ignored', () => {
    const now = 1_800_000_000;
    const record = (expiration: number) => ({ event: {} as SignedEvent, quote: { quoteId: `q${expiration}`, mint: 'http://127.0.0.1:3338', expiration } });
    expect(unexpired([record(now - 1), record(now), record(now + 1)], now).map((q) => q.quoteId)).toEqual([`q${now + 1}`]);
  });
});

/**
 * Issue #15: a token from a mint this wallet never used is received only after the user confirms that mint, and
 * the mint is not contacted before. The preview reads amount, unit, mint and memo from the token alone.
 */
import { createServer, type Server } from 'node:net';
import { getDecodedToken, getEncodedToken } from '@cashu/cashu-ts';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/define';
import { ApiHost } from '../api/host';
import { registerWalletApi } from './api';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A loopback port that counts every connection made to it: the "unknown mint" must see none. */
async function countingServer(): Promise<{ url: string; connections: () => number }> {
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, connections: () => count };
}

async function walletAt(dir: string, name: string, mintUrl: string) {
  const wallet = testWallet(`${dir}/${name}`, mintUrl);
  cleanups.push(() => wallet.close());
  await wallet.create(TEST_PASSPHRASE);
  const host = new ApiHost();
  cleanups.push(registerWalletApi(host, wallet));
  return { wallet, host };
}

describe('receiving from an unknown mint', () => {
  it('asks first, without contacting the mint; receives once confirmed; trusts it afterwards', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const mintA = await devnetMint(`${dir.path}/mint-a`);
    cleanups.push(() => mintA.close());
    const mintB = await devnetMint(`${dir.path}/mint-b`);
    cleanups.push(() => mintB.close());
    const sender = await walletAt(dir.path, 'sender', mintA.url);
    const receiver = await walletAt(dir.path, 'receiver', mintB.url);
    for (const s of await payShares(mintA, sender.wallet.lockingPubkey()!, [64n, 32n])) sender.wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await sender.wallet.sweep();
    const { token } = await sender.host.invoke('wallet.send', { amount: 40, memo: 'for the coffee' });

    const preview = await receiver.host.invoke('wallet.previewToken', { token });
    expect(preview).toEqual({ mint: mintA.url, unit: 'hash', amount: 40, memo: 'for the coffee', proofs: 2, trusted: false, locked: false });

    const refused = await receiver.host.invoke('wallet.receive', { token }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'conflict', field: 'trustMint', details: { reason: 'confirm_mint', mint: mintA.url } });
    expect((refused as ApiError).message).toContain(mintA.url);
    expect((refused as ApiError).toBody().error.details).toEqual({ reason: 'confirm_mint', mint: mintA.url });
    expect(receiver.wallet.balances()).toEqual([]);

    expect(await receiver.host.invoke('wallet.receive', { token, trustMint: true })).toEqual({ mint: mintA.url, unit: 'hash', amount: 40 });
    expect((await receiver.host.invoke('wallet.mints', {})).mints.map((m) => m.url)).toContain(mintA.url);

    // the mint is known now: the next token from it is received without asking again
    const second = await sender.host.invoke('wallet.send', { amount: 8 });
    expect((await receiver.host.invoke('wallet.previewToken', { token: second.token })).trusted).toBe(true);
    expect(await receiver.host.invoke('wallet.receive', { token: second.token })).toMatchObject({ amount: 8 });
  });

  it('never opens a connection to an unconfirmed mint, and previews without one', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const mint = await devnetMint(`${dir.path}/mint`);
    cleanups.push(() => mint.close());
    const stranger = await countingServer();
    const { host } = await walletAt(dir.path, 'w', mint.url);
    // a well-formed token naming the stranger (its proofs are made up: they only have to decode)
    const own = await walletAt(dir.path, 'own', mint.url);
    for (const s of await payShares(mint, own.wallet.lockingPubkey()!, [4n])) own.wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await own.wallet.sweep();
    const real = getDecodedToken((await own.host.invoke('wallet.send', { amount: 4 })).token, [...own.wallet.engine.mints.get(mint.url)!.keysets.keys()]);
    const token = getEncodedToken({ mint: stranger.url, unit: 'hash', proofs: real.proofs });

    expect(await host.invoke('wallet.previewToken', { token })).toMatchObject({ mint: stranger.url, amount: 4, trusted: false });
    await expect(host.invoke('wallet.receive', { token })).rejects.toMatchObject({ details: { mint: stranger.url } });
    await expect(host.invoke('wallet.receive', { token, trustMint: false })).rejects.toMatchObject({ code: 'conflict' });
    expect(stranger.connections()).toBe(0);
    // once confirmed, the wallet does ask it (and reports that it is no mint)
    await expect(host.invoke('wallet.receive', { token, trustMint: true })).rejects.toBeInstanceOf(ApiError);
    expect(stranger.connections()).toBeGreaterThan(0);
  });

  it('answers a token that is not one with a clear error, before any trust question', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const mint = await devnetMint(`${dir.path}/mint`);
    cleanups.push(() => mint.close());
    const { host } = await walletAt(dir.path, 'w', mint.url);
    await expect(host.invoke('wallet.previewToken', { token: 'cashuBgarbage-token' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(host.invoke('wallet.receive', { token: 'cashuBgarbage-token' })).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('earnings and activity through the API', () => {
  it('serves earned ehash per bucket and the day-grouped history from the wallet store', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const mint = await devnetMint(`${dir.path}/mint`);
    cleanups.push(() => mint.close());
    const { wallet, host } = await walletAt(dir.path, 'w', mint.url);
    for (const s of await payShares(mint, wallet.lockingPubkey()!, [16n, 8n, 8n])) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    await host.invoke('wallet.send', { amount: 20 });
    const earnings = await host.invoke('wallet.earnings', { range: '1h' });
    expect(earnings.series).toHaveLength(1);
    expect(earnings.series[0]).toMatchObject({ mint: mint.url, unit: 'hash', total: 32 });
    expect(earnings.series[0]!.buckets.reduce((a: number, b) => a + Number(b), 0)).toBe(32);
    const activity = await host.invoke('wallet.activity', { days: 1, utcOffsetMinutes: 0 });
    expect(activity.days).toHaveLength(1);
    const kinds = activity.days[0]!.entries.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'mined')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'send')).toHaveLength(1);
    expect(activity.days[0]!.entries.find((e) => e.kind === 'mined')).toMatchObject({ amount: 32, shares: 3 });
    expect(activity.days[0]!.entries.find((e) => e.kind === 'send')).toMatchObject({ amount: 20, state: 'pending' });
  });
});

import { getDecodedToken, getEncodedToken, Amount } from '@cashu/cashu-ts';
import { afterEach, describe, expect, it } from 'vitest';
import type { DevnetMint } from '../../devnet/mint';
import { ApiHost } from '../api/host';
import { registerWalletApi } from './api';
import { devnetMint, payShares, randomHeaderHash, TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';
import type { WalletEvent, WalletOptions, WalletService } from './service';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(extra: Partial<WalletOptions> = {}): Promise<{
  dir: string;
  mint: DevnetMint;
  wallet: WalletService;
  events: WalletEvent[];
}> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const mint = await devnetMint(dir.path);
  cleanups.push(() => mint.close());
  const wallet = testWallet(`${dir.path}/home`, mint.url, extra);
  cleanups.push(() => wallet.close());
  const events: WalletEvent[] = [];
  wallet.subscribe((e) => events.push(e));
  await wallet.create(TEST_PASSPHRASE);
  return { dir: dir.path, mint, wallet, events };
}

async function secondWallet(dir: string, mintUrl: string, name: string): Promise<WalletService> {
  const wallet = testWallet(`${dir}/${name}`, mintUrl);
  cleanups.push(() => wallet.close());
  await wallet.create(TEST_PASSPHRASE);
  return wallet;
}

const total = (wallet: WalletService, unit = 'hash') => wallet.balances().find((b) => b.unit === unit)?.amount ?? 0n;

describe('sweeper against the devnet mint', () => {
  it('mints every paid share quote into proofs that trace back to their share', async () => {
    const { mint, wallet, events } = await setup();
    const shares = await payShares(mint, wallet.lockingPubkey()!, [1n, 2n, 4n, 8n, 1n, 32n]);
    for (const s of shares)
      wallet.onQuoteEvent({
        quoteId: s.quoteId,
        amount: s.amount,
        headerHash: s.headerHash,
        minerId: 'bitaxe-1',
      });
    await wallet.sweep();
    // each unit of this devnet pool stands for one expected hash (minimum difficulty 0, read from the quotes)
    expect(wallet.balances()).toEqual([{ mint: mint.url, unit: 'hash', amount: 48n, proofs: 6, expectedWork: 48n }]);
    for (const s of shares) {
      const [trace] = wallet.trace(s.headerHash);
      expect(trace?.quote).toMatchObject({
        id: s.quoteId,
        state: 'issued',
        miner_id: 'bitaxe-1',
      });
      expect(trace?.proofs).toEqual([{ amount: s.amount, state: 'unspent' }]);
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'wallet.proof',
          quoteId: s.quoteId,
          headerHash: s.headerHash,
          amount: s.amount,
        }),
      );
      expect(mint.quote(s.quoteId)?.amount_issued).toBe(s.amount);
    }
    await wallet.sweep();
    expect(total(wallet)).toBe(48n);
  });

  it('shows a balance as expected work, read from the quotes (hashpool prod: minimum difficulty 32); says nothing when quotes disagree', async () => {
    const { mint, wallet } = await setup();
    const pubkey = wallet.lockingPubkey()!;
    for (const amount of [1n, 4n, 2n]) {
      const headerHash = randomHeaderHash(amount, 32);
      const { quoteId } = await mint.createShareQuote({ amount, headerHash, pubkey });
      wallet.onQuoteEvent({ quoteId, amount, headerHash });
    }
    await wallet.sweep();
    expect(wallet.balances()).toEqual([{ mint: mint.url, unit: 'hash', amount: 7n, proofs: 3, expectedWork: 7n << 32n }]);

    // another unit whose quotes do not follow the rule: no figure rather than a wrong one
    const { mint: other, wallet: second } = await setup();
    for (const [amount, headerHash] of [
      [1n, randomHeaderHash(1n, 0)],
      [1n, randomHeaderHash(1n, 5)],
    ] as const) {
      const { quoteId } = await other.createShareQuote({ amount, headerHash, pubkey: second.lockingPubkey()! });
      second.onQuoteEvent({ quoteId, amount, headerHash });
    }
    await second.sweep();
    expect(second.balances()[0]).toMatchObject({ amount: 2n });
    expect(second.balances()[0]?.expectedWork).toBeUndefined();
  });

  it('finds quotes by pubkey lookup alone, and falls back to legacy NUT-20 signatures', async () => {
    const { mint, wallet } = await setup({ lookupIntervalMs: 0 });
    mint.setHooks({ nut20Formats: ['legacy'] });
    await payShares(mint, wallet.lockingPubkey()!, [4n, 16n, 64n]);
    await wallet.sweep();
    expect(total(wallet)).toBe(84n);
    expect(
      wallet
        .quotes('issued')
        .map((q) => q.source)
        .sort(),
    ).toEqual(['lookup', 'lookup', 'lookup']);
  });

  it('forgets a quote event for a quote locked to another key instead of checking it forever', async () => {
    const { mint, wallet } = await setup();
    const [foreign] = await payShares(mint, `02${'cd'.repeat(32)}`, [4n]);
    wallet.onQuoteEvent({ quoteId: foreign!.quoteId, amount: 4n });
    await wallet.sweep();
    expect(wallet.store.quote(mint.url, foreign!.quoteId)).toBeUndefined();
    expect(wallet.store.countQuotes(['unpaid', 'paid'])).toBe(0);
    expect(wallet.balances()).toEqual([]);
  });

  it('a quote held unpaid (epoch boundary) is minted once the mint marks it paid', async () => {
    // held quotes are asked again on the lookup's schedule: every pass here
    const { mint, wallet } = await setup({ lookupIntervalMs: 0 });
    mint.setHooks({ holdQuotesUnpaid: true });
    const [share] = await payShares(mint, wallet.lockingPubkey()!, [8n]);
    wallet.onQuoteEvent({ quoteId: share!.quoteId, amount: 8n });
    await wallet.sweep();
    expect(total(wallet)).toBe(0n);
    expect(wallet.quotes('unpaid').map((q) => q.id)).toEqual([share!.quoteId]);
    mint.confirmQuotes();
    await wallet.sweep();
    expect(total(wallet)).toBe(8n);
  });

  it.each([['wrongSignatures'], ['wrongDleqs']] as const)('%s: the bad answer is caught and nothing from it is stored', async (hook) => {
    const { mint, wallet, events } = await setup();
    mint.setHooks({ [hook]: 1 });
    const shares = await payShares(mint, wallet.lockingPubkey()!, [2n, 4n]);
    for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect(wallet.store.proofs()).toEqual([]);
    expect(events.find((e) => e.type === 'wallet.error')).toMatchObject({
      kind: 'bad_signature',
      mint: mint.url,
      // the whole answer is checked in one pass, and the bad signature (the mint's first) is still named
      message: expect.stringContaining('signature 0 failed its DLEQ proof'),
    });
    // quotes minted after the fault are fine
    const [later] = await payShares(mint, wallet.lockingPubkey()!, [16n]);
    wallet.onQuoteEvent({ quoteId: later!.quoteId, amount: 16n });
    await new Promise((r) => setTimeout(r, 600));
    await wallet.sweep();
    expect(total(wallet)).toBe(16n);
  });

  it('a mint offline delays minting and loses nothing', async () => {
    const { mint, wallet, events } = await setup();
    const shares = await payShares(mint, wallet.lockingPubkey()!, [1n, 2n, 4n]);
    for (const mode of ['refuse', 'drop'] as const) {
      mint.setHooks({ offline: mode });
      for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
      await wallet.sweep();
      expect(total(wallet)).toBe(0n);
    }
    expect(events).toContainEqual(expect.objectContaining({ type: 'wallet.error', kind: 'mint_offline' }));
    mint.setHooks({ offline: false });
    await new Promise((r) => setTimeout(r, 1100)); // past the back-off
    await wallet.sweep();
    expect(total(wallet)).toBe(7n);
  });

  it("static-key mode: quotes locked to a pool operator's key are minted, and the key survives a restart", async () => {
    const { dir, mint, wallet } = await setup();
    const derived = wallet.lockingPubkey()!;
    const operatorKey = '7f'.repeat(32);
    const staticPubkey = await wallet.setStaticKey(operatorKey, TEST_PASSPHRASE);
    expect(staticPubkey).not.toBe(derived);
    expect(wallet.lockingPubkey()).toBe(staticPubkey);
    for (const s of await payShares(mint, staticPubkey, [4n, 8n])) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect(total(wallet)).toBe(12n);
    await wallet.close();
    const again = testWallet(`${dir}/home`, mint.url);
    cleanups.push(() => again.close());
    await again.unlock(TEST_PASSPHRASE);
    expect(again.status()).toMatchObject({ lockingKeyMode: 'static', lockingPubkey: staticPubkey });
    // consolidation and sends spend proofs locked to the static key with its witness
    const { token } = await again.send({ amount: 5n });
    expect(token.startsWith('cashuB')).toBe(true);
    expect(total(again)).toBe(7n);
    expect(await again.setStaticKey(undefined)).toBe(derived);
    expect(again.lockingPubkey()).toBe(derived);
  });

  it('keeps several units apart (hashpool epoch units)', async () => {
    const { mint, wallet } = await setup();
    const first = await payShares(mint, wallet.lockingPubkey()!, [2n]);
    const unit = mint.rotateEpoch('02'.padEnd(66, 'a'), 840_000);
    const second = await payShares(mint, wallet.lockingPubkey()!, [8n, 8n]);
    for (const s of [...first, ...second]) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect(total(wallet, 'hash')).toBe(2n);
    expect(total(wallet, unit)).toBe(16n);
    expect(wallet.mints()[0]?.units.sort()).toEqual(['hash', unit].sort());
  });

  it('consolidation keeps the proof count bounded over thousands of shares', async () => {
    const { mint, wallet } = await setup({ consolidateAbove: 32 });
    let paid = 0n;
    let maxProofs = 0;
    for (let round = 0; round < 10; round++) {
      const amounts = Array.from({ length: 200 }, (_, i) => 1n << BigInt((i * 7 + round) % 12));
      for (const s of await payShares(mint, wallet.lockingPubkey()!, amounts)) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
      paid += amounts.reduce((a, b) => a + b, 0n);
      await wallet.sweep();
      maxProofs = Math.max(maxProofs, wallet.balances()[0]!.proofs);
    }
    expect(total(wallet)).toBe(paid);
    expect(maxProofs).toBeLessThanOrEqual(32);
    expect(wallet.quotes('issued', 5000)).toHaveLength(2000);
  });
});

describe('send, receive, reclaim', () => {
  async function funded(amounts: bigint[]) {
    const ctx = await setup();
    for (const s of await payShares(ctx.mint, ctx.wallet.lockingPubkey()!, amounts)) ctx.wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await ctx.wallet.sweep();
    return ctx;
  }

  it('sends a cashuB token another wallet receives; the send is claimed, a second receive is refused', async () => {
    const { dir, mint, wallet } = await funded([8n, 4n, 2n, 1n]);
    const { sendId, token } = await wallet.send({
      amount: 5n,
      memo: 'for Bob',
    });
    expect(token.startsWith('cashuB')).toBe(true);
    expect(total(wallet)).toBe(10n);
    expect(wallet.pendingSends().map((s) => s.id)).toEqual([sendId]);
    const bob = await secondWallet(dir, mint.url, 'bob');
    expect(await bob.receive(token)).toEqual({
      amount: 5n,
      unit: 'hash',
      mint: mint.url,
    });
    expect(total(bob)).toBe(5n);
    await expect(bob.receive(token)).rejects.toMatchObject({
      code: 'token_spent',
    });
    expect(await wallet.checkSends()).toBe(1);
    expect(wallet.pendingSends()).toEqual([]);
    expect(wallet.history().map((h) => h.kind)).toEqual(expect.arrayContaining(['mint', 'send', 'claimed']));
    await expect(wallet.send({ amount: 1000n })).rejects.toMatchObject({
      code: 'insufficient_funds',
    });
  });

  it('a send and a consolidating sweep at the same time do not fight over proofs', async () => {
    const { mint, wallet } = await funded(Array.from({ length: 60 }, () => 1n));
    // 60 proofs: over the threshold, the next sweep consolidates while the send picks its inputs
    for (const s of await payShares(mint, wallet.lockingPubkey()!, [2n])) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    const [sent] = await Promise.all([wallet.send({ amount: 7n }), wallet.sweep()]);
    expect(sent.token.startsWith('cashuB')).toBe(true);
    await wallet.sweep();
    expect(total(wallet)).toBe(55n);
    expect(wallet.balances()[0]!.proofs).toBeLessThanOrEqual(48);
    expect(wallet.store.proofs({ state: 'pending' }).reduce((sum, p) => sum + BigInt(p.amount), 0n)).toBe(7n);
  });

  it('receives a token from a mint it did not know, and keeps that mint apart', async () => {
    const { dir, mint, wallet } = await funded([1n]);
    const other = await devnetMint(`${dir}/other-mint`);
    cleanups.push(() => other.close());
    const bob = testWallet(`${dir}/bob`, other.url);
    cleanups.push(() => bob.close());
    await bob.create(TEST_PASSPHRASE);
    for (const s of await payShares(other, bob.lockingPubkey()!, [16n])) bob.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await bob.sweep();
    const { token } = await bob.send({ amount: 9n });
    expect(await wallet.receive(token)).toEqual({ amount: 9n, unit: 'hash', mint: other.url });
    expect(wallet.balances().sort((a, b) => a.mint.localeCompare(b.mint))).toEqual(
      [
        { mint: mint.url, unit: 'hash', amount: 1n, proofs: 1, expectedWork: 1n },
        // received, never mined here: no quotes to say what a unit of it is worth
        { mint: other.url, unit: 'hash', amount: 9n, proofs: 2 },
      ].sort((a, b) => a.mint.localeCompare(b.mint)),
    );
    expect(wallet.mints().map((m) => ({ url: m.url, configured: m.configured }))).toContainEqual({ url: other.url, configured: false });
    // the next sweep leaves the learned mint's proofs alone and mints nothing there
    await wallet.sweep();
    expect(wallet.balances().find((b) => b.mint === other.url)?.amount).toBe(9n);
    expect(wallet.balances().find((b) => b.mint === mint.url)?.amount).toBe(1n);
  });

  it('reclaims an unclaimed send', async () => {
    const { wallet } = await funded([16n]);
    const { sendId } = await wallet.send({ amount: 6n });
    expect(total(wallet)).toBe(10n);
    expect(await wallet.reclaim(sendId)).toEqual({ amount: 6n });
    expect(total(wallet)).toBe(16n);
    expect(wallet.pendingSends()).toEqual([]);
  });

  it('receives proofs P2PK-locked to itself; refuses ones locked to another key, a wrong unit, and garbage', async () => {
    const { dir, mint, wallet } = await funded([4n, 8n]);
    const own = wallet.store.proofs({ state: 'unspent' });
    const encode = (unit: string) =>
      getEncodedToken({
        mint: mint.url,
        unit,
        proofs: own.map((p) => ({
          id: p.keyset_id,
          amount: Amount.from(BigInt(p.amount)),
          secret: p.secret,
          C: p.c,
        })),
      });
    const bob = await secondWallet(dir, mint.url, 'bob');
    await expect(bob.receive(encode('hash'))).rejects.toMatchObject({
      code: 'foreign_lock',
    });
    await expect(wallet.receive(encode('sat'))).rejects.toMatchObject({
      code: 'foreign_unit',
    });
    await expect(wallet.receive('cashuBnotatoken')).rejects.toMatchObject({
      code: 'invalid_token',
    });
    // locked to us: the wallet signs the witness and swaps them into fresh proofs
    expect(await wallet.receive(encode('hash'))).toMatchObject({ amount: 12n });
    expect(total(wallet)).toBe(12n);
    expect(wallet.store.proofs({ state: 'unspent' }).every((p) => p.origin === 'token')).toBe(true);
    const decoded = getDecodedToken(
      encode('hash'),
      own.map((p) => p.keyset_id),
    );
    expect(decoded.proofs).toHaveLength(2);
  });
});

describe('seed lifecycle', () => {
  it('a copy of the seed whose counters are behind (restored without NUT-09) skips past used outputs instead of failing', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const mint = await devnetMint(dir.path);
    cleanups.push(() => mint.close());
    const original = testWallet(`${dir.path}/original`, mint.url, { consolidateAbove: 1e9 });
    cleanups.push(() => original.close());
    const { mnemonic } = await original.create(TEST_PASSPHRASE);
    const pubkey = original.lockingPubkey()!;
    for (const s of await payShares(mint, pubkey, [1n, 2n, 4n])) original.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await original.sweep();
    await original.close();

    const copy = testWallet(`${dir.path}/copy`, mint.url, { consolidateAbove: 1e9 });
    cleanups.push(() => copy.close());
    await copy.restore(mnemonic, TEST_PASSPHRASE);
    await copy.whenRestored();
    expect(total(copy)).toBe(7n);
    // as after a restore from nostr alone: the counters start again at 0, where the mint already signed
    const rewind = () => copy.store.db.prepare('UPDATE counters SET next = 0').run();
    rewind();
    for (const s of await payShares(mint, pubkey, [8n, 16n])) copy.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await copy.sweep();
    expect(total(copy)).toBe(31n);
    rewind();
    await copy.send({ amount: 5n });
    expect(total(copy)).toBe(26n);
  });

  it('restores the same balance from the mnemonic alone on a fresh home, and mints quotes never minted', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const mint = await devnetMint(dir.path);
    cleanups.push(() => mint.close());
    const alice = testWallet(`${dir.path}/alice`, mint.url, {
      consolidateAbove: 8,
    });
    cleanups.push(() => alice.close());
    const { mnemonic } = await alice.create(TEST_PASSPHRASE);
    for (const s of await payShares(
      mint,
      alice.lockingPubkey()!,
      Array.from({ length: 30 }, (_, i) => 1n << BigInt(i % 5)),
    )) {
      alice.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    }
    await alice.sweep();
    const { token } = await alice.send({ amount: 7n });
    const bob = await secondWallet(dir.path, mint.url, 'bob');
    await bob.receive(token);
    const before = total(alice);
    expect(before).toBe(Array.from({ length: 30 }, (_, i) => 1n << BigInt(i % 5)).reduce((a, b) => a + b, 0n) - 7n);
    // quotes paid while no wallet runs
    const alicePubkey = alice.lockingPubkey()!;
    await payShares(mint, alicePubkey, [32n, 64n]);
    await alice.close();

    const restored = testWallet(`${dir.path}/fresh`, mint.url, {
      restoreBatch: 20,
    });
    cleanups.push(() => restored.close());
    const progress: WalletEvent[] = [];
    restored.subscribe((e) => e.type === 'wallet.restore' && progress.push(e));
    const { lockingPubkey } = await restored.restore(mnemonic, 'another passphrase');
    expect(lockingPubkey).toBe(alicePubkey);
    await restored.whenRestored();
    expect(total(restored)).toBe(before + 96n);
    expect(progress.at(-1)).toMatchObject({ phase: 'done' });
    expect(progress.some((e) => e.type === 'wallet.restore' && e.phase === 'scanning')).toBe(true);
    // counters moved past everything used: new outputs do not collide with restored ones
    for (const s of await payShares(mint, lockingPubkey, [128n])) restored.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await restored.sweep();
    expect(total(restored)).toBe(before + 224n);
  });

  it('locks, refuses a wrong passphrase, unlocks; the API answers the contract', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const mint = await devnetMint(dir.path);
    cleanups.push(() => mint.close());
    const home = `${dir.path}/home`;
    let wallet = testWallet(home, mint.url);
    const host = new ApiHost();
    let unsubscribe = registerWalletApi(host, wallet);
    expect(await host.invoke('wallet.get', {})).toMatchObject({
      exists: false,
      locked: true,
      balances: [],
    });
    await expect(host.invoke('wallet.create', { passphrase: 'short' })).rejects.toMatchObject({ code: 'bad_request' });
    const created = await host.invoke('wallet.create', {
      passphrase: TEST_PASSPHRASE,
    });
    expect(created.mnemonic.split(' ')).toHaveLength(12);
    await expect(host.invoke('wallet.create', { passphrase: TEST_PASSPHRASE })).rejects.toMatchObject({ code: 'conflict' });
    const pubkey = created.lockingPubkey;
    const seen: unknown[] = [];
    host.subscribe((e) => seen.push(e));
    for (const s of await payShares(mint, pubkey, [2n ** 60n, 2n ** 60n])) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect((await host.invoke('wallet.get', {})).balances).toEqual([
      {
        mint: mint.url,
        unit: 'hash',
        amount: (2n ** 61n).toString(),
        proofs: 2,
        expectedWork: (2n ** 61n).toString(),
      },
    ]);
    expect(seen).toContainEqual(
      expect.objectContaining({
        type: 'wallet.proof',
        amount: (2n ** 60n).toString(),
      }),
    );
    unsubscribe();
    await wallet.close();

    // restart: locked until the passphrase is given; the locking key is known before
    wallet = testWallet(home, mint.url);
    cleanups.push(() => wallet.close());
    unsubscribe = registerWalletApi(host, wallet);
    cleanups.push(unsubscribe);
    expect(wallet.lockingPubkey()).toBe(pubkey);
    expect(await host.invoke('wallet.get', {})).toMatchObject({
      exists: true,
      locked: true,
    });
    await expect(host.invoke('wallet.send', { amount: 1 })).rejects.toMatchObject({ code: 'locked' });
    await expect(host.invoke('wallet.unlock', { passphrase: 'wrong passphrase' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await host.invoke('wallet.unlock', { passphrase: TEST_PASSPHRASE })).toMatchObject({ locked: false });
    const sent = await host.invoke('wallet.send', {
      amount: '1152921504606846976',
      memo: 'half',
    });
    expect(sent.token.startsWith('cashuB')).toBe(true);
    expect((await host.invoke('wallet.sends', {})).sends).toHaveLength(1);
    expect((await host.invoke('wallet.history', { limit: 10 })).entries[0]).toMatchObject({
      kind: 'send',
      direction: 'out',
      amount: '1152921504606846976',
      memo: 'half',
    });
    await expect(host.invoke('wallet.receive', { token: 'cashuBgarbage-token' })).rejects.toMatchObject({ code: 'bad_request' });
    expect(await host.invoke('wallet.lock', {})).toMatchObject({
      locked: true,
    });
  });
});

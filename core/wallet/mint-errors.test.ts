/**
 * The reaction table (mint-errors.ts) against cashubtc/nuts error_codes.md (test/fixtures/cashu/error_codes.md, at
 * 3ddb1ae7), and one test per class against the devnet mint answering that code (its `refuse` hook scripts a
 * refusal the way a real mint would send it: HTTP 400 with {detail, code}).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures';
import type { MintHooks } from '../../devnet/mint';
import { MINT_ERRORS, mintErrorRule, type MintErrorClass } from './mint-errors';
import type { WalletEvent, WalletService } from './service';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(hooks: MintHooks = {}) {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const mint = await devnetMint(dir.path, hooks);
  cleanups.push(() => mint.close());
  const wallet = testWallet(`${dir.path}/home`, mint.url, { quoteRetryMs: 1, consolidateAbove: 1e9 });
  cleanups.push(() => wallet.close());
  const events: WalletEvent[] = [];
  wallet.subscribe((e) => events.push(e));
  await wallet.create(TEST_PASSPHRASE);
  return { mint, wallet, events };
}

const total = (wallet: WalletService) => wallet.balances().reduce((sum, b) => sum + b.amount, 0n);
const reasonOf = (wallet: WalletService, id: string) => wallet.pending().quotes.find((q) => q.id === id)?.reason;
const BATCH = '/v1/mint/ehash/batch';

describe('every mint error code has a reaction', () => {
  it("covers every code of cashubtc/nuts error_codes.md, with the spec's meaning", () => {
    const listed = [...readFixture('cashu', 'error_codes.md').matchAll(/^\| (\d{5}) \| ([^|]+?)\s+\|/gm)].map((m) => ({ code: Number(m[1]), meaning: m[2]! }));
    expect(listed.length).toBeGreaterThanOrEqual(35);
    for (const { code, meaning } of listed) expect(MINT_ERRORS.get(code), String(code)).toMatchObject({ code, meaning });
    // a code the table does not know is read as a refusal of one quote: split, never a stopped pass
    expect(mintErrorRule(undefined).class).toBe('culprit');
    expect(mintErrorRule(99999).class).toBe('culprit');
    const classes = new Set<MintErrorClass>([...MINT_ERRORS.values()].map((r) => r.class));
    expect([...classes].sort()).toEqual(['auth', 'bad-proof', 'batch-size', 'counters', 'culprit', 'disabled', 'keyset', 'later', 'melt', 'request', 'spent'].sort());
  });
});

describe('reactions, one test per class', () => {
  it('culprit (20007 expired): the refused quote alone is dropped with its reason; the rest of its batch is minted', async () => {
    const { mint, wallet } = await setup({ enforceExpiry: true });
    const shares = await payShares(mint, wallet.lockingPubkey()!, [1n, 2n, 4n, 8n, 16n]);
    mint.expireQuotes([shares[3]!.quoteId]);
    for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect(total(wallet)).toBe(23n);
    expect(wallet.store.quote(mint.url, shares[3]!.quoteId)).toMatchObject({ state: 'dropped', reason: expect.stringContaining('20007') });
  });

  it('culprit (20008 in both NUT-20 formats on one quote): held with the signature reason, others minted, format unchanged', async () => {
    const { mint, wallet } = await setup({ refuse: [{ path: BATCH, code: 20008, times: 2 }] });
    const [lonely] = await payShares(mint, wallet.lockingPubkey()!, [8n]);
    wallet.onQuoteEvent({ quoteId: lonely!.quoteId, amount: 8n });
    await wallet.sweep();
    expect(reasonOf(wallet, lonely!.quoteId)).toMatch(/NUT-20 signature in both message formats.*20008/);
    expect(wallet.engine.mints.get(mint.url)?.nut20).toBe('current');
  });

  it('batch-size (11017): the batch is halved and the smaller size kept', async () => {
    const { mint, wallet } = await setup({ refuse: [{ path: BATCH, code: 11017, times: 1 }] });
    const shares = await payShares(
      mint,
      wallet.lockingPubkey()!,
      Array.from({ length: 20 }, () => 1n),
    );
    for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect(total(wallet)).toBe(20n);
    expect(wallet.pending().mints[0]?.batchSize).toBe(10);
  });

  it.each([
    ['culprit', 20001, 'not paid, while the check says paid'],
    ['keyset', 12002, 'inactive, for a keyset the mint still lists active: keysets read again'],
  ] as const)('%s (%i %s): the quote is held with the reason, minted on its next try', async (_class, code, _what) => {
    const { mint, wallet } = await setup({ refuse: [{ path: BATCH, code, times: 1 }] });
    const [share] = await payShares(mint, wallet.lockingPubkey()!, [4n]);
    wallet.onQuoteEvent({ quoteId: share!.quoteId, amount: 4n });
    await wallet.sweep();
    expect(total(wallet)).toBe(0n);
    expect(reasonOf(wallet, share!.quoteId)).toContain(String(code));
    await new Promise((r) => setTimeout(r, 5));
    await wallet.sweep();
    expect(total(wallet)).toBe(4n);
  });

  it('counters (11003): a NUT-09 scan moves past the used counters and the batch goes out again', async () => {
    const { mint, wallet } = await setup({ refuse: [{ path: BATCH, code: 11003, times: 1 }] });
    const shares = await payShares(mint, wallet.lockingPubkey()!, [1n, 2n]);
    for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect(total(wallet)).toBe(3n);
  });

  it.each([
    ['later', 11004, 'the mint refused to mint it'],
    ['disabled', 20003, 'minting is disabled at this mint'],
    ['auth', 31001, 'requires authentication (NUT-21/22)'],
    ['melt', 20004, 'the mint refused to mint it'],
  ] as const)('%s (%i): every quote of the request waits with the reason; nothing else stops', async (_class, code, words) => {
    const { mint, wallet } = await setup({ refuse: [{ path: BATCH, code }] });
    const shares = await payShares(mint, wallet.lockingPubkey()!, [1n, 1n, 1n]);
    for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    for (const s of shares) expect(reasonOf(wallet, s.quoteId)).toContain(words);
    expect(wallet.pending().mints[0]?.failures).toBe(0);
    mint.setHooks({ refuse: [] });
    await new Promise((r) => setTimeout(r, 5));
    if (code !== 20003 && code !== 31001) {
      await wallet.sweep();
      expect(total(wallet)).toBe(3n);
    }
  });

  it('request (11016 duplicate ids): the batch is split, each part minted', async () => {
    const { mint, wallet } = await setup({ refuse: [{ path: BATCH, code: 11016, times: 1 }] });
    const shares = await payShares(mint, wallet.lockingPubkey()!, [1n, 2n, 4n, 8n]);
    for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    expect(total(wallet)).toBe(15n);
  });

  it('spent (11001) and bad-proof (10001) on a swap: spent inputs leave the wallet, unverified ones come back', async () => {
    const { mint, wallet } = await setup();
    const shares = await payShares(mint, wallet.lockingPubkey()!, [8n, 4n]);
    for (const s of shares) wallet.onQuoteEvent({ quoteId: s.quoteId, amount: s.amount });
    await wallet.sweep();
    mint.setHooks({ refuse: [{ path: '/v1/swap', code: 10001, times: 1 }] });
    await expect(wallet.send({ amount: 3n })).rejects.toMatchObject({ code: 'mint_rejected', message: expect.stringContaining('Proof verification failed') });
    expect(total(wallet)).toBe(12n);
    mint.setHooks({ refuse: [{ path: '/v1/swap', code: 11001, times: 1 }] });
    // the send chose the 8 (largest first): the mint says it is spent, so it leaves the balance
    await expect(wallet.send({ amount: 3n })).rejects.toMatchObject({ code: 'token_spent' });
    expect(total(wallet)).toBe(4n);
  });

  it('offline (503 on every request): the mint is backed off, its quotes say it is unreachable, nothing is lost', async () => {
    const { mint, wallet, events } = await setup();
    await wallet.sweep(); // the mint known while it answered
    const [share] = await payShares(mint, wallet.lockingPubkey()!, [2n]);
    mint.setHooks({ offline: 'refuse' });
    wallet.onQuoteEvent({ quoteId: share!.quoteId, amount: 2n });
    await wallet.sweep();
    expect(reasonOf(wallet, share!.quoteId)).toContain('the mint is unreachable');
    expect(wallet.pending().mints[0]).toMatchObject({ failures: 1, lastError: expect.stringContaining('503') });
    expect(events).toContainEqual(expect.objectContaining({ type: 'wallet.error', kind: 'mint_offline' }));
    mint.setHooks({ offline: false });
    await new Promise((r) => setTimeout(r, 600));
    await wallet.sweep();
    expect(total(wallet)).toBe(2n);
  });
});

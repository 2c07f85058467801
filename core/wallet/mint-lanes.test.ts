/**
 * One lane per mint (mint-lanes.ts) on a real wallet engine and the devnet mint: runs at one mint wait for each other
 * in order, a failed run does not block the lane, another mint's lane is never held up, and a live context is refused
 * in the words the API reports (locked wallet, unreachable mint).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WalletOperationError } from './engine';
import { MintLanes } from './mint-lanes';
import { devnetMint, TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';
import { VaultError } from './vault';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup() {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const mint = await devnetMint(dir.path);
  cleanups.push(() => mint.close());
  const wallet = testWallet(`${dir.path}/home`, mint.url);
  cleanups.push(() => wallet.close());
  return { mint, wallet, lanes: new MintLanes(wallet.engine) };
}

/** A promise settled from outside, to hold a run in its lane. */
function gate(): { promise: Promise<void>; open: () => void; fail: () => void } {
  let open!: () => void;
  let fail!: () => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = () => reject(new Error('the held run failed'));
  });
  return { promise, open, fail };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('mint lanes', () => {
  it('runs at one mint go one at a time in order, past a failed one; another mint is not held up', async () => {
    const { lanes } = await setup();
    const order: string[] = [];
    const first = gate();
    const second = gate();
    const a1 = lanes.exclusive('http://a', async () => {
      order.push('a1 start');
      await first.promise;
      order.push('a1 end');
    });
    const a2 = lanes.exclusive('http://a', async () => {
      order.push('a2 start');
      await second.promise;
      return 'a2';
    });
    const a3 = lanes.exclusive('http://a', async () => {
      order.push('a3');
      return 3;
    });
    const b1 = lanes.exclusive('http://b', async () => {
      order.push('b1');
      return 'b';
    });
    await expect(b1).resolves.toBe('b');
    await turn();
    expect(order).toEqual(['a1 start', 'b1']);
    first.open();
    await a1;
    await turn();
    expect(order).toEqual(['a1 start', 'b1', 'a1 end', 'a2 start']);
    second.fail();
    await expect(a2).rejects.toThrow('the held run failed');
    await expect(a3).resolves.toBe(3);
    expect(order).toEqual(['a1 start', 'b1', 'a1 end', 'a2 start', 'a3']);
  });

  it('a live context: refused while the wallet is locked, the mint loaded once it is unlocked', async () => {
    const { wallet, lanes, mint } = await setup();
    await expect(lanes.live(mint.url)).rejects.toSatisfy((e) => e instanceof VaultError && e.code === 'passphrase_required');
    await wallet.create(TEST_PASSPHRASE);
    const ctx = await lanes.live(mint.url);
    expect(ctx.url).toBe(mint.url);
    expect(await lanes.live(mint.url)).toBe(ctx);
    expect(await lanes.withLive(mint.url, async (live) => live)).toBe(ctx);
  });

  it('a mint that does not answer: mint_offline, in the words the API reports', async () => {
    const { wallet, lanes, mint } = await setup();
    await wallet.create(TEST_PASSPHRASE);
    const url = mint.url;
    await mint.close();
    await expect(lanes.live(url)).rejects.toSatisfy((e) => e instanceof WalletOperationError && e.code === 'mint_offline');
  });
});

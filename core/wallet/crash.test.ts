/**
 * Crash test: a child process runs the wallet and is SIGKILLed at every step of the pipeline (after
 * the counters were reserved, after the mint answered, inside the storing transaction) and at random
 * moments, many times. After each restart the balance must converge to exactly the paid quotes.
 * Quotes come from the devnet mint's createShareQuote, as the pool makes them; crash-proxy.test.ts runs
 * the same with the proxy and the devnet pool in the child.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { hashToCurve } from '../../lib/protocol/cashu';
import { MintClient } from './mint-client';
import { runWalletChild, walletChildren } from './testing/child';
import { devnetMint, payShares, TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';

const dir = tempDir();
afterAll(() => {
  for (const child of walletChildren) child.kill('SIGKILL');
  dir.remove();
});

/** ten child processes each start tsx: under a loaded machine that alone takes minutes (no timing is asserted) */
const CHILD_RUNS_TIMEOUT_MS = 300_000;

describe('crash safety', () => {
  it(
    'converges to exactly the paid quotes after SIGKILL at every step, many times',
    async () => {
      const mint = await devnetMint(dir.path);
      const home = join(dir.path, 'home');
      const setup = testWallet(home, mint.url);
      await setup.create(TEST_PASSPHRASE);
      const pubkey = setup.lockingPubkey()!;
      await setup.close();

      let paid = 0n;
      const allQuotes: string[] = [];
      const plan: { step: string; nth: number }[] = [];
      for (const step of ['reserved', 'answered', 'storing']) for (const nth of [1, 3]) plan.push({ step, nth });
      for (let i = 0; i < 3; i++) plan.push({ step: 'timer', nth: 0 });
      let kills = 0;
      for (const [round, { step, nth }] of plan.entries()) {
        const amounts = Array.from({ length: 12 }, (_, i) => 1n << BigInt((i + round) % 9));
        const shares = await payShares(mint, pubkey, amounts);
        paid += amounts.reduce((a, b) => a + b, 0n);
        allQuotes.push(...shares.map((s) => s.quoteId));
        const run = runWalletChild({
          HOME_DIR: home,
          MINT_URL: mint.url,
          PASSPHRASE: TEST_PASSPHRASE,
          CRASH_STEP: step === 'timer' ? 'none' : step,
          CRASH_NTH: String(nth),
        });
        await run.ready;
        // half the quotes arrive as 0xC0-style events, the rest only by pubkey lookup
        for (const s of shares.filter((_, i) => i % 2 === 0)) run.child.stdin!.write(`${JSON.stringify({ ...s, amount: s.amount.toString() })}\n`);
        if (step === 'timer') {
          await new Promise((r) => setTimeout(r, 30 + ((round * 53) % 200)));
          run.child.kill('SIGKILL');
        } else {
          // the child kills itself at the step; if the step never comes it finishes and we end it
          await Promise.race([run.exited, run.idle.then(() => run.child.kill('SIGKILL'))]);
        }
        if ((await run.exited) === 'SIGKILL') kills++;
      }
      expect(kills).toBeGreaterThanOrEqual(plan.length - 2);

      // a last run with no crash finishes whatever is left
      const last = runWalletChild({ HOME_DIR: home, MINT_URL: mint.url, PASSPHRASE: TEST_PASSPHRASE, CRASH_STEP: 'none' });
      await last.idle;
      last.child.kill('SIGTERM');
      await last.exited;

      const wallet = testWallet(home, mint.url);
      await wallet.unlock(TEST_PASSPHRASE);
      const unspent = wallet.store.proofs({ state: 'unspent' });
      const held = unspent.reduce((sum, p) => sum + BigInt(p.amount), 0n);
      expect(held).toBe(paid);
      // nothing minted twice: the mint issued each quote exactly once, for its amount
      for (const id of allQuotes) expect(mint.quote(id)?.amount_issued).toBe(mint.quote(id)?.amount);
      // every proof the wallet holds is one the mint considers unspent
      const states = await new MintClient(mint.url).checkState(unspent.map((p) => bytesToHex(hashToCurve(new TextEncoder().encode(p.secret)))));
      expect(states.every((s) => s.state === 'UNSPENT')).toBe(true);
      expect(wallet.store.operations()).toEqual([]);
      await wallet.close();
      await mint.close();
    },
    CHILD_RUNS_TIMEOUT_MS,
  );
});

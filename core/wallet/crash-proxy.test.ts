/**
 * Crash test with the proxy: a child process runs proxy + wallet in front of the devnet pool; test miners
 * mine through it; the child is SIGKILLed after counter reservation, after the mint answered, inside the
 * storing transaction, and at a random moment. 0xC0 notifications lost with a killed child are found again
 * by the pubkey lookup. After the last restart the balance is exactly what the pool paid for our key.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../../devnet/index';
import { silentLogger } from '../../lib/log';
import { minerFor } from '../../device/sim/miner';
import { bip39Seed, deriveLockingKey } from './keys';
import { signQuoteLookup } from '../../lib/protocol/cashu';
import { runWalletChild, walletChildren } from './testing/child';
import { TEST_PASSPHRASE, tempDir, testWallet } from './testing/kit';

const dir = tempDir();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const child of walletChildren) child.kill('SIGKILL');
  for (const fn of cleanups.splice(0).reverse()) await fn();
  dir.remove();
});

/** ten child processes each start tsx: under a loaded machine that alone takes minutes (no timing is asserted) */
const CHILD_RUNS_TIMEOUT_MS = 300_000;

describe('crash safety with the proxy', () => {
  it(
    'proxy + wallet killed at every step converge to exactly the quotes the pool paid for our key',
    async () => {
      const devnet: Devnet = await startDevnet({ home: join(dir.path, 'devnet'), pool: { quotePollMs: 50, successFlushMs: 50 }, logger: silentLogger });
      cleanups.push(() => devnet.close());
      const home = join(dir.path, 'home');
      const setup = testWallet(home, devnet.mint.url);
      const { mnemonic } = await setup.create(TEST_PASSPHRASE);
      await setup.close();
      const { pool } = devnet;
      const env = {
        HOME_DIR: home,
        MINT_URL: devnet.mint.url,
        POOL_URL: `stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}`,
        PASSPHRASE: TEST_PASSPHRASE,
      };

      let kills = 0;
      for (const [round, step] of ['reserved', 'answered', 'storing', 'timer'].entries()) {
        const run = runWalletChild({ ...env, CRASH_STEP: step === 'timer' ? 'none' : step, CRASH_NTH: '1' });
        await run.ready;
        const miner = minerFor({ host: '127.0.0.1', port: run.port()!, user: `bc1qminer.bitaxe${round}` });
        // the child may die at its step before a miner even connects (finishing an earlier operation)
        await Promise.race([miner.connect().catch(() => undefined), run.exited]);
        // shares until the child dies (at its step) or a handful went through
        for (let i = 0; i < 6 && run.child.exitCode === null && run.child.signalCode === null; i++) {
          await Promise.race([miner.submitShare().catch(() => undefined), run.exited]);
        }
        if (step === 'timer') await new Promise((r) => setTimeout(r, 150));
        run.child.kill('SIGKILL');
        miner.close();
        if ((await run.exited) === 'SIGKILL') kills++;
      }
      expect(kills).toBe(4);
      const accepted = devnet.pool.stats().accepted;
      expect(accepted).toBeGreaterThan(0);

      // what the pool paid for our key, by the mint's own lookup
      const lock = deriveLockingKey(bip39Seed(mnemonic));
      const lookup = async () =>
        (await fetch(`${devnet.mint.url}/v1/mint/quote/pubkey`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ pubkeys: [lock.pubkey], pubkey_signatures: [signQuoteLookup(devnet.mint.pubkey, lock.pubkey, lock.privkey)] }),
        }).then((r) => r.json())) as { quotes: { quote: string; amount: number; amount_issued: number }[] };
      let quotes = (await lookup()).quotes;
      // the pool quotes every accepted share, a little after accepting it
      const end = Date.now() + 10_000;
      while (quotes.length < accepted && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        quotes = (await lookup()).quotes;
      }
      expect(quotes).toHaveLength(accepted);
      const paid = quotes.reduce((sum, q) => sum + BigInt(q.amount), 0n);

      const last = runWalletChild({ ...env, CRASH_STEP: 'none' });
      await last.idle;
      last.child.kill('SIGTERM');
      await last.exited;

      const wallet = testWallet(home, devnet.mint.url);
      cleanups.push(() => wallet.close());
      await wallet.unlock(TEST_PASSPHRASE);
      expect(wallet.balances()[0]?.amount).toBe(paid);
      for (const q of (await lookup()).quotes) expect(q.amount_issued).toBe(q.amount);
      expect(wallet.store.operations()).toEqual([]);
    },
    CHILD_RUNS_TIMEOUT_MS,
  );
});

/**
 * The wallet as its own process for the crash test: unlocks the wallet in HOME, mints the quote events
 * it reads from stdin (one JSON object per line) and SIGKILLs itself at the step named by CRASH_STEP,
 * on the CRASH_NTH time that step is reached (CRASH_STEP=none: never). Prints "idle" whenever a sweep
 * left nothing to mint.
 */
import { createInterface } from 'node:readline';
import { silentLogger } from '../../log';
import type { OperationStep } from '../engine';
import { openWallet } from '../service';

const home = process.env.HOME_DIR!;
const mintUrl = process.env.MINT_URL!;
const crashStep = process.env.CRASH_STEP as OperationStep | 'none';
let remaining = Number(process.env.CRASH_NTH ?? '1');

const wallet = openWallet({
  home,
  mintUrls: [mintUrl],
  vault: 'passphrase',
  logger: silentLogger,
  lookupIntervalMs: 0,
  batchDelayMs: 5,
  consolidateAbove: 6,
  onStep: (step) => {
    if (step === crashStep && --remaining <= 0) process.kill(process.pid, 'SIGKILL');
  },
});

await wallet.unlock(process.env.PASSPHRASE!);
createInterface({ input: process.stdin }).on('line', (line) => {
  const event = JSON.parse(line) as { quoteId: string; amount: string; headerHash: string };
  wallet.onQuoteEvent({ quoteId: event.quoteId, amount: BigInt(event.amount), headerHash: event.headerHash });
});
process.stdout.write('ready\n');
for (;;) {
  await wallet.sweep();
  const pending = wallet.store.countQuotes(['unpaid', 'paid']) + wallet.store.operations().length;
  if (pending === 0) process.stdout.write('idle\n');
  await new Promise((r) => setTimeout(r, 20));
}

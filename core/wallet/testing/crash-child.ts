/**
 * The wallet as its own process for the crash tests: unlocks the wallet in HOME_DIR, mints the quote
 * events it reads from stdin (one JSON object per line) or, with POOL_URL, runs the Axewallet proxy in
 * front of that pool and mints the quotes of the shares it forwards. SIGKILLs itself at the step named
 * by CRASH_STEP on the CRASH_NTH time that step is reached (none: never). Prints "port N" once the proxy
 * listens, "ready", and "idle" whenever a sweep left nothing to mint.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseUpstreamUrl } from '../../api/upstream-url';
import { silentLogger } from '../../../lib/log';
import { createProxy } from '../../stratum/proxy';
import type { OperationStep } from '../engine';
import { openWallet } from '../service';

const home = process.env.HOME_DIR!;
const mintUrl = process.env.MINT_URL!;
const poolUrl = process.env.POOL_URL;
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

if (poolUrl) {
  const proxy = createProxy({
    stratumHost: '127.0.0.1',
    stratumPort: 0,
    upstreams: [parseUpstreamUrl(poolUrl)],
    verdictTimeoutMs: 300,
    ledgerPath: join(home, 'ledger.sqlite'),
    lockingPubkey: () => wallet.lockingPubkey(),
    logger: silentLogger,
    nominalHashrate: 1000,
  });
  proxy.on('quote', (q) => {
    if (!q.error) wallet.onQuoteEvent({ quoteId: q.quoteId, amount: q.amount, minerId: q.minerId });
  });
  process.stdout.write(`port ${(await proxy.start()).port}\n`);
}
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

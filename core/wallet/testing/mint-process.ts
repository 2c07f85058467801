/**
 * A devnet mint in its own process (benchmarks measure the wallet's CPU apart from the mint's): prints {url, pubkey},
 * then for each stdin line {"pubkey", "count"} creates that many paid share quotes of amount 1, as the pool would, and
 * prints their ids as one JSON array line (quotes come only from the pool: the mint has no HTTP route for them).
 * Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startMint } from '../../../devnet/mint';
import { randomHeaderHash } from './kit';

const mint = await startMint({ dbPath: process.env.MINT_DB!, host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: mint.url, pubkey: mint.pubkey })}\n`);
let queue = Promise.resolve();
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const { pubkey, count } = JSON.parse(line) as { pubkey: string; count: number };
    queue = queue.then(async () => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push((await mint.createShareQuote({ amount: 1n, headerHash: randomHeaderHash(), pubkey })).quoteId);
      process.stdout.write(`${JSON.stringify(ids)}\n`);
    });
  })
  .on('close', () => void queue.then(() => mint.close()).then(() => process.exit(0)));

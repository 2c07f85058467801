/** A devnet mint in its own process (benchmarks measure the wallet's CPU apart from the mint's): prints {url, pubkey}, exits when stdin closes. */
import { startMint } from '../../../devnet/mint';

const mint = await startMint({ dbPath: process.env.MINT_DB!, host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: mint.url, pubkey: mint.pubkey })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void mint.close().then(() => process.exit(0)));

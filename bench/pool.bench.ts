/**
 * Devnet pool: shares validated per second by the validator both ports share (coinbase + merkle
 * path + header + sha256d + target + duplicate check), against raw sha256d of an 80-byte header
 * measured in the same run. A validation costs a few sha256d (coinbase txid, merkle path, header).
 */
import { MAX_TARGET, sha256d } from '../core/protocol/bitcoin/work';
import { SyntheticChain } from '../devnet/pool/chain';
import { ShareBook } from '../devnet/pool/shares';
import { ratePerSecond, round } from './measure';

function timed(ms: number, step: (i: number) => void): number {
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let k = 0; k < 256; k++) step(count++);
  }
  return ratePerSecond(count, performance.now() - start);
}

export async function run(): Promise<Record<string, unknown>> {
  const header = new Uint8Array(80).fill(7);
  const view = new DataView(header.buffer);
  const rawSha256dPerSecond = timed(1500, (i) => {
    view.setUint32(76, i, true);
    sha256d(header);
  });

  const now = Math.floor(Date.now() / 1000);
  const chain = new SyntheticChain({ transactionsPerBlock: 3000 }, now);
  const book = new ShareBook(chain);
  const template = chain.current;
  const share = {
    jobId: template.id,
    extranoncePrefix: new Uint8Array(8).fill(1),
    extranonce: new Uint8Array(8),
    extranonceSize: 8,
    version: template.version,
    versionMask: 0x1fffe000,
    ntime: template.ntime,
    nonce: 0,
    target: MAX_TARGET,
  };
  let accepted = 0;
  const validatedPerSecond = timed(1500, (i) => {
    share.nonce = i;
    if (book.validate(share, now).ok) accepted++;
  });
  let rejected = 0;
  const rejectedPerSecond = timed(1000, (i) => {
    share.nonce = i;
    share.target = 0n;
    if (!book.validate(share, now).ok) rejected++;
  });

  return {
    rawSha256dPerSecond,
    sharesValidatedPerSecond: validatedPerSecond,
    lowDifficultyRejectsPerSecond: rejectedPerSecond,
    merklePathLength: template.merklePath.length,
    validationCostInSha256d: round(rawSha256dPerSecond / validatedPerSecond, 2),
    bothPathsExercised: accepted > 0 && rejected > 0,
  };
}

/**
 * Devnet pool: shares validated per second by the validator both ports share (coinbase + merkle
 * path + header + sha256d + target + duplicate check), against raw sha256d of an 80-byte header
 * measured in the same run, then the same over a real Noise session with and without the mint.
 */
import { MAX_TARGET, sha256d } from '../lib/protocol/bitcoin/work';
import type { Sv2AnyMessage, Sv2MessageOf } from '../lib/protocol/sv2/messages';
import { connectSv2 } from '../lib/transport/sv2';
import { startDevnet } from '../devnet/index';
import { SyntheticChain } from '../devnet/pool/chain';
import { startPool } from '../devnet/pool/pool';
import { ShareBook } from '../devnet/pool/shares';
import { ratePerSecond, round } from './measure';

/**
 * Submits `count` distinct shares over a real Noise session at the easiest target and waits until the pool has
 * acknowledged them all and, with the mint, notified every quote (0xC0). Returns shares per second.
 */
async function overTheWire(count: number, withMint: boolean): Promise<number> {
  const settings = { minimumDifficulty: 0, shareBatchSize: 100, blockIntervalSeconds: 3600, templateRefreshSeconds: 0 };
  const devnet = withMint ? await startDevnet({ ...settings, pool: settings }) : null;
  const pool = devnet?.pool ?? (await startPool(settings));
  try {
    const connection = await connectSv2({ host: pool.sv2.host, port: pool.sv2.port, authorityPubkey: pool.authorityPubkey });
    let acknowledged = 0;
    let notified = 0;
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const seen: Sv2AnyMessage[] = [];
    let wake: () => void = () => undefined;
    connection.on('message', (m) => {
      seen.push(m);
      if (m.type === 'SubmitSharesSuccess') acknowledged += m.newSubmitsAcceptedCount;
      if (m.type === 'MintQuoteNotification') notified += 1;
      if (acknowledged >= count && (!withMint || notified >= count)) resolveDone();
      wake();
    });
    const next = async <K extends Sv2AnyMessage['type']>(type: K) => {
      for (;;) {
        const found = seen.find((m) => m.type === type);
        if (found) return found as Extract<Sv2AnyMessage, { type: K }>;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    connection.send({
      type: 'SetupConnection',
      protocol: 0,
      minVersion: 2,
      maxVersion: 2,
      flags: 0,
      endpointHost: '',
      endpointPort: 0,
      vendor: 'bench',
      hardwareVersion: '',
      firmware: '',
      deviceId: '',
    });
    await next('SetupConnectionSuccess');
    // Nominal hash rate 0: the easiest target, so every submitted nonce is a valid share. No locking key in
    // user_identity: quotes go to the pool's configured key.
    connection.send({ type: 'OpenExtendedMiningChannel', requestId: 1, userIdentity: 'bench', nominalHashRate: 0, maxTarget: new Uint8Array(32).fill(0xff), minExtranonceSize: 8 });
    const success = (await next('OpenExtendedMiningChannelSuccess')) as Sv2MessageOf<'OpenExtendedMiningChannelSuccess'>;
    const job = (await next('NewExtendedMiningJob')) as Sv2MessageOf<'NewExtendedMiningJob'>;
    const prevHash = (await next('SetNewPrevHash')) as Sv2MessageOf<'SetNewPrevHash'>;
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      connection.send({
        type: 'SubmitSharesExtended',
        channelId: success.channelId,
        sequenceNumber: i + 1,
        jobId: job.jobId,
        nonce: i,
        ntime: prevHash.minNtime,
        version: job.version,
        extranonce: new Uint8Array(8),
      });
    }
    await done;
    const rate = ratePerSecond(count, performance.now() - start);
    connection.close();
    return rate;
  } finally {
    await (devnet ?? pool).close();
  }
}

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
  // Every share on its own extranonce: coinbase and merkle path hashed each time (the worst case).
  const extranonceView = new DataView(share.extranonce.buffer);
  const validatedPerSecond = timed(1500, (i) => {
    share.nonce = i;
    extranonceView.setUint32(0, i, true);
    if (book.validate(share, now).ok) accepted++;
  });
  // An ASIC finds many shares per extranonce (nonce and version rolling): the merkle root is reused.
  extranonceView.setUint32(4, 1, true);
  const sameWorkValidatedPerSecond = timed(1000, (i) => {
    share.nonce = i;
    if (book.validate(share, now).ok) accepted++;
  });
  let rejected = 0;
  const rejectedPerSecond = timed(1000, (i) => {
    share.nonce = i;
    share.target = 0n;
    if (!book.validate(share, now).ok) rejected++;
  });

  const sv2SharesPerSecond = await overTheWire(3000, false);
  const sv2SharesWithQuotesPerSecond = await overTheWire(2000, true);

  return {
    rawSha256dPerSecond,
    sv2SharesPerSecond,
    sv2SharesWithQuotesPerSecond,
    sv2VsValidatorRatio: round(sv2SharesPerSecond / validatedPerSecond, 3),
    quotingVsNoMintRatio: round(sv2SharesWithQuotesPerSecond / sv2SharesPerSecond, 3),
    sharesValidatedPerSecond: validatedPerSecond,
    sameWorkSharesValidatedPerSecond: sameWorkValidatedPerSecond,
    lowDifficultyRejectsPerSecond: rejectedPerSecond,
    merklePathLength: template.merklePath.length,
    validationCostInSha256d: round(rawSha256dPerSecond / validatedPerSecond, 2),
    sameWorkValidationCostInSha256d: round(rawSha256dPerSecond / sameWorkValidatedPerSecond, 2),
    bothPathsExercised: accepted > 0 && rejected > 0,
  };
}

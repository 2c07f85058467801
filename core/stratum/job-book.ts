/**
 * The jobs one miner holds: each notify it was sent (our job id, the upstream job, the difficulty it was sent
 * at) and the shares it already sent on the current channel. ESP-Miner starts every notify's extranonce2 at 0
 * (create_jobs_task), so the same upstream job handed out again (a keepalive, a new difficulty) would have it
 * find the same shares again: each time a job is handed out again its ntime moves one second on (as hashpool's
 * translator does for keepalive jobs), never more than an hour past the clock.
 */
import { hashMeetsTarget, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import type { Sv1Job } from '../../lib/protocol/sv1/job';
import { SentHashes } from './sent-hashes';
import type { ChannelJob, UpstreamChannel } from './upstream';

const KEPT_JOBS = 16;
/** header hashes remembered against resubmission, per upstream job */
const KEPT_HASHES = 1024;

export interface SentJob {
  job: ChannelJob;
  channel: UpstreamChannel;
  /** zero bytes between the upstream's fixed prefix and our extranonce1 */
  pad: string;
  difficulty: number;
  /** the target `difficulty` stands for, for the exact comparison at the line (made when first needed) */
  target?: bigint;
}

/**
 * Whether a share meets its job's target. The float difficulty decides (ESP-Miner compares doubles too), unless
 * it is within a hair of the line, where the exact 256-bit comparison does; the exact one alone costs ten times more.
 */
export function meetsTarget(hash: Uint8Array, shareDifficulty: number, sent: SentJob): boolean {
  const ratio = shareDifficulty / sent.difficulty;
  if (ratio > 1 + 1e-9) return true;
  if (ratio < 1 - 1e-9) return false;
  sent.target ??= targetFromDifficulty(sent.difficulty);
  return hashMeetsTarget(hash, sent.target);
}

export class JobBook {
  private readonly jobs = new Map<string, SentJob>();
  private nextJobId = 1;
  /** the ntime each upstream job was last handed out with */
  private readonly ntimes = new WeakMap<ChannelJob, number>();
  /**
   * The hashes sent per upstream job. A header commits to its job (coinbase, previous block), so a duplicate can only
   * come within one; once neither this book nor the channel holds a job, its hashes go with it. A set for the whole
   * session kept 1,024 hashes (~100 KB) per miner for hours: 100 MB for a thousand of them.
   */
  private sentHashes = new WeakMap<ChannelJob, SentHashes>();

  /** A new channel: its jobs, and what counts as a duplicate, start afresh (the same hash is new to another pool). */
  reset(): void {
    this.jobs.clear();
    this.sentHashes = new WeakMap();
  }

  /** Records a job handed out (a clean one ends every earlier one) and returns the notify's job. */
  issue(channel: UpstreamChannel, job: ChannelJob, difficulty: number, pad: string, clean: boolean): Sv1Job {
    if (clean) this.jobs.clear();
    const sv1: Sv1Job = {
      jobId: (this.nextJobId++).toString(16),
      prevHash: job.prevHash,
      coinbase1: job.coinbasePrefix + pad,
      coinbase2: job.coinbaseSuffix,
      merkleBranches: job.merkleBranches,
      version: job.version,
      nbits: job.nbits,
      ntime: this.ntimeFor(job),
      cleanJobs: clean,
    };
    this.jobs.set(sv1.jobId, { job, channel, pad, difficulty });
    if (this.jobs.size > KEPT_JOBS) this.jobs.delete(this.jobs.keys().next().value!);
    return sv1;
  }

  get(jobId: string): SentJob | undefined {
    return this.jobs.get(jobId);
  }

  /** False when this share of `job`, by its header hash (32 bytes), was sent before (on this channel). */
  firstTime(job: ChannelJob, headerHash: Uint8Array): boolean {
    let sent = this.sentHashes.get(job);
    if (!sent) this.sentHashes.set(job, (sent = new SentHashes(KEPT_HASHES)));
    return sent.addIfNew(headerHash);
  }

  private ntimeFor(job: ChannelJob): string {
    const first = Number.parseInt(job.ntime, 16) >>> 0;
    const previous = this.ntimes.get(job);
    const ntime = previous === undefined ? first : Math.min(previous + 1, Math.max(first, Math.floor(Date.now() / 1000)) + 3600);
    this.ntimes.set(job, ntime);
    return (ntime >>> 0).toString(16).padStart(8, '0');
  }
}

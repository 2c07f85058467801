/**
 * The header hash of every submit, fast and small: the proxy hashes each share it forwards (the ledger and the
 * wallet key shares by it), so the per-share cost matters at thousands of shares per second, and it holds a job's
 * hashing state for every miner it serves. Everything fixed for a job (the coinbase around the extranonce, the merkle
 * branches, the header fields) is decoded once per job and shared by every miner the job reaches (an aggregated
 * channel hands one job to all of them); a miner keeps only the merkle root of its last extranonce2 (a miner rolls
 * nonce, ntime and version bits through many shares before it changes extranonce2). Decoded per miner and job (a
 * coinbase midstate, thirteen buffers, two hashes) it took 2.7 KB per miner more (heap snapshots of 1,000 miners on
 * one aggregated channel, idle and then mining, 2026-12-06: 5.3 MB more mining, 2.6 MB with this), made anew by every
 * miner on every job. Same bytes as protocol/sv1/job.ts headerForSubmission (checked in share-hasher.test.ts).
 */
import { hash as oneShot } from 'node:crypto';
import { headerHash, merkleNodeHash } from '../../lib/protocol/bitcoin/header-hash';
import { DIFF1_TARGET } from '../../lib/protocol/bitcoin/work';
import type { ChannelJob } from './upstream';

/** What a share's header hash takes from its job. */
export type HashableJob = Pick<ChannelJob, 'prevHash' | 'coinbasePrefix' | 'coinbaseSuffix' | 'merkleBranches' | 'version' | 'nbits'>;

/** A job decoded for hashing. */
interface PreparedJob {
  prefix: Buffer;
  suffix: Buffer;
  /** the merkle branches, 32 bytes each, end to end */
  branches: Buffer;
  /** the header with the previous block hash and nbits in place */
  header: Buffer;
  version: number;
}

const prepared = new WeakMap<HashableJob, PreparedJob>();

function preparedFor(job: HashableJob): PreparedJob {
  let parts = prepared.get(job);
  if (!parts) prepared.set(job, (parts = prepare(job)));
  return parts;
}

function prepare(job: HashableJob): PreparedJob {
  const header = Buffer.alloc(80);
  const prev = Buffer.from(job.prevHash, 'hex');
  for (let i = 0; i < 32; i += 4) {
    // Stratum V1 sends each 4-byte word of the prevhash byte-swapped
    header[4 + i] = prev[i + 3]!;
    header[5 + i] = prev[i + 2]!;
    header[6 + i] = prev[i + 1]!;
    header[7 + i] = prev[i]!;
  }
  header.writeUInt32LE(Number.parseInt(job.nbits, 16) >>> 0, 72);
  return {
    prefix: Buffer.from(job.coinbasePrefix, 'hex'),
    suffix: Buffer.from(job.coinbaseSuffix, 'hex'),
    branches: Buffer.from(job.merkleBranches.join(''), 'hex'),
    header,
    version: Number.parseInt(job.version, 16),
  };
}

/** A coinbase's txid, raw, with node:crypto's one-shot digest. */
function sha256d(data: Uint8Array): Buffer {
  return oneShot('sha256', oneShot('sha256', data, 'buffer'), 'buffer');
}

// One thread hashes at a time: the coinbase, a merkle pair, the header and its hash are built in buffers reused
// across calls and across miners.
let coinbase = Buffer.alloc(512);
const pair = Buffer.alloc(64);
const header = Buffer.alloc(80);
/** the job whose previous block hash and nbits `header` holds */
let headerJob: PreparedJob | undefined;
const digest = Buffer.alloc(32);

/** The merkle root of the job's coinbase with `head` and `extranonce2` (hex) between its prefix and suffix. */
function merkleRoot(job: PreparedJob, head: string, extranonce2: string, into: Buffer): void {
  const length = job.prefix.length + (head.length + extranonce2.length) / 2 + job.suffix.length;
  if (length > coinbase.length) coinbase = Buffer.alloc(length);
  let at = job.prefix.copy(coinbase, 0);
  at += coinbase.write(head, at, 'hex');
  at += coinbase.write(extranonce2, at, 'hex');
  at += job.suffix.copy(coinbase, at);
  sha256d(coinbase.subarray(0, at)).copy(pair, 0);
  // up the branches with the node in the pair's first half, nothing allocated: every miner's first share on a new job
  // climbs them, and node:crypto's buffers per level were over a third of what a job refresh allocated at 1,000 miners
  const node = pair.subarray(0, 32);
  for (let offset = 0; offset < job.branches.length; offset += 32) {
    job.branches.copy(pair, 32, offset, offset + 32);
    merkleNodeHash(pair, node);
  }
  pair.copy(into, 0, 0, 32);
}

const DIFF1 = Number(DIFF1_TARGET);

/** One miner's share hashing: the merkle root of its last job and extranonce2. */
export class ShareHasher {
  private rootJob: HashableJob | undefined;
  private rootHead = '';
  private rootExtranonce2 = '';
  private readonly root = Buffer.allocUnsafe(32);

  /**
   * Raw sha256d(header) for a submission, valid until the next call of any hasher; `head` is the hex between the
   * job's coinbase prefix and the extranonce2 (padding and the miner's extranonce1), `ntime` and `nonce` the submitted
   * words, `version` the header's version with the miner's bits rolled in (`rolledVersion`, which the pool is told
   * too). Hex inputs are validated by the caller.
   */
  hash(job: HashableJob, head: string, extranonce2: string, ntime: number, nonce: number, version: number): Buffer {
    const parts = preparedFor(job);
    if (job !== this.rootJob || head !== this.rootHead || extranonce2 !== this.rootExtranonce2) {
      merkleRoot(parts, head, extranonce2, this.root);
      this.rootJob = job;
      this.rootHead = head;
      this.rootExtranonce2 = extranonce2;
    }
    if (headerJob !== parts) {
      parts.header.copy(header);
      headerJob = parts;
    }
    header.writeUInt32LE(version, 0);
    this.root.copy(header, 36);
    header.writeUInt32LE(ntime, 68);
    header.writeUInt32LE(nonce, 76);
    headerHash(header, digest);
    return digest;
  }
}

/** The header's version for a share of `job` with `versionBits` rolled. */
export function rolledVersion(job: HashableJob, versionBits: number): number {
  return (preparedFor(job).version ^ versionBits) >>> 0;
}

/** Difficulty a raw hash reached, in floating point (all a ledger and a hashrate estimate need). */
export function hashDifficulty(hashRaw: Uint8Array): number {
  let value = 0;
  for (let i = hashRaw.length - 1; i >= 0; i--) value = value * 256 + hashRaw[i]!;
  return value === 0 ? Number.POSITIVE_INFINITY : DIFF1 / value;
}

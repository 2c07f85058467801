/**
 * The header hash of every submit, fast: the proxy hashes each share it forwards (the ledger and the
 * wallet key shares by it), so the per-share cost matters at thousands of shares per second. Everything
 * fixed for a miner's job (coinbase up to extranonce2, the merkle branches, the header fields) is
 * prepared once; the coinbase hash resumes from a SHA-256 midstate, and the merkle root is kept for the
 * last extranonce2 (a miner rolls nonce, ntime and version bits through many shares before it changes
 * extranonce2; ESP-Miner changes it only when a job's nonce x version space runs out); the header's own hash is
 * made into a buffer kept for it. Same bytes as protocol/sv1/job.ts headerForSubmission (checked in
 * share-hasher.test.ts).
 */
import { createHash, type Hash, hash as oneShot } from 'node:crypto';
import { headerHash } from '../../lib/protocol/bitcoin/header-hash';
import { DIFF1_TARGET } from '../../lib/protocol/bitcoin/work';
import type { Sv1Job } from '../../lib/protocol/sv1/job';

function sha256(data: Uint8Array): Buffer {
  return oneShot('sha256', data, 'buffer');
}

function sha256d(data: Uint8Array): Buffer {
  return sha256(sha256(data));
}

const DIFF1 = Number(DIFF1_TARGET);

export class ShareHasher {
  private readonly coinbaseHead: Hash;
  private readonly coinbaseTail: Buffer;
  private readonly branches: Buffer[];
  private readonly header = Buffer.alloc(80);
  private readonly jobVersion: number;
  private rootFor: string | undefined;
  private readonly root = Buffer.alloc(32);
  private readonly digest = Buffer.alloc(32);

  /** `extranonce1` is the miner's; `job.coinbase1` already carries everything before it. */
  constructor(job: Sv1Job, extranonce1: string) {
    this.coinbaseHead = createHash('sha256').update(Buffer.from(job.coinbase1 + extranonce1, 'hex'));
    this.coinbaseTail = Buffer.from(job.coinbase2, 'hex');
    this.branches = job.merkleBranches.map((b) => Buffer.from(b, 'hex'));
    this.jobVersion = Number.parseInt(job.version, 16);
    const prev = Buffer.from(job.prevHash, 'hex');
    for (let i = 0; i < 32; i += 4) {
      // Stratum V1 sends each 4-byte word of the prevhash byte-swapped
      this.header[4 + i] = prev[i + 3]!;
      this.header[5 + i] = prev[i + 2]!;
      this.header[6 + i] = prev[i + 1]!;
      this.header[7 + i] = prev[i]!;
    }
    this.header.writeUInt32LE(Number.parseInt(job.nbits, 16) >>> 0, 72);
  }

  /** Raw sha256d(header) for a submission, valid until the next call; hex inputs are validated by the caller. */
  hash(extranonce2: string, ntime: string, nonce: string, versionBits: string): Buffer {
    if (extranonce2 !== this.rootFor) {
      const coinbase = this.coinbaseHead.copy().update(Buffer.from(extranonce2, 'hex')).update(this.coinbaseTail).digest();
      let node = sha256(coinbase);
      const pair = Buffer.allocUnsafe(64);
      for (const branch of this.branches) {
        node.copy(pair, 0);
        branch.copy(pair, 32);
        node = sha256d(pair);
      }
      node.copy(this.root);
      this.rootFor = extranonce2;
    }
    const header = this.header;
    header.writeUInt32LE((this.jobVersion ^ Number.parseInt(versionBits, 16)) >>> 0, 0);
    this.root.copy(header, 36);
    header.writeUInt32LE(Number.parseInt(ntime, 16) >>> 0, 68);
    header.writeUInt32LE(Number.parseInt(nonce, 16) >>> 0, 76);
    headerHash(header, this.digest);
    return this.digest;
  }
}

/** Difficulty a raw hash reached, in floating point (all a ledger and a hashrate estimate need). */
export function hashDifficulty(hashRaw: Uint8Array): number {
  let value = 0;
  for (let i = hashRaw.length - 1; i >= 0; i--) value = value * 256 + hashRaw[i]!;
  return value === 0 ? Number.POSITIVE_INFINITY : DIFF1 / value;
}

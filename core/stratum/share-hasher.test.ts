import { describe, expect, it } from 'vitest';
import { bytesToHex, hashDifficulty as exactHashDifficulty, sha256d } from '../../lib/protocol/bitcoin/work';
import { headerForSubmission, hexWord, type Sv1Job } from '../../lib/protocol/sv1/job';
import { hashDifficulty, rolledVersion, ShareHasher } from './share-hasher';

// The job from the real firmware parser transcript.
const job: Sv1Job = {
  jobId: '6a1f',
  prevHash: 'ef4b9a48c7986466de4adc002f7337a6e121bc43000376ea0000000000000000',
  coinbase1: '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4b03a5020c',
  coinbase2: 'ffffffff0100f2052a010000001976a9147c154ed1dc59609e3d26abb2df2ea3d587cd8c4188ac00000000',
  merkleBranches: ['ae23055e00f0f697cc3640124812d96d4fe8bdfa03484c1c638ce5a1c0e9aa81'],
  version: '20000000',
  nbits: '1705c739',
  ntime: '64495522',
  cleanJobs: true,
};

// the same job as the proxy holds it: everything before the extranonce, everything after
const hashable = { ...job, coinbasePrefix: job.coinbase1, coinbaseSuffix: job.coinbase2 };

function expectedHash(of: Sv1Job, extranonce1: string, extranonce2: string, nonce: string, versionBits: string): string {
  return bytesToHex(sha256d(headerForSubmission(of, { extranonce1, extranonce2, ntime: '64495523', nonce, versionBits })));
}

describe('ShareHasher', () => {
  it('hashes exactly the header ESP-Miner builds, for many submissions of one job, extranonce2 repeating and changing', () => {
    const hasher = new ShareHasher();
    for (let i = 0; i < 60; i++) {
      // runs of one extranonce2 (the merkle root is reused), then a new one, and back to an old one
      const extranonce2 = (i < 50 ? Math.floor(i / 3) : i % 3).toString(16).padStart(8, '0');
      const nonce = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0');
      const versionBits = i % 2 ? '00a4e000' : '00000000';
      expect(bytesToHex(hasher.hash(hashable, 'e8f2a1b4', extranonce2, 0x64495523, hexWord(nonce), rolledVersion(hashable, hexWord(versionBits))))).toBe(
        expectedHash(job, 'e8f2a1b4', extranonce2, nonce, versionBits),
      );
    }
  });

  it('keeps miners and jobs apart: one job shared by miners with their own extranonce1, a miner moving between jobs or given a new extranonce1', () => {
    const miners = [new ShareHasher(), new ShareHasher()];
    const extranonce1s = ['e8f2a1b4', '0000a1b5'];
    const other: Sv1Job = { ...job, prevHash: job.prevHash.replace('ef4b', '1234'), merkleBranches: [...job.merkleBranches, job.merkleBranches[0]!.replace('ae', '01')] };
    const jobs = [
      [job, hashable],
      [other, { ...other, coinbasePrefix: other.coinbase1, coinbaseSuffix: other.coinbase2 }],
    ] as const;
    for (let i = 0; i < 24; i++) {
      const m = i % 2;
      const [sv1, held] = jobs[Math.floor(i / 4) % 2]!;
      // the same extranonce2 on both miners and both jobs: only the job and the miner's extranonce1 tell them apart
      const nonce = i.toString(16).padStart(8, '0');
      const extranonce1 = m === 0 && i >= 18 ? 'ffff0000' : extranonce1s[m]!;
      expect(bytesToHex(miners[m]!.hash(held, extranonce1, '00000001', 0x64495523, i, rolledVersion(held, 0)))).toBe(expectedHash(sv1, extranonce1, '00000001', nonce, '00000000'));
    }
  });

  it("gives the header's version with the rolled bits, as the pool must be told it", () => {
    expect(rolledVersion(hashable, 0x00a4e000)).toBe((Number.parseInt(job.version, 16) ^ 0x00a4e000) >>> 0);
    expect(rolledVersion(hashable, 0)).toBe(Number.parseInt(job.version, 16));
  });

  it('rates a hash like the exact bigint formula', () => {
    const hasher = new ShareHasher();
    for (let i = 0; i < 20; i++) {
      const hash = hasher.hash({ ...hashable, merkleBranches: [] }, '00', '00000000', 0x64495522, i, rolledVersion(hashable, 0));
      expect(hashDifficulty(hash) / exactHashDifficulty(hash)).toBeCloseTo(1, 12);
    }
  });
});

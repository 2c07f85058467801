import { describe, expect, it } from 'vitest';
import { bytesToHex, hashDifficulty as exactHashDifficulty, sha256d } from '../../lib/protocol/bitcoin/work';
import { headerForSubmission, type Sv1Job } from '../../lib/protocol/sv1/job';
import { hashDifficulty, ShareHasher } from './share-hasher';

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

describe('ShareHasher', () => {
  it('hashes exactly the header ESP-Miner builds, for many submissions of one job, extranonce2 repeating and changing', () => {
    const hasher = new ShareHasher(job, 'e8f2a1b4');
    for (let i = 0; i < 60; i++) {
      // runs of one extranonce2 (the merkle root is reused), then a new one, and back to an old one
      const extranonce2 = (i < 50 ? Math.floor(i / 3) : i % 3).toString(16).padStart(8, '0');
      const nonce = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0');
      const versionBits = i % 2 ? '00a4e000' : '00000000';
      const expected = sha256d(headerForSubmission(job, { extranonce1: 'e8f2a1b4', extranonce2, ntime: '64495523', nonce, versionBits }));
      expect(bytesToHex(hasher.hash(extranonce2, '64495523', nonce, versionBits))).toBe(bytesToHex(expected));
    }
  });

  it('rates a hash like the exact bigint formula', () => {
    const hasher = new ShareHasher({ ...job, merkleBranches: [] }, '00');
    for (let i = 0; i < 20; i++) {
      const hash = hasher.hash('00000000', '64495522', i.toString(16).padStart(8, '0'), '00000000');
      expect(hashDifficulty(hash) / exactHashDifficulty(hash)).toBeCloseTo(1, 12);
    }
  });
});

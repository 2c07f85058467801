import type { Sv1Job } from '../../../lib/protocol/sv1/job';

/** A well-formed Stratum V1 job for tests of what a miner does with jobs: only its id and clean flag vary. */
export const sampleJob = (jobId: string, cleanJobs = false): Sv1Job => ({
  jobId,
  prevHash: '00'.repeat(32),
  coinbase1: '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20',
  coinbase2: 'ffffffff0100f2052a010000001976a9147c154ed1dc59609e3d26abb2df2ea3d587cd8c4188ac00000000',
  merkleBranches: [],
  version: '20000000',
  nbits: '1705c739',
  ntime: '65000000',
  cleanJobs,
});

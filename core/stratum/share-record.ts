/** One share as the ledger keeps it: a row of the shares table, shared by the ledger and its in-memory batches. */
export type ShareVerdict = 'awaiting' | 'accepted' | 'rejected';

export interface ShareRecord {
  id: number;
  /** unix ms when the miner submitted */
  at: number;
  minerId: string;
  worker: string;
  upstream: string;
  jobId: string;
  /** hex of the raw sha256d(header), the same string a hashpool quote carries as `request` */
  headerHash: string;
  /** difficulty the share was submitted against */
  difficulty: number;
  /** difficulty the hash actually reached */
  shareDifficulty: number;
  verdict: ShareVerdict;
  reason: string | null;
  /** ms from the miner's submit to the upstream's verdict */
  latencyMs: number | null;
}

/** A share as its miner session judged it, before the ledger gives it a row: what the session and the ledger share. */
export interface LocalShare {
  jobId: string;
  upstreamJobId: string;
  headerHash: string;
  difficulty: number;
  shareDifficulty: number;
}

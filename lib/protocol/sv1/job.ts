/**
 * A Stratum V1 job (mining.notify) and the header a miner builds from it,
 * exactly as ESP-Miner does (research/bitaxe.md): coinbase = cb1||en1||en2||cb2,
 * prevhash words byte-swapped, version = job version XOR the rolled bits.
 */
import { hexToBytes, merkleRoot, serializeHeader, sha256d, swapWords32 } from '../bitcoin/work';

export interface Sv1Job {
  jobId: string;
  /** hex, Stratum V1 word-swapped order */
  prevHash: string;
  coinbase1: string;
  coinbase2: string;
  merkleBranches: string[];
  /** 8 hex digits, big-endian as sent */
  version: string;
  nbits: string;
  ntime: string;
  cleanJobs: boolean;
}

export function notifyParams(job: Sv1Job): unknown[] {
  return [job.jobId, job.prevHash, job.coinbase1, job.coinbase2, job.merkleBranches, job.version, job.nbits, job.ntime, job.cleanJobs];
}

/** The value of one hex digit's character code, or -1. */
function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1; // a-f, A-F
}

/**
 * Whole bytes of hex (`bytes` of them, when given). A loop over the character codes, not a regular expression: the
 * proxy checks every submit's extranonce2 with it, and a regular expression's call cost more than the check.
 */
export function isHex(value: unknown, bytes?: number): value is string {
  if (typeof value !== 'string' || value.length % 2 !== 0 || (bytes !== undefined && value.length !== bytes * 2)) return false;
  for (let i = 0; i < value.length; i++) if (nibble(value.charCodeAt(i)) < 0) return false;
  return true;
}

/**
 * A 32-bit field as Stratum V1 sends it (ntime, nonce, version bits: eight hex digits, big-endian), or -1 when it is
 * not one. Checked and read in one pass: Number.parseInt with a radix leaves optimized code for V8's runtime.
 */
export function hexWord(value: unknown): number {
  if (typeof value !== 'string' || value.length !== 8) return -1;
  let word = 0;
  for (let i = 0; i < 8; i++) {
    const digit = nibble(value.charCodeAt(i));
    if (digit < 0) return -1;
    word = (word << 4) | digit;
  }
  return word >>> 0;
}

/** Parses notify params with the firmware's rules (>= 8 params, strings where it needs strings, <= 32 branches, clean flag last). */
export function parseNotify(params: unknown[]): Sv1Job {
  if (params.length < 8) throw new Error('mining.notify needs at least 8 params');
  const [jobId, prevHash, cb1, cb2, branches, version, nbits, ntime] = params;
  if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 64) throw new Error('job id must be a short string');
  if (!isHex(prevHash, 32)) throw new Error('prevhash must be 32 bytes of hex');
  if (!isHex(cb1) || !isHex(cb2)) throw new Error('coinbase parts must be hex strings');
  if (!Array.isArray(branches) || branches.length > 32 || !branches.every((b) => isHex(b, 32))) {
    throw new Error('merkle branches must be at most 32 hashes of hex');
  }
  if (!isHex(version, 4) || !isHex(nbits, 4) || !isHex(ntime, 4)) throw new Error('version, nbits and ntime must be 4 bytes of hex');
  return {
    jobId,
    prevHash,
    coinbase1: cb1,
    coinbase2: cb2,
    merkleBranches: branches as string[],
    version,
    nbits,
    ntime,
    cleanJobs: params[params.length - 1] === true,
  };
}

export interface Sv1Submission {
  extranonce1: string;
  extranonce2: string;
  ntime: string;
  nonce: string;
  /** the rolled bits as submitted (version ^ job version), or undefined when not rolling */
  versionBits?: string;
}

export function coinbaseTxid(job: Sv1Job, extranonce1: string, extranonce2: string): Uint8Array {
  return sha256d(hexToBytes(job.coinbase1 + extranonce1 + extranonce2 + job.coinbase2));
}

export function headerForSubmission(job: Sv1Job, s: Sv1Submission): Uint8Array {
  const root = merkleRoot(
    coinbaseTxid(job, s.extranonce1, s.extranonce2),
    job.merkleBranches.map((b) => hexToBytes(b)),
  );
  const jobVersion = Number.parseInt(job.version, 16);
  const rolled = s.versionBits ? Number.parseInt(s.versionBits, 16) : 0;
  return serializeHeader({
    version: (jobVersion ^ rolled) >>> 0,
    prevHash: swapWords32(hexToBytes(job.prevHash)),
    merkleRoot: root,
    ntime: Number.parseInt(s.ntime, 16),
    nbits: Number.parseInt(job.nbits, 16),
    nonce: Number.parseInt(s.nonce, 16),
  });
}

/** The extranonce2 a miner sends for counter n: little-endian bytes, hex (ESP-Miner). */
export function extranonce2Hex(counter: bigint, length: number): string {
  let hex = '';
  let v = counter;
  for (let i = 0; i < length; i++) {
    hex += Number(v & 0xffn)
      .toString(16)
      .padStart(2, '0');
    v >>= 8n;
  }
  return hex;
}

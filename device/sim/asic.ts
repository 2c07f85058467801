/**
 * The simulated ASIC: real sha256d over the job's header at a set hash rate, rolling the nonce, then the
 * version bits within the pool's mask (ESP-Miner's increment_bitmask), then extranonce2, and reporting every
 * nonce that meets the job's difficulty (never below the chip's ticket floor).
 */
import { hashDifficulty, hashMeetsTarget, sha256d, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { type Sv1Job, extranonce2Hex, headerForSubmission } from '../../lib/protocol/sv1/job';

/** What the chip needs from the connection it mines for: read at each header, as the firmware reads its globals. */
export interface AsicSession {
  extranonce1: string;
  extranonce2Size: number;
  versionMask: number;
}

export interface FoundShare {
  jobId: string;
  extranonce2: string;
  ntime: string;
  nonce: string;
  versionBits: string;
  /** the difficulty of the hash found */
  difficulty: number;
  /** the difficulty the pool asked for when the job came */
  poolDifficulty: number;
}

interface ActiveJob {
  job: Sv1Job;
  poolDifficulty: number;
  extranonce2Counter: bigint;
  version: number;
  nonce: number;
  header?: Uint8Array;
}

/** ESP-Miner's increment_bitmask: add one to the bits under the mask, carrying across gaps. */
export function incrementBitmask(value: number, mask: number): number {
  if (mask === 0) return value >>> 0;
  const next = (((value | ~mask) >>> 0) + 1) >>> 0;
  return ((next & mask) | (value & ~mask)) >>> 0;
}

/**
 * The chip's search on demand: the first nonce whose header hash passes `wanted`, yielding to the event loop as it
 * goes. Throws after 2^24 nonces (a difficulty beyond a CPU).
 */
export async function searchNonce(header: Uint8Array, wanted: (hash: Uint8Array) => boolean): Promise<{ nonce: number; hash: Uint8Array }> {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  for (let nonce = 0; nonce < 1 << 24; nonce++) {
    view.setUint32(76, nonce, true);
    const hash = sha256d(header);
    if (wanted(hash)) return { nonce, hash };
    if (nonce % 4096 === 4095) await new Promise((r) => setImmediate(r));
  }
  throw new Error('no share found in 2^24 nonces; difficulty too high for a CPU');
}

export function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

const NONCES_PER_VERSION = 4096;
const VERSIONS_PER_EXTRANONCE2 = 4;
const TICK_MS = 100;

export class SimAsic {
  private active: ActiveJob | undefined;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param floorDifficulty the lowest difficulty the chip reports. A real ASIC never reports below its ticket mask
   * (difficulty 256 on a Bitaxe); scaled to the simulated hashrate, the default keeps the sim at about two nonces
   * a second whatever the pool asks for.
   */
  constructor(
    private readonly options: {
      hashesPerSecond: number;
      floorDifficulty?: number;
      session: AsicSession;
      /** false: the chip is idle now (not authorized, or mining paused) */
      canSubmit: () => boolean;
      onNonce: (share: FoundShare) => void;
      log: (message: string) => void;
    },
  ) {}

  get job(): Sv1Job | undefined {
    return this.active?.job;
  }

  start(): void {
    if (this.timer || this.options.hashesPerSecond <= 0) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.active = undefined;
  }

  /** New work replaces the old at once (create_jobs_task takes the newest notify). */
  work(job: Sv1Job | undefined, poolDifficulty = 0): void {
    this.active = job ? { job, poolDifficulty, extranonce2Counter: 1n, version: Number.parseInt(job.version, 16) >>> 0, nonce: 0 } : undefined;
  }

  private tick(): void {
    const work = this.active;
    if (!work || !this.options.canSubmit() || work.poolDifficulty <= 0) return;
    const floor = this.options.floorDifficulty ?? this.options.hashesPerSecond / 2 ** 32 / 2;
    const target = targetFromDifficulty(Math.max(work.poolDifficulty, floor));
    const count = Math.max(1, Math.round((this.options.hashesPerSecond * TICK_MS) / 1000));
    const session = this.options.session;
    for (let i = 0; i < count; i++) {
      if (!work.header) {
        work.header = headerForSubmission(work.job, {
          extranonce1: session.extranonce1,
          extranonce2: extranonce2Hex(work.extranonce2Counter, session.extranonce2Size),
          ntime: work.job.ntime,
          nonce: '00000000',
          versionBits: hex32(work.version ^ Number.parseInt(work.job.version, 16)),
        });
      }
      const header = work.header;
      new DataView(header.buffer, header.byteOffset).setUint32(76, work.nonce, true);
      const hash = sha256d(header);
      if (hashMeetsTarget(hash, target)) this.report(work, hash);
      this.advance(work);
      if (this.active !== work) return;
    }
  }

  private advance(work: ActiveJob): void {
    work.nonce += 1;
    if (work.nonce % NONCES_PER_VERSION !== 0) return;
    work.header = undefined;
    const rolls = work.nonce / NONCES_PER_VERSION;
    if (rolls % VERSIONS_PER_EXTRANONCE2 === 0 || this.options.session.versionMask === 0) {
      work.extranonce2Counter += 1n;
      work.version = Number.parseInt(work.job.version, 16) >>> 0;
      work.nonce = 0;
    } else {
      work.version = incrementBitmask(work.version, this.options.session.versionMask);
    }
  }

  private report(work: ActiveJob, hash: Uint8Array): void {
    const share: FoundShare = {
      jobId: work.job.jobId,
      extranonce2: extranonce2Hex(work.extranonce2Counter, this.options.session.extranonce2Size),
      ntime: work.job.ntime,
      nonce: hex32(work.nonce),
      versionBits: hex32(work.version ^ Number.parseInt(work.job.version, 16)),
      difficulty: hashDifficulty(hash),
      poolDifficulty: work.poolDifficulty,
    };
    const shown = share.difficulty >= 1 ? share.difficulty.toFixed(1) : share.difficulty.toPrecision(3);
    this.options.log(
      `ID: ${share.jobId}, ASIC nr: 0, Core: ${work.nonce % 80}/${work.nonce % 16}, ver: ${hex32(work.version).toUpperCase()} Nonce ${share.nonce.toUpperCase()} diff ${shown} of ${work.poolDifficulty}.`,
    );
    this.options.onNonce(share);
  }
}

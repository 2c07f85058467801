/**
 * What the bridge needs from any upstream, Stratum V1 or V2: a link to one pool that opens one
 * channel per miner. A channel hands out jobs whose coinbase is split around a variable extranonce
 * of `extranonceSize` bytes; the bridge folds everything the pool fixed into the miner's coinb1,
 * so the miner's own extranonce1 never has to change when the upstream does.
 */
import { EventEmitter } from 'node:events';
import type { QuoteNotice } from '../../lib/protocol/ehash/quote';
import { UPSTREAM_LOST } from './ledger';

export interface ChannelJob {
  /** the upstream's job id, as the upstream names it */
  jobId: string;
  /** Stratum V1 order: every 4-byte word of the internal-order hash byte-swapped */
  prevHash: string;
  /** hex: coinbase bytes before the variable extranonce, including any pool-assigned prefix */
  coinbasePrefix: string;
  /** hex: coinbase bytes after the variable extranonce */
  coinbaseSuffix: string;
  merkleBranches: string[];
  /** 8 hex digits, big-endian */
  version: string;
  nbits: string;
  ntime: string;
  /** the job replaces all earlier ones (new block) */
  cleanJobs: boolean;
  /** false when the upstream forbids version rolling for this job */
  versionRolling: boolean;
  /**
   * The difficulty the upstream judges this job's shares at, fixed when the job arrived: Stratum V1 applies
   * set_difficulty from the next notify on, and an Sv2 SetTarget does not apply to jobs already started
   * (SRI channels_sv2 keeps a target per job). A later, easier target never makes this job easier.
   */
  difficulty: number;
}

export interface ChannelShare {
  jobId: string;
  /** hex, exactly `extranonceSize` bytes */
  extranonce: string;
  /** 8 hex digits each, as the miner sent them */
  ntime: string;
  nonce: string;
  /** the same two read as numbers, as the session checked them (an Sv2 upstream sends these) */
  ntimeWord: number;
  nonceWord: number;
  /** the rolled version bits the miner sent (rolled version XOR job version), 8 hex digits */
  versionBits: string;
  /** the full header version those bits give */
  version: number;
  /** where its verdict goes */
  answer: ShareAnswer;
}

/**
 * Where a forwarded share's verdict goes: an object per share with methods, not callbacks (thousands a second pass
 * through, and a promise with its closures per share was a measurable part of the proxy's garbage).
 */
export interface ShareAnswer {
  /** once: the upstream's verdict, or LOST_VERDICT when the channel went away first (possibly during submit itself) */
  verdict(verdict: Verdict): void;
  /** a verdict that arrives after the share was already settled as lost (a closing channel's linger) */
  late(verdict: Verdict): void;
}

/**
 * A forwarded share's answer, which a verdict from elsewhere settles (a quote for its header hash: no latency). The
 * accounting keeps the answer itself, not a closure around it, which each share allocated.
 */
export interface AwaitedAnswer {
  settle(verdict: Verdict, latencyMs: null): void;
}

/**
 * What a refusal means to a miner: the classes cgminer-style firmware (ESP-Miner) counts apart, each a Stratum V1
 * error code. Decided where the refusal is made or read (the pool's own code, never its text searched for words).
 */
export type RejectKind = 'job-not-found' | 'duplicate' | 'low-difficulty' | 'unauthorized' | 'other';

export type Verdict = { accepted: true } | { accepted: false; reason: string; kind: RejectKind };

export const ACCEPTED: Verdict = Object.freeze({ accepted: true });

/** A share whose upstream went away before judging it. */
export const LOST_VERDICT: Verdict = Object.freeze({ accepted: false, reason: UPSTREAM_LOST, kind: 'other' });

export interface ChannelRequest {
  /** the miner's worker name as it authorized */
  worker: string;
  password: string;
  /** identity announced upstream (Sv2: `<worker>.<locking pubkey hex>`) */
  userIdentity: string;
  /** the variable extranonce bytes the bridge needs: miner extranonce1 + extranonce2 */
  minExtranonceSize: number;
  /** H/s, a hint only */
  nominalHashrate: number;
  /** the easiest target the miner wants (from suggest_difficulty), or undefined for any */
  maxTarget?: bigint;
  /** the version-rolling mask the miner was granted (0 = none) */
  versionMask: number;
}

export interface ChannelEvents {
  /** new work; the latest is current */
  job: [job: ChannelJob];
  /** the share target for jobs from now on changed */
  target: [difficulty: number];
  versionMask: [mask: number];
  quote: [notice: QuoteNotice];
  /** the channel is gone; pending submits settle as lost */
  closed: [reason: string];
}

export abstract class UpstreamChannel extends EventEmitter<ChannelEvents> {
  abstract readonly extranonceSize: number;
  abstract readonly difficulty: number;
  /** sends a share; its verdict goes to `share.answer` */
  abstract submit(share: ChannelShare): void;
  /** tells the upstream the miner wants a new difficulty floor */
  abstract suggestDifficulty(difficulty: number): void;
  abstract close(): void;
  abstract readonly currentJob: ChannelJob | undefined;
  /** true once 'closed' was emitted */
  abstract readonly isClosed: boolean;
  /** the version-rolling mask the upstream granted this channel, when it negotiates one (Sv1 mining.configure) */
  versionMask: number | undefined;
}

/**
 * Difficulties from miners and pools are clamped to what a target can express (0xffff / 2^48, about 2^-32: the
 * easiest 256-bit target) and to far above any share a miner can find (1e15, beyond Bitcoin's network difficulty).
 */
export const MIN_DIFFICULTY = 0xffff / 2 ** 48;
export const MAX_DIFFICULTY = 1e15;

export function clampDifficulty(difficulty: number): number {
  return Math.min(MAX_DIFFICULTY, Math.max(MIN_DIFFICULTY, difficulty));
}

export type LinkState = 'connecting' | 'up' | 'down' | 'silent';

/**
 * How late an answer a pool owes (a verdict, a batch's acknowledgement) may be before the pool counts as
 * silent: the silence setting, but never more than 30 s, since a working pool answers within a round trip.
 */
export function owedAnswerMs(silentMs: number): number {
  return Math.min(silentMs, 30_000);
}

export interface LinkEvents {
  state: [state: LinkState, detail?: string];
}

export abstract class UpstreamLink extends EventEmitter<LinkEvents> {
  abstract readonly url: string;
  abstract readonly protocol: 'sv1' | 'sv2';
  /** connects and proves the pool works (jobs flow); rejects when it does not */
  abstract connect(): Promise<void>;
  abstract openChannel(request: ChannelRequest): Promise<UpstreamChannel>;
  /** gracefully: channels first get the verdicts (and quotes) of shares already sent; `immediately` drops them */
  abstract close(immediately?: boolean): void;
  /** last measured round trip to the pool in ms */
  abstract readonly latencyMs: number | undefined;
  /** extranonce bytes the pool leaves to miners, when known before any channel opens (an Sv1 pool's subscribe) */
  extranonceSpace: number | undefined;
}

export class UpstreamError extends Error {
  constructor(
    readonly code: 'connect-failed' | 'rejected' | 'closed' | 'timeout' | 'protocol',
    message: string,
    /** the pool's own error code when it refused (an Sv2 error_code such as `too-many-channels`) */
    readonly poolCode?: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

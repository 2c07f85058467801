/**
 * The two limits on one connection's submits: a rate (a token bucket, so short bursts pass) and a judgement of
 * what it sends: a connection whose submits are mostly invalid (malformed, for unknown jobs, below its target)
 * is dropped, and its address backed off by the server.
 */
import { performance } from 'node:perf_hooks';

export interface SubmitLimits {
  /** submits per second a connection may sustain */
  submitsPerSecond: number;
  /** short bursts above the rate */
  submitBurst: number;
  /** false: a connection sending mostly invalid shares is kept (fuzzing) */
  dropInvalidSubmitters: boolean;
}

/** a connection is judged on its submits once it has made this many... */
const JUDGED_AFTER_SUBMITS = 20;
/** ...and dropped when more than this share of them were invalid */
const MAX_INVALID_SHARE = 0.5;

export class SubmitGuard {
  private tokens: number;
  private lastRefill = performance.now();
  private submits = 0;
  private invalid = 0;

  constructor(private readonly limits: SubmitLimits) {
    this.tokens = limits.submitBurst;
  }

  /** Takes a token; false when the connection submits faster than its rate. */
  allow(): boolean {
    const now = performance.now();
    const { submitsPerSecond, submitBurst } = this.limits;
    this.tokens = Math.min(submitBurst, this.tokens + ((now - this.lastRefill) / 1000) * submitsPerSecond);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Counts a submit; true when the connection has earned being dropped. */
  judge(valid: boolean): boolean {
    this.submits++;
    if (!valid) this.invalid++;
    if (this.limits.dropInvalidSubmitters && this.submits >= JUDGED_AFTER_SUBMITS && this.invalid / this.submits > MAX_INVALID_SHARE) return true;
    // a sliding judgement: old submits weigh less
    if (this.submits >= 4 * JUDGED_AFTER_SUBMITS) {
      this.submits /= 2;
      this.invalid /= 2;
    }
    return false;
  }
}

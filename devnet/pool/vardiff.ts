/**
 * Variable difficulty: each channel gets a target that makes it submit about `sharesPerMinute`
 * shares, never easier than the pool's floor (the ehash minimum difficulty) nor than the
 * client's own maximum target. Pure arithmetic plus a small per-channel state fed with timestamps.
 */
import { MAX_TARGET } from '../../lib/protocol/bitcoin/work';

const TWO_256 = 1n << 256n;

/** Easiest target whose hashes still carry `minimumDifficultyBits` leading zero bits. */
export function floorTargetForBits(minimumDifficultyBits: number): bigint {
  if (!Number.isInteger(minimumDifficultyBits) || minimumDifficultyBits < 0 || minimumDifficultyBits > 255) {
    throw new RangeError('minimum difficulty must be 0..255 leading zero bits');
  }
  return (1n << BigInt(256 - minimumDifficultyBits)) - 1n;
}

/** Expected hashes per share at `target`: 2^256 / (target + 1). */
export function hashesPerShare(target: bigint): number {
  return Number(TWO_256 / (target + 1n));
}

/** Target at which `hashesPerSecond` yields `sharesPerMinute` (SRI's hash_rate_to_target). */
export function hashRateToTarget(hashesPerSecond: number, sharesPerMinute: number): bigint {
  if (!(hashesPerSecond > 0) || !(sharesPerMinute > 0)) return MAX_TARGET;
  const hashesPerShareWanted = (hashesPerSecond * 60) / sharesPerMinute;
  if (hashesPerShareWanted <= 1) return MAX_TARGET;
  // 2^256 / h, computed in fixed point so fractional rates stay meaningful.
  const scaled = BigInt(Math.round(hashesPerShareWanted * 1024));
  const target = (TWO_256 * 1024n) / scaled - 1n;
  return target > MAX_TARGET ? MAX_TARGET : target < 1n ? 1n : target;
}

export function clampTarget(target: bigint, ...ceilings: bigint[]): bigint {
  let out = target;
  for (const ceiling of ceilings) if (out > ceiling) out = ceiling;
  return out < 1n ? 1n : out;
}

export interface VardiffOptions {
  sharesPerMinute: number;
  /** seconds between retargets */
  retargetSeconds: number;
  /** easiest target the pool allows */
  floorTarget: bigint;
}

/** A channel's difficulty controller. Changes only when the observed rate is off by more than 2x. */
export class Vardiff {
  private windowStart: number;
  private sharesInWindow = 0;

  constructor(
    private readonly options: VardiffOptions,
    public target: bigint,
    /** the client's maximum target (it asked for nothing easier) */
    public clientMaxTarget: bigint,
    nowMs: number,
  ) {
    this.windowStart = nowMs;
  }

  onShare(): void {
    this.sharesInWindow += 1;
  }

  /** Returns the new target when it changed, otherwise null. */
  retarget(nowMs: number): bigint | null {
    const elapsedSeconds = (nowMs - this.windowStart) / 1000;
    if (elapsedSeconds < this.options.retargetSeconds) return null;
    const wantedPerSecond = this.options.sharesPerMinute / 60;
    const observedPerSecond = this.sharesInWindow / elapsedSeconds;
    this.windowStart = nowMs;
    const shares = this.sharesInWindow;
    this.sharesInWindow = 0;
    if (observedPerSecond >= wantedPerSecond / 2 && observedPerSecond <= wantedPerSecond * 2) return null;
    // No share at all: assume half a share was due, which quarters the difficulty at most per window.
    const estimatedHashRate = (Math.max(shares, 0.5) * hashesPerShare(this.target)) / elapsedSeconds;
    const next = clampTarget(hashRateToTarget(estimatedHashRate, this.options.sharesPerMinute), this.options.floorTarget, this.clientMaxTarget);
    if (next === this.target) return null;
    this.target = next;
    return next;
  }

  /** The client changed its nominal rate or maximum target (UpdateChannel). */
  update(nominalHashRate: number, clientMaxTarget: bigint, nowMs: number): bigint {
    this.clientMaxTarget = clientMaxTarget;
    return this.reset(hashRateToTarget(nominalHashRate, this.options.sharesPerMinute), nowMs);
  }

  /** Starts a new window at `target` (clamped), e.g. after a miner suggested a difficulty. */
  reset(target: bigint, nowMs: number): bigint {
    this.target = clampTarget(target, this.options.floorTarget, this.clientMaxTarget);
    this.windowStart = nowMs;
    this.sharesInWindow = 0;
    return this.target;
  }
}

/**
 * The firmware's choice of pool (main/tasks/stratum_v1_task.c): the primary until it has closed
 * `failuresBeforeFallback` times in a row without answering, then the fallback, with the primary probed every
 * `primaryProbeMs` (protocol_coordinator.c) and taken back once it hands out work again.
 */
import { type PoolProbe, type ProbedPool, probePool } from './pool-probe';

/** The miner's settings this reads (MinerOptions) */
interface FailoverOptions<Pool extends ProbedPool> {
  pools: () => { primary?: Pool; fallback?: Pool };
  localAddress?: string;
  failuresBeforeFallback?: number;
  primaryProbeMs?: number;
  probeTimeoutMs?: number;
}

export interface FailoverHost {
  userAgent: string;
  /** runs `fn` after `ms` unless the miner stopped meanwhile */
  later(ms: number, fn: () => void): void;
  log(level: 'W' | 'I', tag: string, message: string): void;
  /** the primary is back: drop the fallback's connection (the redial chooses again) */
  leaveFallback(): void;
}

export class PoolFailover<Pool extends ProbedPool> {
  private failures = 0;
  private fallbackActive = false;
  private probe: PoolProbe | undefined;
  private cancelled = false;

  constructor(
    private readonly options: FailoverOptions<Pool>,
    private readonly host: FailoverHost,
  ) {}

  get usingFallback(): boolean {
    return this.fallbackActive;
  }

  /** The stratum task starts on the primary. */
  reset(): void {
    this.failures = 0;
    this.fallbackActive = false;
    this.cancelled = false;
  }

  /** The pool to dial now, read from the settings at every attempt (pool edits apply on the next one). */
  choose(): Pool | undefined {
    const { primary, fallback } = this.options.pools();
    if (this.fallbackActive && fallback) return fallback;
    this.fallbackActive = false;
    return primary ?? fallback;
  }

  /** Any answer to a setup message, accepted or refused: only a pool that says nothing sends the firmware away. */
  answered(): void {
    this.failures = 0;
  }

  /** A connection ended (or never came up) without the pool asking for it. */
  closed(): void {
    this.failures += 1;
    if (this.failures < (this.options.failuresBeforeFallback ?? 3) || this.fallbackActive || !this.options.pools().fallback) return;
    this.host.log('W', 'stratum_task', 'Switching to fallback pool');
    this.fallbackActive = true;
    this.failures = 0;
    this.scheduleProbe();
  }

  /** The miner stopped: a probe under way ends and none follows. */
  cancel(): void {
    this.cancelled = true;
    this.probe?.cancel();
  }

  private scheduleProbe(): void {
    this.host.later(this.options.primaryProbeMs ?? 60_000, () => {
      const primary = this.options.pools().primary;
      if (!this.fallbackActive || this.cancelled || !primary) return;
      this.probe = probePool(primary, { userAgent: this.host.userAgent, localAddress: this.options.localAddress, timeoutMs: this.options.probeTimeoutMs ?? 5000 });
      void this.probe.result.then((ok) => {
        if (!this.fallbackActive || this.cancelled) return;
        if (!ok) return this.scheduleProbe();
        this.host.log('I', 'stratum_task', 'Primary pool is back, switching from fallback');
        this.fallbackActive = false;
        this.failures = 0;
        this.host.leaveFallback();
      });
    });
  }
}

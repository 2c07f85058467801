import { performance } from 'node:perf_hooks';
import type { Sv1Id } from '../../lib/protocol/sv1/codec';
import type { LocalShare } from './share-record';
import { LOST_VERDICT, type ShareAnswer, type Verdict } from './upstream';
import type { Deadlined } from './verdict-deadlines';

/** What a forwarded share reports to: the session that forwarded it. */
export interface ForwardedShareOwner {
  /** a verdict for a share already settled as lost */
  lateVerdict(answer: ForwardedShare, verdict: Verdict): void;
  /** the share's verdict, once: the ledger, the counters and (if still waiting) the miner hear it */
  settleForwarded(answer: ForwardedShare, verdict: Verdict, latency: number | null): void;
  /** no verdict within `verdictTimeoutMs`: the miner hears that the share met its target */
  answerUnjudged(answer: ForwardedShare): void;
}

/**
 * One forwarded share until its verdict: the upstream's answer, a quote for it, or the channel's loss settles it
 * once. An object per share with its methods on the prototype, not a set of closures: thousands pass through a second.
 */
export class ForwardedShare implements ShareAnswer, Deadlined {
  shareId = 0;
  answered = false;
  readonly started = performance.now();
  private settled = false;
  deadline = 0;
  previous: Deadlined | undefined = undefined;
  next: Deadlined | undefined = undefined;

  constructor(
    readonly session: ForwardedShareOwner,
    readonly requestId: Sv1Id,
    readonly local: LocalShare,
  ) {}

  verdict(verdict: Verdict): void {
    this.settle(verdict, verdict === LOST_VERDICT ? null : performance.now() - this.started);
  }

  late(verdict: Verdict): void {
    this.session.lateVerdict(this, verdict);
  }

  settle(verdict: Verdict, latency: number | null): void {
    if (this.settled) return;
    this.settled = true;
    this.session.settleForwarded(this, verdict, latency);
  }

  overdue(): void {
    this.session.answerUnjudged(this);
  }
}

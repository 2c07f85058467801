/**
 * One truth per share: the ledger row, the event the dashboard streams and what the miner was told come
 * from here. A verdict that arrives from elsewhere settles the share too: a late Success for a share the
 * proxy had to give up as lost, or a quote the wallet minted for its header hash (hashpool quotes only
 * shares it accepted; a lone share sent just before its miner left is never acknowledged by a Success,
 * since hashpool acknowledges per batch of 10, but its quote comes).
 */
import { EventEmitter } from 'node:events';
import type { ShareJson } from '../api/mining';
import { ShareLedger, UPSTREAM_LOST } from './ledger';
import type { RetentionPolicy } from './ledger-history';
import type { MinerSession } from './miner-session';
import type { LocalShare, ShareRecord } from './share-record';
import { IdTable } from './id-table';
import { isoTime } from './iso-time';
import { type AwaitedAnswer, LOST_VERDICT, type Verdict } from './upstream';

export type ShareEvent = ShareJson;
/** What a share's row and event take from the miner's session. */
export type ShareMiner = Pick<MinerSession, 'id' | 'worker'>;

export interface Correction {
  minerId: string;
  from: Verdict;
  to: Verdict;
  difficulty: number;
}

export interface AccountingEvents {
  share: [share: ShareEvent];
  /** a judged share's verdict changed; the miner's session (if still connected) recounts */
  corrected: [correction: Correction];
}

const RECENT_SHARES = 100;
/**
 * Events kept to show RECENT_SHARES shares: a share has at most three (recorded, judged, a lost verdict corrected).
 * Publishing only overwrites the oldest; the newest event of each share is picked out when they are read, which is
 * rare. Moving a share's event to the end of a list on its verdict cost each submit ~8,500 instructions under
 * callgrind (the search, the splice and the write barriers of the elements it moved; 2026-12-07).
 */
const RECENT_EVENTS = 3 * RECENT_SHARES;

function toEvent(share: ShareRecord): ShareEvent {
  return {
    shareId: share.id,
    minerId: share.minerId,
    worker: share.worker,
    verdict: share.verdict,
    reason: share.reason,
    difficulty: share.difficulty,
    shareDifficulty: share.shareDifficulty,
    headerHash: share.headerHash,
    latencyMs: share.latencyMs,
    upstream: share.upstream,
    at: isoTime(share.at),
  };
}

interface Awaiting {
  headerHash: string;
  upstream: string;
  answer: AwaitedAnswer;
}

export class ShareAccounting extends EventEmitter<AccountingEvents> {
  readonly ledger: ShareLedger;
  /** the newest share events, a ring: RECENT_EVENTS slots, `nextSlot` the oldest's (the next to be overwritten) */
  private readonly recent: (ShareEvent | undefined)[] = new Array<ShareEvent | undefined>(RECENT_EVENTS);
  private nextSlot = 0;
  /** forwarded shares without a verdict, by id */
  private readonly awaiting = new IdTable<Awaiting>();

  constructor(ledgerPath: string, onWriteError: (message: string) => void, retention?: Partial<RetentionPolicy>) {
    super();
    this.ledger = new ShareLedger(ledgerPath, onWriteError, retention);
    for (const share of this.ledger.recent(RECENT_SHARES).reverse()) this.remember(toEvent(share));
  }

  /** A share forwarded to `upstream` (awaiting: a verdict from elsewhere reaches `answer`), or judged here (`verdict`). */
  record(session: ShareMiner, share: LocalShare, upstream: string, answer?: AwaitedAnswer, verdict?: Verdict): number {
    const at = Date.now();
    const judged = verdict && { verdict: verdict.accepted ? ('accepted' as const) : ('rejected' as const), reason: verdict.accepted ? null : verdict.reason };
    const id = this.ledger.record(
      { at, minerId: session.id, worker: session.worker, upstream, jobId: share.upstreamJobId, headerHash: share.headerHash, difficulty: share.difficulty, shareDifficulty: share.shareDifficulty },
      judged,
    );
    if (!judged && answer) this.awaiting.set(id, { headerHash: share.headerHash, upstream, answer });
    this.publish(this.eventOf(session, share, id, at, upstream, judged?.verdict ?? 'awaiting', judged?.reason ?? null, null));
    return id;
  }

  /** The verdict of a forwarded share (the upstream's, or lost with its channel). */
  settle(session: ShareMiner, share: LocalShare, shareId: number, verdict: Verdict, latencyMs: number | null): void {
    const awaiting = this.awaiting.delete(shareId);
    const reason = verdict.accepted ? null : verdict.reason;
    this.ledger.settle(shareId, verdict.accepted ? 'accepted' : 'rejected', reason, latencyMs);
    this.publish(this.eventOf(session, share, shareId, Date.now(), awaiting?.upstream ?? '', verdict.accepted ? 'accepted' : 'rejected', reason, latencyMs));
  }

  /** A verdict for a share already given up as lost (it arrived while its channel lingered). */
  late(shareId: number, verdict: Verdict): void {
    const share = this.ledger.get(shareId);
    if (share) this.correctLost(share, verdict);
  }

  /**
   * The wallet minted a quote for this header hash: the pool accepted the share. A share still awaiting is
   * settled (its miner, if still waiting, hears it); one recorded lost is corrected. Returns the share it settled,
   * or nothing when there was nothing left to settle (already accepted, or not a share of this proxy).
   */
  acceptedByQuote(headerHash: string): ShareEvent | undefined {
    const hex = headerHash.toLowerCase();
    // the first share awaiting with this hash (a quote comes for each accepted share: the few in flight are searched)
    const waiting = this.awaiting.ids().find((id) => this.awaiting.get(id)!.headerHash === hex);
    if (waiting !== undefined) {
      this.awaiting.get(waiting)!.answer.settle({ accepted: true }, null);
      const settled = this.ledger.get(waiting);
      return settled && toEvent(settled);
    }
    const lost = this.ledger.rejectedByHeaderHash(hex).find((share) => share.reason === UPSTREAM_LOST);
    if (!lost) return undefined;
    this.correctLost(lost, { accepted: true });
    return toEvent(this.ledger.get(lost.id) ?? lost);
  }

  /** The newest RECENT_SHARES shares, oldest first, each as its latest event: a verdict moves its share to the end. */
  recentShares(): ShareEvent[] {
    const seen = new Set<number>();
    const newestFirst: ShareEvent[] = [];
    for (let back = 1; back <= RECENT_EVENTS && newestFirst.length < RECENT_SHARES; back++) {
      const event = this.recent[(this.nextSlot - back + RECENT_EVENTS) % RECENT_EVENTS];
      if (event === undefined) break;
      if (seen.has(event.shareId)) continue;
      seen.add(event.shareId);
      newestFirst.push(event);
    }
    return newestFirst.reverse();
  }

  shares(limit: number): ShareEvent[] {
    return this.ledger.recent(limit).map(toEvent);
  }

  shareByHeaderHash(hex: string): ShareEvent | undefined {
    const share = this.ledger.shareByHeaderHash(hex);
    return share ? toEvent(share) : undefined;
  }

  close(): Promise<void> {
    return this.ledger.close();
  }

  private correctLost(share: ShareRecord, verdict: Verdict): void {
    if (share.verdict !== 'rejected' || share.reason !== UPSTREAM_LOST) return;
    this.ledger.correct(share, verdict.accepted ? 'accepted' : 'rejected', verdict.accepted ? null : verdict.reason);
    const corrected = this.ledger.get(share.id);
    if (corrected) this.publish(toEvent(corrected));
    this.emit('corrected', { minerId: share.minerId, from: LOST_VERDICT, to: verdict, difficulty: share.difficulty });
  }

  /** Built in one piece: two of these are made for every share. */
  private eventOf(session: ShareMiner, share: LocalShare, shareId: number, at: number, upstream: string, verdict: ShareEvent['verdict'], reason: string | null, latencyMs: number | null): ShareEvent {
    return {
      shareId,
      minerId: session.id,
      worker: session.worker,
      verdict,
      reason,
      difficulty: share.difficulty,
      shareDifficulty: share.shareDifficulty,
      headerHash: share.headerHash,
      latencyMs,
      upstream,
      at: isoTime(at),
    };
  }

  private publish(event: ShareEvent): void {
    this.remember(event);
    this.emit('share', event);
  }

  private remember(event: ShareEvent): void {
    this.recent[this.nextSlot] = event;
    this.nextSlot = (this.nextSlot + 1) % RECENT_EVENTS;
  }
}

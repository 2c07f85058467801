/**
 * One extended Sv2 channel (one miner, or all of them when aggregated): future jobs + SetNewPrevHash become
 * Sv1-shaped work, shares go out as SubmitSharesExtended, batched successes and named errors come back as
 * verdicts, and hashpool's quote notices (0xC0/0xC1) are raised for the wallet.
 *
 * What the pool owes this channel is tracked, because a pool that keeps the connection open but stops
 * answering must be noticed without mistaking hashpool's normal quiet for it: hashpool acknowledges
 * accepted shares once per batch of 10 (config share_batch_size) and sends jobs only on new templates, so
 * an unanswered share alone proves nothing; a full batch without its SubmitShares.Success does.
 */
import { bigIntToLeBytes, bytesToHex, difficultyFromTarget, hexToBytes, leBytesToBigInt, swapWords32, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import type { Sv2AnyMessage, Sv2Message, Sv2MessageOf } from '../../lib/protocol/sv2/messages';
import { AwaitingVerdicts } from './awaiting-verdicts';
import { ACCEPTED, type ChannelJob, type ChannelShare, clampDifficulty, LOST_VERDICT, type RejectKind, type ShareAnswer, UpstreamChannel, type Verdict } from './upstream';

type JobMessage = Sv2MessageOf<'NewExtendedMiningJob'>;
type PrevHash = Sv2MessageOf<'SetNewPrevHash'>;

/** How long it then stays open for their quote notifications. */
const QUOTE_LINGER_MS = 6_000;
/** hashpool's share_batch_size (config/pool.config.toml), until the pool's own Success messages say otherwise */
export const DEFAULT_SHARE_BATCH = 10;

/** The part of the pool connection a channel uses. */
export interface ChannelLink {
  send(message: Sv2Message): void;
  forget(channel: Sv2Channel): void;
}

/** SubmitShares.Error codes as SRI pools and hashpool name them (devnet/pool/shares.ts), by what they mean to a miner. */
const SV2_REJECT_KINDS: ReadonlyMap<string, RejectKind> = new Map([
  ['invalid-job-id', 'job-not-found'],
  ['stale-share', 'job-not-found'],
  ['duplicate-share', 'duplicate'],
  ['difficulty-too-low', 'low-difficulty'],
]);

/** Whether sequence number `seq` is `last` or came before it: within the 2^31 numbers before, as they wrap at 2^32. */
function sentBy(seq: number, last: number): boolean {
  return (last - seq) >>> 0 < 2 ** 31;
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

interface PendingShare {
  answer: ShareAnswer;
  sentAt: number;
}

export class Sv2Channel extends UpstreamChannel {
  currentJob: ChannelJob | undefined;
  difficulty: number;
  private sequence = 0;
  private readonly pending = new AwaitingVerdicts<PendingShare>();
  /** shares settled as lost when a closing channel's grace ran out; a verdict arriving while it lingers still counts */
  private readonly lost = new Map<number, ShareAnswer>();
  private readonly futureJobs = new Map<number, JobMessage>();
  private readonly jobs = new Map<number, JobMessage>();
  private prevHash: PrevHash | undefined;
  private closedReason: string | undefined;
  private closing = false;
  private onSettled: (() => void) | undefined;
  /** the largest batch the pool acknowledged at once (its share_batch_size), once it has acknowledged any */
  private batch: number | undefined;
  /** when an UpdateChannel went out that the pool has not answered (SetTarget or UpdateChannel.Error) yet */
  private updateSentAt: number | undefined;

  constructor(
    /** the pool connection (by its number on the session) the channel was opened on */
    readonly generation: number,
    private readonly link: ChannelLink,
    readonly channelId: number,
    readonly groupChannelId: number,
    readonly extranonceSize: number,
    private extranoncePrefix: Uint8Array,
    target: Uint8Array,
    /** how long a closing channel waits for the verdicts of shares already sent */
    private readonly graceMs: number,
  ) {
    super();
    this.difficulty = clampDifficulty(difficultyFromTarget(leBytesToBigInt(target)));
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Since when the pool owes this channel an answer (ms), or undefined when it owes nothing. */
  owedSince(): number | undefined {
    let owed = this.updateSentAt;
    const batch = this.batch ?? DEFAULT_SHARE_BATCH;
    // the batch-th unanswered share sent completed a batch: its Success is due from the moment it was sent
    const sentAt = this.pending.nth(batch - 1)?.sentAt;
    if (sentAt !== undefined) owed = owed === undefined ? sentAt : Math.min(owed, sentAt);
    return owed;
  }

  submit(share: ChannelShare): void {
    if (this.closedReason !== undefined) return share.answer.verdict(LOST_VERDICT);
    const jobId = Number(share.jobId);
    const sequenceNumber = this.sequence;
    this.sequence = (this.sequence + 1) >>> 0;
    // a share the pool has not answered in the 2^31 sent since can no longer be told by its number from one sent later
    for (let first = this.pending.first(); first !== undefined && !sentBy(first, sequenceNumber); first = this.pending.first()) {
      this.pending.take(first)!.answer.verdict(LOST_VERDICT);
    }
    this.pending.add(sequenceNumber, { answer: share.answer, sentAt: Date.now() });
    try {
      this.link.send({
        type: 'SubmitSharesExtended',
        channelId: this.channelId,
        sequenceNumber,
        jobId,
        nonce: share.nonceWord,
        ntime: share.ntimeWord,
        version: share.version >>> 0,
        extranonce: hexToBytes(share.extranonce),
      });
    } catch {
      // a share that cannot be encoded was never sent: nothing will judge it
      this.pending.take(sequenceNumber);
      share.answer.verdict(LOST_VERDICT);
    }
  }

  suggestDifficulty(difficulty: number): void {
    if (this.closedReason !== undefined || this.closing) return;
    this.updateSentAt ??= Date.now();
    this.link.send({ type: 'UpdateChannel', channelId: this.channelId, nominalHashRate: (difficulty * 2 ** 32) / 10, maximumTarget: bigIntToLeBytes(targetFromDifficulty(difficulty)) });
  }

  /**
   * Closes once the shares already sent are judged (at most `graceMs`), then lingers long enough for their quote
   * notifications (hashpool polls the mint every 5 s), so a departed miner's ehash is still announced. A share
   * still unjudged after the grace is settled as lost, but a Success or Error that arrives while the channel
   * lingers still reaches it through its `late` callback.
   */
  close(): void {
    if (this.closedReason !== undefined || this.closing) return;
    this.closing = true;
    const finish = () => {
      if (this.closedReason !== undefined) return;
      this.link.send({ type: 'CloseChannel', channelId: this.channelId, reasonCode: 'miner-disconnected' });
      this.shut('closed by proxy');
    };
    const linger = () => setTimeout(finish, QUOTE_LINGER_MS).unref();
    if (this.pending.size === 0) {
      linger();
      return;
    }
    const grace = setTimeout(() => {
      this.onSettled = undefined;
      for (let seq = this.pending.first(); seq !== undefined; seq = this.pending.first()) {
        const p = this.pending.take(seq)!;
        p.answer.verdict(LOST_VERDICT);
        this.lost.set(seq, p.answer);
      }
      linger();
    }, this.graceMs);
    grace.unref();
    this.onSettled = () => {
      this.onSettled = undefined;
      clearTimeout(grace);
      linger();
    };
  }

  /** Ends the channel: unanswered shares are lost with it (the ledger marks them so). */
  shut(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.link.forget(this);
    for (let seq = this.pending.first(); seq !== undefined; seq = this.pending.first()) this.pending.take(seq)!.answer.verdict(LOST_VERDICT);
    this.lost.clear();
    this.emit('closed', reason);
  }

  handle(message: Sv2AnyMessage): void {
    switch (message.type) {
      case 'NewExtendedMiningJob':
        if (this.closing) return;
        if (message.minNtime === undefined) {
          this.futureJobs.set(message.jobId, message);
          if (this.futureJobs.size > 16) this.futureJobs.delete(this.futureJobs.keys().next().value!);
        } else {
          this.remember(message);
          if (this.prevHash) this.publish(message, message.minNtime, false);
        }
        return;
      case 'SetNewPrevHash': {
        this.prevHash = message;
        const job = this.futureJobs.get(message.jobId) ?? this.jobs.get(message.jobId);
        this.futureJobs.clear();
        this.jobs.clear();
        if (!job) return;
        this.remember(job);
        this.publish(job, message.minNtime, true);
        return;
      }
      case 'SetTarget':
        this.difficulty = clampDifficulty(difficultyFromTarget(leBytesToBigInt(message.maximumTarget)));
        this.answered();
        this.emit('target', this.difficulty);
        return;
      case 'UpdateChannelError':
        this.answered();
        return;
      case 'SetExtranoncePrefix':
        // Applies to jobs from now on; the miner's extranonce1 stays, the new prefix rides in coinb1.
        if (message.extranoncePrefix.length + this.extranonceSize <= 32) this.extranoncePrefix = message.extranoncePrefix;
        return;
      case 'SubmitSharesSuccess': {
        this.batch = Math.max(this.batch ?? 0, message.newSubmitsAcceptedCount);
        // A success covers every share up to last_sequence_number that was not named in an error (sequence numbers
        // wrap at 2^32, so "up to" is within the half before it): those sent first, taken from the front
        for (let seq = this.pending.first(); seq !== undefined && sentBy(seq, message.lastSequenceNumber); seq = this.pending.first()) {
          this.pending.take(seq)!.answer.verdict(ACCEPTED);
        }
        for (const [seq, answer] of this.lost) {
          if (!sentBy(seq, message.lastSequenceNumber)) continue;
          this.lost.delete(seq);
          answer.late(ACCEPTED);
        }
        if (this.pending.size === 0) this.onSettled?.();
        return;
      }
      case 'SubmitSharesError': {
        const verdict: Verdict = { accepted: false, reason: message.errorCode || 'rejected', kind: SV2_REJECT_KINDS.get(message.errorCode) ?? 'other' };
        this.pending.take(message.sequenceNumber)?.answer.verdict(verdict);
        this.lost.get(message.sequenceNumber)?.late(verdict);
        this.lost.delete(message.sequenceNumber);
        if (this.pending.size === 0) this.onSettled?.();
        return;
      }
      case 'MintQuoteNotification':
        this.emit('quote', { quoteId: message.quoteId, amount: message.amount });
        return;
      case 'MintQuoteFailure':
        this.emit('quote', { quoteId: message.quoteId, amount: 0n, error: { code: message.errorCode, message: message.errorMessage } });
        return;
      case 'CloseChannel':
        this.shut(`pool closed the channel: ${message.reasonCode}`);
        return;
      default:
    }
  }

  /** The pool answered an UpdateChannel (or set a target on its own, which proves it alive just as well). */
  private answered(): void {
    this.updateSentAt = undefined;
  }

  private remember(job: JobMessage): void {
    this.jobs.set(job.jobId, job);
    if (this.jobs.size > 32) this.jobs.delete(this.jobs.keys().next().value!);
  }

  /** The job is judged at the target in force now, whatever SetTarget comes later (SRI channels_sv2: a target per job). */
  private publish(job: JobMessage, ntime: number, clean: boolean): void {
    const prev = this.prevHash!;
    this.currentJob = {
      jobId: String(job.jobId),
      prevHash: bytesToHex(swapWords32(prev.prevHash)),
      coinbasePrefix: bytesToHex(job.coinbaseTxPrefix) + bytesToHex(this.extranoncePrefix),
      coinbaseSuffix: bytesToHex(job.coinbaseTxSuffix),
      merkleBranches: job.merklePath.map((node) => bytesToHex(node)),
      version: hex32(job.version),
      nbits: hex32(prev.nbits),
      ntime: hex32(ntime),
      cleanJobs: clean,
      versionRolling: job.versionRollingAllowed,
      difficulty: this.difficulty,
    };
    this.emit('job', this.currentJob);
  }
}

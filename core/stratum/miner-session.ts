/**
 * One miner on the Stratum V1 port, speaking exactly what ESP-Miner expects (research/bitaxe.md):
 * configure/subscribe/authorize answered, set_difficulty (a JSON number) before the first notify and
 * before any notify that changes it, shares answered with the upstream's verdict.
 *
 * The miner's extranonce1 is ours and never changes; everything the upstream fixes in the coinbase
 * (its prefix, any spare extranonce bytes) is folded into coinb1, so a failover only means new jobs.
 *
 * A job is never handed out easier than the upstream judges it: each upstream job keeps the difficulty it
 * came with (ChannelJob.difficulty), so work in flight stays valid when the difficulty changes and no job
 * has to be cleaned. Shares below the miner's own target, and shares it already sent, are answered here and
 * never forwarded (a neighbour must not get the user's name rejected at the pool); every
 * line is handled on its own, and a bad one costs an error answer, never the connection or the process.
 */
import type { Socket } from 'node:net';
import type { MiningSnapshot } from '../api/mining';
import type { Logger } from '../../lib/log';
import { SV1_ERRORS, type Sv1Id, type Sv1Request, sv1Error, sv1Request, sv1Result } from '../../lib/protocol/sv1/codec';
import { hexWord, isHex, notifyParams } from '../../lib/protocol/sv1/job';
import { ForwardedShare, type ForwardedShareOwner } from './forwarded-share';
import { JobBook, meetsTarget } from './job-book';
import { SessionStats } from './session-stats';
import { hashDifficulty, rolledVersion, ShareHasher } from './share-hasher';
import type { LocalShare } from './share-record';
import { SubmitGuard, type SubmitLimits } from './submit-guard';
import { type LineHandler, Sv1Connection } from './sv1-connection';
import type { VerdictDeadlines } from './verdict-deadlines';
import { type AwaitedAnswer, type ChannelJob, type ChannelShare, clampDifficulty, type RejectKind, type UpstreamChannel, type Verdict } from './upstream';

/** The version bits any miner may roll (BIP320 general-purpose bits). */
export const VERSION_ROLLING_MASK = 0x1fffe000;
/** the reason recorded for a share below the miner's own target (ESP-Miner shows the text of the error) */
export const LOW_DIFFICULTY = 'low-difficulty';
/** the reason recorded for a share this connection already sent (what SRI pools call it) */
export const DUPLICATE = 'duplicate-share';
export type SessionLimits = SubmitLimits;

/** `commit` binds the opened channel; called right after the authorize answer so work follows it in the same write. */
export type AttachOutcome = { ok: true; commit: () => void } | { ok: false; reason: string };

/** What a session needs from the proxy around it. */
export interface SessionHost {
  readonly deadlines: VerdictDeadlines;
  readonly limits: SessionLimits;
  readonly logger: Logger;
  /** opens an upstream channel for the session; resolves when it has work or the attempt ended */
  attach(session: MinerSession): Promise<AttachOutcome>;
  /**
   * Records a share; returns its id. Without `verdict` it was forwarded and awaits one: `answer` is how a verdict
   * known elsewhere first (a quote for its header hash) reaches it.
   */
  recordShare(session: MinerSession, share: LocalShare, answer?: AwaitedAnswer, verdict?: Verdict): number;
  settleShare(session: MinerSession, share: LocalShare, shareId: number, verdict: Verdict, latencyMs: number | null): void;
  /** a verdict for a share already settled as lost */
  lateVerdict(session: MinerSession, share: LocalShare, shareId: number, verdict: Verdict): void;
  sessionClosed(session: MinerSession): void;
  noteInvalid(session: MinerSession, reason: string): void;
  /** the connection was dropped for sending mostly invalid shares */
  misbehaved(session: MinerSession): void;
}

/** The Stratum V1 error code a miner is answered with for each kind of refusal, so cgminer-style miners classify it. */
const SV1_CODE_OF: Readonly<Record<RejectKind, number>> = {
  'job-not-found': SV1_ERRORS.jobNotFound,
  duplicate: SV1_ERRORS.duplicateShare,
  'low-difficulty': SV1_ERRORS.lowDifficulty,
  unauthorized: SV1_ERRORS.unauthorized,
  other: SV1_ERRORS.other,
};

export class MinerSession implements LineHandler, ForwardedShareOwner {
  readonly connectedAt = Date.now();
  worker = '';
  password = '';
  userAgent = '';
  subscribed = false;
  authorized = false;
  /** true while authorize waits for its first channel (failover leaves such a miner alone) */
  attaching = false;
  extranonceSubscribed = false;
  /** what the miner asked for in mining.configure; 0 = no version rolling */
  requestedMask = 0;
  /** the mask last told to the miner */
  grantedMask = 0;
  suggestedDifficulty: number | undefined;
  sentDifficulty: number | undefined;
  channel: UpstreamChannel | undefined;
  readonly stats = new SessionStats(this.connectedAt);

  private readonly conn: Sv1Connection;
  private readonly jobs = new JobBook();
  /** made on the first submit: a miner that never submits holds none */
  private hasher: ShareHasher | undefined;
  private readonly guard: SubmitGuard;
  private lastNotifyAt = 0;
  private pinged = false;
  private nextPingId = 1;
  // Bound once, for whichever channel the session is on: closures made per channel would each carry, under tsx
  // (keepNames), a property table of its own (~0.3 KB each, a thousand miners' worth of them)
  private readonly jobListener = this.onChannelJob.bind(this);
  private readonly targetListener = this.reissueIfDifficultyChanged.bind(this);
  private readonly maskListener = this.updateMask.bind(this);

  constructor(
    readonly id: string,
    /** ip:port of the connection */
    readonly address: string,
    socket: Socket,
    private readonly host: SessionHost,
    /** hex; ours, fixed for the session */
    public extranonce1: string,
    public extranonce2Size: number,
  ) {
    this.guard = new SubmitGuard(host.limits);
    this.conn = new Sv1Connection(socket, this);
  }

  get isClosed(): boolean {
    return this.conn.isClosed;
  }

  /** Minimum variable extranonce an upstream channel must give this miner. */
  get extranonceNeeded(): number {
    return this.extranonce1.length / 2 + this.extranonce2Size;
  }

  get difficulty(): number | undefined {
    return this.sentDifficulty;
  }

  /** `flush`: what was written still goes out (a client.reconnect), otherwise the connection is cut. */
  close(flush = false): void {
    this.conn.close(flush);
  }

  /**
   * Deadlines: subscribe and authorize within `handshakeMs` of connecting; after that, a miner silent for half of
   * `idleMs` is pinged (ESP-Miner answers mining.ping, however long its shares take) and one silent for all of it closed.
   */
  checkDeadlines(now: number, handshakeMs: number, idleMs: number): 'handshake' | 'idle' | undefined {
    if (!(this.subscribed && this.authorized)) return now - this.connectedAt > handshakeMs ? 'handshake' : undefined;
    const silent = now - this.conn.lastHeardAt;
    if (silent > idleMs) return 'idle';
    if (silent <= idleMs / 2) this.pinged = false;
    else if (!this.pinged) {
      this.pinged = true;
      this.write(sv1Request(this.nextPingId++, 'mining.ping', []));
    }
    return undefined;
  }

  /** Moves the miner onto a channel (first attach or failover): its next notify is clean. */
  useChannel(channel: UpstreamChannel): void {
    const previous = this.channel;
    if (previous) this.stopListening(previous);
    this.channel = channel;
    this.jobs.reset();
    channel.on('job', this.jobListener);
    channel.on('target', this.targetListener);
    channel.on('versionMask', this.maskListener);
    if (previous && previous !== channel) previous.close();
    // the mask was negotiated while the channel opened, before this session listened
    if (channel.versionMask !== undefined) this.updateMask(channel.versionMask);
    if (channel.currentJob) this.sendJob(channel, channel.currentJob, true);
  }

  /** Resends the current job with a fresh id so miners that watch for silence see a live pool; never a dead channel's job. */
  keepalive(now: number, intervalMs: number): void {
    const channel = this.channel;
    if (!channel || channel.isClosed || !channel.currentJob || now - this.lastNotifyAt < intervalMs) return;
    this.sendJob(channel, channel.currentJob, false);
  }

  /** Gives the miner a new extranonce layout (after an upstream with less space); needs a reconnect if it cannot take set_extranonce. */
  relayout(extranonce1: string, extranonce2Size: number): void {
    if (this.extranonceSubscribed) {
      this.extranonce1 = extranonce1;
      this.extranonce2Size = extranonce2Size;
      this.jobs.reset();
      this.write(sv1Request(null, 'mining.set_extranonce', [extranonce1, extranonce2Size]));
    } else {
      this.write(sv1Request(null, 'client.reconnect', []));
      this.close(true);
    }
  }

  /** The difficulty this miner gets for `job`: never easier than the upstream judges that job, nor than asked for. */
  difficultyFor(channel: UpstreamChannel, job: ChannelJob): number {
    return Math.max(job.difficulty, channel.difficulty, this.suggestedDifficulty ?? 0);
  }

  snapshot(now: number, upstream: string | null): MiningSnapshot['miners'][number] {
    const s = this.stats;
    return {
      id: this.id,
      worker: this.worker,
      address: this.address,
      userAgent: this.userAgent,
      connectedAt: new Date(this.connectedAt).toISOString(),
      difficulty: this.sentDifficulty ?? null,
      hashrate: s.hashrate(now),
      lastShareAt: s.lastShareAt === null ? null : new Date(s.lastShareAt).toISOString(),
      accepted: s.accepted,
      rejected: s.rejected,
      awaiting: s.awaiting,
      rejectReasons: { ...s.rejectReasons },
      latencyMs: s.latencyMs,
      versionMask: this.grantedMask.toString(16).padStart(8, '0'),
      upstream: this.channel ? upstream : null,
    };
  }

  private reissueIfDifficultyChanged(): void {
    const channel = this.channel;
    const current = channel?.currentJob;
    if (channel && current && this.difficultyFor(channel, current) !== this.sentDifficulty) this.sendJob(channel, current, false);
  }

  private updateMask(upstreamMask: number): void {
    if (this.requestedMask === 0) return;
    const mask = (this.requestedMask & VERSION_ROLLING_MASK & upstreamMask) >>> 0;
    if (mask !== this.grantedMask) {
      this.grantedMask = mask;
      this.write(sv1Request(null, 'mining.set_version_mask', [mask.toString(16).padStart(8, '0')]));
    }
  }

  private sendJob(channel: UpstreamChannel, job: ChannelJob, clean: boolean): void {
    if (this.isClosed || channel !== this.channel) return;
    const padBytes = channel.extranonceSize - this.extranonceNeeded;
    if (padBytes < 0) return; // the proxy relayouts such a miner before giving it work
    const pad = '00'.repeat(padBytes);
    if (!job.versionRolling && this.grantedMask !== 0) this.updateMask(0);
    const difficulty = this.difficultyFor(channel, job);
    if (difficulty !== this.sentDifficulty) {
      this.sentDifficulty = difficulty;
      this.write(sv1Request(null, 'mining.set_difficulty', [difficulty]));
    }
    const sv1 = this.jobs.issue(channel, job, difficulty, pad, clean);
    this.lastNotifyAt = Date.now();
    this.write(sv1Request(null, 'mining.notify', notifyParams(sv1)));
  }

  private write(line: string): void {
    this.conn.write(line);
  }

  private stopListening(channel: UpstreamChannel): void {
    channel.off('job', this.jobListener);
    channel.off('target', this.targetListener);
    channel.off('versionMask', this.maskListener);
  }

  private onChannelJob(job: ChannelJob): void {
    if (this.channel) this.sendJob(this.channel, job, job.cleanJobs);
  }

  /** LineHandler: the connection closed. */
  onConnectionClosed(): void {
    if (this.channel) {
      this.stopListening(this.channel);
      this.channel.close();
    }
    this.channel = undefined;
    this.host.sessionClosed(this);
  }

  /** LineHandler: a line the connection could not hand over, or whose handling threw (`internal`). */
  onInvalidLine(reason: string, internal?: unknown): void {
    this.host.noteInvalid(this, reason);
    if (internal !== undefined) this.host.logger.warn('a miner line could not be handled', { miner: this.id, error: internal instanceof Error ? internal.message : String(internal) });
  }

  /** LineHandler: one request, in order; authorize returns the promise the next line waits for. */
  onLine(request: Sv1Request): Promise<void> | undefined {
    const { id, params } = request;
    switch (request.method) {
      case 'mining.configure':
        this.onConfigure(id, params);
        return;
      case 'mining.subscribe':
        this.subscribed = true;
        if (typeof params[0] === 'string') this.userAgent = params[0].slice(0, 64);
        this.write(
          sv1Result(id, [
            [
              ['mining.set_difficulty', this.id],
              ['mining.notify', this.id],
            ],
            this.extranonce1,
            this.extranonce2Size,
          ]),
        );
        return;
      case 'mining.authorize':
        return this.onAuthorize(id, params);
      case 'mining.suggest_difficulty':
        this.onSuggestDifficulty(id, params[0]);
        return;
      case 'mining.extranonce.subscribe':
        this.extranonceSubscribed = true;
        this.write(sv1Result(id, true));
        return;
      case 'mining.submit':
        this.onSubmit(id, params);
        return;
      case 'mining.ping':
        this.write(sv1Result(id, 'pong'));
        return;
      case 'pong':
        return; // ESP-Miner's answer to our mining.ping: {"id":..,"method":"pong","params":[]}
      case 'mining.get_transactions':
        this.write(sv1Result(id, []));
        return;
      default:
        this.host.noteInvalid(this, 'unknown-method');
        if (id !== null) this.write(sv1Error(id, SV1_ERRORS.other, `Unknown method ${request.method.slice(0, 40)}`));
    }
  }

  private onConfigure(id: Sv1Id, params: unknown[]): void {
    const extensions = Array.isArray(params[0]) ? params[0].filter((e): e is string => typeof e === 'string') : [];
    const options = params[1] && typeof params[1] === 'object' ? (params[1] as Record<string, unknown>) : {};
    const result: Record<string, unknown> = {};
    for (const extension of extensions.slice(0, 8)) {
      if (extension === 'version-rolling') {
        const raw = options['version-rolling.mask'];
        const requested = typeof raw === 'string' && /^[0-9a-fA-F]{1,8}$/.test(raw) ? Number.parseInt(raw, 16) : 0xffffffff;
        this.requestedMask = requested >>> 0;
        this.grantedMask = (requested & VERSION_ROLLING_MASK) >>> 0;
        result['version-rolling'] = true;
        result['version-rolling.mask'] = this.grantedMask.toString(16).padStart(8, '0');
      } else {
        result[extension.slice(0, 40)] = false;
      }
    }
    this.write(sv1Result(id, result));
  }

  private async onAuthorize(id: Sv1Id, params: unknown[]): Promise<void> {
    const [user, password] = params;
    if (typeof user !== 'string' || user.length === 0 || user.length > 128) {
      this.write(sv1Error(id, SV1_ERRORS.unauthorized, 'Worker name must be a non-empty string'));
      return;
    }
    this.worker = user;
    this.password = typeof password === 'string' ? password.slice(0, 128) : '';
    if (this.authorized) {
      this.write(sv1Result(id, true));
      return;
    }
    this.authorized = true;
    this.attaching = true;
    const outcome = await this.host.attach(this).finally(() => {
      this.attaching = false;
    });
    if (!outcome.ok) {
      this.authorized = false;
      this.write(sv1Error(id, SV1_ERRORS.unauthorized, outcome.reason));
      return;
    }
    // The answer goes out in the same write as set_difficulty + notify when the channel already has work.
    this.write(sv1Result(id, true));
    outcome.commit();
  }

  /** A number out of range is clamped; anything else is not a difficulty. */
  private onSuggestDifficulty(id: Sv1Id, value: unknown): void {
    if (typeof value !== 'number' || !(value > 0)) {
      this.host.noteInvalid(this, 'bad-difficulty');
      if (id !== null) this.write(sv1Error(id, SV1_ERRORS.other, 'Difficulty must be a positive number'));
      return;
    }
    const difficulty = clampDifficulty(value);
    this.suggestedDifficulty = difficulty;
    this.channel?.suggestDifficulty(difficulty);
    this.reissueIfDifficultyChanged();
    if (id !== null) this.write(sv1Result(id, true));
  }

  /** Counts a submit; a connection whose submits are mostly invalid is dropped (and its address backed off). */
  private judgeSubmitter(valid: boolean): void {
    if (!this.guard.judge(valid)) return;
    this.host.misbehaved(this);
    this.close(true);
  }

  private rejectHere(id: Sv1Id, share: LocalShare, reason: string, kind: RejectKind, text: string): void {
    this.host.recordShare(this, share, undefined, { accepted: false, reason, kind });
    this.stats.rejectedHere(reason);
    this.reject(id, SV1_CODE_OF[kind], text);
  }

  private reject(id: Sv1Id, code: number, reason: string): void {
    this.host.noteInvalid(this, reason);
    this.write(sv1Error(id, code, reason));
    this.judgeSubmitter(false);
  }

  private onSubmit(id: Sv1Id, params: unknown[]): void {
    if (!this.guard.allow()) return this.reject(id, SV1_ERRORS.other, 'Too many submits');
    if (!this.subscribed) return this.reject(id, SV1_ERRORS.notSubscribed, 'Not subscribed');
    if (!this.authorized) return this.reject(id, SV1_ERRORS.unauthorized, 'Unauthorized worker');
    const [, jobId, extranonce2, ntime, nonce, versionBits] = params;
    if (typeof jobId !== 'string') return this.reject(id, SV1_ERRORS.other, 'Job id must be a string');
    const sent = this.jobs.get(jobId);
    if (!sent) return this.reject(id, SV1_ERRORS.jobNotFound, 'Job not found');
    if (!isHex(extranonce2, this.extranonce2Size)) return this.reject(id, SV1_ERRORS.other, `Extranonce2 must be ${this.extranonce2Size} bytes of hex`);
    const ntimeWord = hexWord(ntime);
    const nonceWord = hexWord(nonce);
    if (ntimeWord < 0 || nonceWord < 0) return this.reject(id, SV1_ERRORS.other, 'ntime and nonce must be 8 hex digits');
    const bitsWord = versionBits === undefined ? 0 : hexWord(versionBits);
    if (bitsWord < 0) return this.reject(id, SV1_ERRORS.other, 'Version bits must be 8 hex digits');
    const bits = (versionBits as string | undefined) ?? '00000000';
    const { channel, job, pad, difficulty } = sent;
    if (channel !== this.channel) return this.reject(id, SV1_ERRORS.jobNotFound, 'Job not found');
    this.hasher ??= new ShareHasher();
    // what sits between the job's coinbase prefix and the miner's extranonce2
    const head = pad + this.extranonce1;
    const version = rolledVersion(job, bitsWord);
    const hash = this.hasher.hash(job, head, extranonce2, ntimeWord, nonceWord, version);
    const local: LocalShare = { jobId, upstreamJobId: job.jobId, headerHash: hash.toString('hex'), difficulty, shareDifficulty: hashDifficulty(hash) };
    // below the miner's own target, or sent before: judged here, in the standard words, never sent under the user's name
    if (!meetsTarget(hash, local.shareDifficulty, sent)) return this.rejectHere(id, local, LOW_DIFFICULTY, 'low-difficulty', 'Low difficulty share');
    if (!this.jobs.firstTime(job, hash)) return this.rejectHere(id, local, DUPLICATE, 'duplicate', 'Duplicate share');
    this.judgeSubmitter(true);
    const answer = new ForwardedShare(this, id, local);
    this.host.deadlines.add(answer, answer.started);
    this.forward(answer, channel, {
      jobId: job.jobId,
      extranonce: head + extranonce2,
      // hexWord read both: eight hex digits each
      ntime: ntime as string,
      nonce: nonce as string,
      ntimeWord,
      nonceWord,
      versionBits: bits,
      version,
      answer,
    });
  }

  /**
   * Sends a share upstream. The miner hears the verdict, or after `verdictTimeoutMs` that the share met its
   * target (the upstream's word then settles the ledger; hashpool acknowledges shares in batches of 10).
   */
  private forward(answer: ForwardedShare, channel: UpstreamChannel, share: ChannelShare): void {
    answer.shareId = this.host.recordShare(this, answer.local, answer);
    this.stats.forwarded();
    channel.submit(share);
  }

  lateVerdict(answer: ForwardedShare, verdict: Verdict): void {
    this.host.lateVerdict(this, answer.local, answer.shareId, verdict);
  }

  settleForwarded(answer: ForwardedShare, verdict: Verdict, latency: number | null): void {
    this.host.deadlines.remove(answer);
    this.host.settleShare(this, answer.local, answer.shareId, verdict, latency);
    this.stats.judged(verdict, answer.local.difficulty, latency);
    if (answer.answered) return;
    answer.answered = true;
    if (verdict.accepted) this.write(sv1Result(answer.requestId, true));
    else this.write(sv1Error(answer.requestId, SV1_CODE_OF[verdict.kind], verdict.reason));
  }

  answerUnjudged(answer: ForwardedShare): void {
    answer.answered = true;
    this.write(sv1Result(answer.requestId, true));
  }
}

/**
 * One miner on the Stratum V1 port, speaking exactly what ESP-Miner expects (research/bitaxe.md):
 * configure/subscribe/authorize answered, set_difficulty (a JSON number) before the first notify and
 * before any notify that changes it, shares answered with the upstream's verdict.
 *
 * The miner's extranonce1 is ours and never changes; everything the upstream fixes in the coinbase
 * (its prefix, any spare extranonce bytes) is folded into coinb1, so a failover only means new jobs.
 */
import type { Socket } from 'node:net';
import {
  parseSv1Line,
  SV1_ERRORS,
  type Sv1Id,
  Sv1LineSplitter,
  Sv1ProtocolError,
  type Sv1Request,
  sv1Error,
  sv1Request,
  sv1Result,
} from '../protocol/sv1/codec';
import { notifyParams, type Sv1Job } from '../protocol/sv1/job';
import { hashDifficulty, ShareHasher } from './share-hasher';
import { UPSTREAM_LOST } from './ledger';
import type { ChannelJob, UpstreamChannel, Verdict } from './upstream';

/** The version bits any miner may roll (BIP320 general-purpose bits). */
export const VERSION_ROLLING_MASK = 0x1fffe000;
const KEPT_JOBS = 16;
/** input held while authorize waits for an upstream; more than this from one miner is abuse */
const MAX_QUEUED_BYTES = 256 * 1024;
/** replies a miner does not read; beyond this it is dropped rather than buffered without end */
const MAX_UNREAD_BYTES = 1024 * 1024;

export interface SessionLimits {
  /** submits per second a connection may sustain */
  submitsPerSecond: number;
  /** short bursts above the rate */
  submitBurst: number;
}

export interface SubmitOutcome {
  shareId: number;
  verdict: Verdict;
  latencyMs: number;
}

/** `commit` binds the opened channel; called right after the authorize answer so work follows it in the same write. */
export type AttachOutcome = { ok: true; commit: () => void } | { ok: false; reason: string };

/** What a session needs from the proxy around it. */
export interface SessionHost {
  readonly verdictTimeoutMs: number;
  readonly limits: SessionLimits;
  /** opens an upstream channel for the session; resolves when it has work or the attempt ended */
  attach(session: MinerSession): Promise<AttachOutcome>;
  /** records a share in the ledger; returns its id */
  recordShare(session: MinerSession, share: LocalShare): number;
  settleShare(session: MinerSession, share: LocalShare, shareId: number, verdict: Verdict, latencyMs: number | null): void;
  sessionClosed(session: MinerSession): void;
  noteInvalid(session: MinerSession, reason: string): void;
}

export interface LocalShare {
  jobId: string;
  upstreamJobId: string;
  headerHash: string;
  difficulty: number;
  shareDifficulty: number;
}

interface SentJob {
  job: ChannelJob;
  channel: UpstreamChannel;
  /** zero bytes between the upstream's fixed prefix and our extranonce1 */
  pad: string;
  difficulty: number;
  sv1: Sv1Job;
  /** prepared on the first submit for the job */
  hasher?: ShareHasher;
}

export interface MinerStats {
  accepted: number;
  rejected: number;
  awaiting: number;
  rejectReasons: Record<string, number>;
  lastShareAt: number | null;
  /** smoothed ms from submit to upstream verdict */
  latencyMs: number | null;
  /** accepted work in the hashrate window, summed per bucket: (bucket start ms, difficulty sum) */
  work: Array<[number, number]>;
}

const HASHRATE_WINDOW_MS = 10 * 60_000;
const WORK_BUCKET_MS = 10_000;

function isHex(value: unknown, bytes: number): value is string {
  return typeof value === 'string' && value.length === bytes * 2 && /^[0-9a-fA-F]*$/.test(value);
}

/** Stratum error code a reject reason maps to, so cgminer-style miners classify it. */
export function errorCodeFor(reason: string): number {
  const r = reason.toLowerCase();
  if (r.includes('stale') || r.includes('job')) return SV1_ERRORS.jobNotFound;
  if (r.includes('duplicate')) return SV1_ERRORS.duplicateShare;
  if (r.includes('difficulty') || r.includes('low')) return SV1_ERRORS.lowDifficulty;
  if (r.includes('unauthor')) return SV1_ERRORS.unauthorized;
  return SV1_ERRORS.other;
}

export class MinerSession {
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
  readonly stats: MinerStats = { accepted: 0, rejected: 0, awaiting: 0, rejectReasons: {}, lastShareAt: null, latencyMs: null, work: [] };

  private readonly splitter = new Sv1LineSplitter();
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private corked = false;
  private processing = false;
  private readonly jobs = new Map<string, SentJob>();
  private nextJobId = 1;
  private tokens: number;
  private lastRefill = performance.now();
  private closed = false;
  private lastNotifyAt = 0;
  private detachChannel: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly address: string,
    private readonly socket: Socket,
    private readonly host: SessionHost,
    /** hex; ours, fixed for the session */
    public extranonce1: string,
    public extranonce2Size: number,
  ) {
    this.tokens = host.limits.submitBurst;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Minimum variable extranonce an upstream channel must give this miner. */
  get extranonceNeeded(): number {
    return this.extranonce1.length / 2 + this.extranonce2Size;
  }

  get difficulty(): number | undefined {
    return this.sentDifficulty;
  }

  /** Counts an accepted share's difficulty towards the hashrate estimate (bounded: one entry per 10 s). */
  addWork(difficulty: number, now = Date.now()): void {
    const bucket = now - (now % WORK_BUCKET_MS);
    const last = this.stats.work.at(-1);
    if (last && last[0] === bucket) last[1] += difficulty;
    else this.stats.work.push([bucket, difficulty]);
    if (this.stats.work.length > HASHRATE_WINDOW_MS / WORK_BUCKET_MS + 1) this.stats.work.shift();
  }

  hashrate(now = Date.now()): number {
    const from = now - HASHRATE_WINDOW_MS;
    while (this.stats.work.length > 0 && this.stats.work[0]![0] < from) this.stats.work.shift();
    const span = Math.min(HASHRATE_WINDOW_MS, Math.max(60_000, now - this.connectedAt));
    let sum = 0;
    for (const [, d] of this.stats.work) sum += d;
    return (sum * 2 ** 32) / (span / 1000);
  }

  /** `flush`: what was written still goes out (a client.reconnect), otherwise the connection is cut. */
  close(flush = false): void {
    if (this.closed) return;
    this.closed = true;
    if (flush) {
      if (this.corked) this.socket.uncork();
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
    this.detachChannel?.();
    this.channel?.close();
    this.channel = undefined;
    this.host.sessionClosed(this);
  }

  /** Moves the miner onto a channel (first attach or failover): its next notify is clean. */
  useChannel(channel: UpstreamChannel): void {
    this.detachChannel?.();
    const previous = this.channel;
    this.channel = channel;
    this.jobs.clear();
    const onJob = (job: ChannelJob) => this.sendJob(channel, job, job.cleanJobs);
    const onTarget = () => {
      // A harder target judges shares at once: re-issue the current job so the miner switches now.
      const current = channel.currentJob;
      if (current && this.effectiveDifficulty(channel) !== this.sentDifficulty) this.sendJob(channel, current, false);
    };
    const onMask = (mask: number) => this.updateMask(mask);
    channel.on('job', onJob);
    channel.on('target', onTarget);
    channel.on('versionMask', onMask);
    this.detachChannel = () => {
      channel.off('job', onJob);
      channel.off('target', onTarget);
      channel.off('versionMask', onMask);
    };
    if (previous && previous !== channel) previous.close();
    // the mask was negotiated while the channel opened, before this session listened
    if (channel.versionMask !== undefined) this.updateMask(channel.versionMask);
    if (channel.currentJob) this.sendJob(channel, channel.currentJob, true);
  }

  /** Resends the current job with a fresh id so miners that watch for silence see a live pool. */
  keepalive(now: number, intervalMs: number): void {
    const channel = this.channel;
    if (!channel?.currentJob || now - this.lastNotifyAt < intervalMs) return;
    this.sendJob(channel, channel.currentJob, false);
  }

  /** Gives the miner a new extranonce layout (after an upstream with less space); needs a reconnect if it cannot take set_extranonce. */
  relayout(extranonce1: string, extranonce2Size: number): void {
    if (this.extranonceSubscribed) {
      this.extranonce1 = extranonce1;
      this.extranonce2Size = extranonce2Size;
      this.jobs.clear();
      this.write(sv1Request(null, 'mining.set_extranonce', [extranonce1, extranonce2Size]));
    } else {
      this.write(sv1Request(null, 'client.reconnect', []));
      this.close(true);
    }
  }

  effectiveDifficulty(channel: UpstreamChannel): number {
    return Math.max(channel.difficulty, this.suggestedDifficulty ?? 0);
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
    if (this.closed || channel !== this.channel) return;
    const padBytes = channel.extranonceSize - this.extranonceNeeded;
    if (padBytes < 0) return; // the proxy relayouts such a miner before giving it work
    const pad = '00'.repeat(padBytes);
    if (!job.versionRolling && this.grantedMask !== 0) this.updateMask(0);
    const difficulty = this.effectiveDifficulty(channel);
    if (difficulty !== this.sentDifficulty) {
      this.sentDifficulty = difficulty;
      this.write(sv1Request(null, 'mining.set_difficulty', [difficulty]));
    }
    if (clean) this.jobs.clear();
    const jobId = (this.nextJobId++).toString(16);
    const sv1: Sv1Job = {
      jobId,
      prevHash: job.prevHash,
      coinbase1: job.coinbasePrefix + pad,
      coinbase2: job.coinbaseSuffix,
      merkleBranches: job.merkleBranches,
      version: job.version,
      nbits: job.nbits,
      ntime: job.ntime,
      cleanJobs: clean,
    };
    this.jobs.set(jobId, { job, channel, pad, difficulty, sv1 });
    if (this.jobs.size > KEPT_JOBS) this.jobs.delete(this.jobs.keys().next().value!);
    this.lastNotifyAt = Date.now();
    this.write(sv1Request(null, 'mining.notify', notifyParams(sv1)));
  }

  private write(line: string): void {
    if (this.closed) return;
    if (this.socket.writableLength > MAX_UNREAD_BYTES) {
      this.close();
      return;
    }
    // Everything written in one turn of the event loop leaves in one segment (verdicts arrive in batches).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        if (!this.closed) this.socket.uncork();
      });
    }
    this.socket.write(line);
  }

  private onData(chunk: string): void {
    for (const line of this.splitter.push(chunk)) {
      if (typeof line !== 'string') {
        this.host.noteInvalid(this, 'line-too-long');
        this.write(sv1Error(null, SV1_ERRORS.other, 'Line too long'));
        continue;
      }
      this.queuedBytes += line.length;
      if (this.queuedBytes > MAX_QUEUED_BYTES) {
        this.close();
        return;
      }
      this.queue.push(line);
    }
    if (!this.processing) void this.drain();
  }

  /**
   * Lines are handled in order, synchronously except while authorize waits for an upstream; the replies
   * of one batch go out in one write, so a probe's single read sees them all.
   */
  private async drain(): Promise<void> {
    this.processing = true;
    this.socket.cork();
    try {
      while (this.queue.length > 0 && !this.closed) {
        const line = this.queue.shift()!;
        this.queuedBytes -= line.length;
        const pending = this.handleLine(line);
        if (pending) await pending;
      }
    } finally {
      this.processing = false;
      if (!this.closed) this.socket.uncork();
    }
  }

  private handleLine(line: string): Promise<void> | undefined {
    let message;
    try {
      message = parseSv1Line(line);
    } catch (error) {
      const e = error as Sv1ProtocolError;
      this.host.noteInvalid(this, e.code);
      this.write(sv1Error(e.id ?? null, SV1_ERRORS.other, e.message));
      return undefined;
    }
    if (message.kind === 'response') return undefined; // e.g. a pong or a client.get_version answer
    return this.handleRequest(message);
  }

  private handleRequest(request: Sv1Request): Promise<void> | undefined {
    const { id, params } = request;
    switch (request.method) {
      case 'mining.configure':
        this.onConfigure(id, params);
        return undefined;
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
      case 'mining.suggest_difficulty': {
        const d = params[0];
        if (typeof d === 'number' && d > 0 && Number.isFinite(d)) {
          this.suggestedDifficulty = d;
          this.channel?.suggestDifficulty(d);
          const current = this.channel?.currentJob;
          if (this.channel && current && this.effectiveDifficulty(this.channel) !== this.sentDifficulty) this.sendJob(this.channel, current, false);
          if (id !== null) this.write(sv1Result(id, true));
        } else if (id !== null) {
          this.write(sv1Error(id, SV1_ERRORS.other, 'Difficulty must be a positive number'));
        }
        return;
      }
      case 'mining.extranonce.subscribe':
        this.extranonceSubscribed = true;
        this.write(sv1Result(id, true));
        return;
      case 'mining.submit':
        this.onSubmit(id, params);
        return undefined;
      case 'mining.ping':
        this.write(sv1Result(id, 'pong'));
        return;
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

  private refillTokens(): boolean {
    const now = performance.now();
    const { submitsPerSecond, submitBurst } = this.host.limits;
    this.tokens = Math.min(submitBurst, this.tokens + ((now - this.lastRefill) / 1000) * submitsPerSecond);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private reject(id: Sv1Id, code: number, reason: string): void {
    this.host.noteInvalid(this, reason);
    this.write(sv1Error(id, code, reason));
  }

  private onSubmit(id: Sv1Id, params: unknown[]): void {
    if (!this.refillTokens()) return this.reject(id, SV1_ERRORS.other, 'Too many submits');
    if (!this.subscribed) return this.reject(id, SV1_ERRORS.notSubscribed, 'Not subscribed');
    if (!this.authorized) return this.reject(id, SV1_ERRORS.unauthorized, 'Unauthorized worker');
    const [, jobId, extranonce2, ntime, nonce, versionBits] = params;
    if (typeof jobId !== 'string') return this.reject(id, SV1_ERRORS.other, 'Job id must be a string');
    const sent = this.jobs.get(jobId);
    if (!sent) return this.reject(id, SV1_ERRORS.jobNotFound, 'Job not found');
    if (!isHex(extranonce2, this.extranonce2Size)) return this.reject(id, SV1_ERRORS.other, `Extranonce2 must be ${this.extranonce2Size} bytes of hex`);
    if (!isHex(ntime, 4) || !isHex(nonce, 4)) return this.reject(id, SV1_ERRORS.other, 'ntime and nonce must be 8 hex digits');
    if (versionBits !== undefined && !isHex(versionBits, 4)) return this.reject(id, SV1_ERRORS.other, 'Version bits must be 8 hex digits');
    const bits = (versionBits as string | undefined) ?? '00000000';
    const { channel, job, pad, difficulty } = sent;
    if (channel !== this.channel) return this.reject(id, SV1_ERRORS.jobNotFound, 'Job not found');
    sent.hasher ??= new ShareHasher(sent.sv1, this.extranonce1);
    const hash = sent.hasher.hash(extranonce2, ntime, nonce, bits);
    const local: LocalShare = {
      jobId,
      upstreamJobId: job.jobId,
      headerHash: hash.toString('hex'),
      difficulty,
      shareDifficulty: hashDifficulty(hash),
    };
    const shareId = this.host.recordShare(this, local);
    const started = performance.now();
    let answered = false;
    const timer = setTimeout(() => {
      // No verdict yet: answer from our own check; the ledger keeps the share awaiting until the upstream speaks.
      answered = true;
      if (local.shareDifficulty >= difficulty) this.write(sv1Result(id, true));
      else this.write(sv1Error(id, SV1_ERRORS.lowDifficulty, 'Low difficulty share'));
    }, this.host.verdictTimeoutMs);
    const settle = (verdict: Verdict, latency: number | null) => {
      clearTimeout(timer);
      this.host.settleShare(this, local, shareId, verdict, latency);
      if (answered) return;
      answered = true;
      if (verdict.accepted) this.write(sv1Result(id, true));
      else this.write(sv1Error(id, errorCodeFor(verdict.reason), verdict.reason));
    };
    channel
      .submit({
        jobId: job.jobId,
        extranonce: pad + this.extranonce1 + extranonce2,
        ntime,
        nonce,
        versionBits: bits,
        version: (Number.parseInt(job.version, 16) ^ Number.parseInt(bits, 16)) >>> 0,
      })
      .then(
        (verdict) => settle(verdict, performance.now() - started),
        () => settle({ accepted: false, reason: UPSTREAM_LOST }, null),
      );
  }
}

/**
 * Stratum V2 upstream (hashpool): one Noise connection pinned to the pool's authority key, one
 * extended channel per miner. Jobs (future jobs + SetNewPrevHash) become Sv1-shaped work, shares go
 * out as SubmitSharesExtended, batched successes and named errors come back as verdicts, and the
 * hashpool quote notices (0xC0/0xC1) are raised for the wallet.
 */
import { bigIntToLeBytes, bytesToHex, difficultyFromTarget, hexToBytes, leBytesToBigInt, MAX_TARGET, swapWords32, targetFromDifficulty } from '../protocol/bitcoin/work';
import { UPSTREAM_LOST } from './ledger';
import type { Logger } from '../log';
import type { Sv2AnyMessage, Sv2Message, Sv2MessageOf } from '../protocol/sv2/messages';
import { PROTOCOL_MINING, SETUP_FLAG_REQUIRES_VERSION_ROLLING } from '../protocol/sv2/messages';
import { EventEmitter } from 'node:events';
import {
  type ChannelJob,
  type ChannelRequest,
  type ChannelShare,
  type LinkState,
  UpstreamChannel,
  UpstreamError,
  UpstreamLink,
  type Verdict,
} from './upstream';

/** The slice of an Sv2 transport connection the proxy uses. */
export interface Sv2Conn {
  send(message: Sv2Message): void;
  on(event: 'message', listener: (message: Sv2AnyMessage) => void): unknown;
  on(event: 'close', listener: (reason?: unknown) => void): unknown;
  close(): void;
}

export type Sv2Connector = (opts: { host: string; port: number; authorityPubkey: string; timeoutMs: number; logger: Logger }) => Promise<Sv2Conn>;

export interface Sv2UpstreamOptions {
  host: string;
  port: number;
  url: string;
  authorityPubkey: string;
  logger: Logger;
  silentMs: number;
  connector: Sv2Connector;
  timeoutMs?: number;
}

type JobMessage = Sv2MessageOf<'NewExtendedMiningJob'>;
type PrevHash = Sv2MessageOf<'SetNewPrevHash'>;

/** How long a closing channel waits for the verdicts of shares already sent. */
const CLOSE_GRACE_MS = 10_000;
/** How long it then stays open for their quote notifications. */
const QUOTE_LINGER_MS = 6_000;

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

class Sv2Channel extends UpstreamChannel {
  currentJob: ChannelJob | undefined;
  difficulty: number;
  private sequence = 0;
  private readonly pending = new Map<number, (verdict: Verdict) => void>();
  private readonly futureJobs = new Map<number, JobMessage>();
  private readonly jobs = new Map<number, JobMessage>();
  private prevHash: PrevHash | undefined;
  private closedReason: string | undefined;
  private closing = false;
  private onSettled: (() => void) | undefined;

  constructor(
    /** the pool connection (by its number on the session) the channel was opened on */
    readonly generation: number,
    private readonly link: PoolSession,
    readonly channelId: number,
    readonly groupChannelId: number,
    readonly extranonceSize: number,
    private extranoncePrefix: Uint8Array,
    target: Uint8Array,
  ) {
    super();
    this.difficulty = difficultyFromTarget(leBytesToBigInt(target));
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  submit(share: ChannelShare): Promise<Verdict> {
    if (this.closedReason !== undefined) return Promise.reject(new UpstreamError('closed', this.closedReason));
    const jobId = Number(share.jobId);
    const sequenceNumber = this.sequence;
    this.sequence = (this.sequence + 1) >>> 0;
    return new Promise<Verdict>((resolve) => {
      this.pending.set(sequenceNumber, resolve);
      this.link.send({
        type: 'SubmitSharesExtended',
        channelId: this.channelId,
        sequenceNumber,
        jobId,
        nonce: Number.parseInt(share.nonce, 16) >>> 0,
        ntime: Number.parseInt(share.ntime, 16) >>> 0,
        version: share.version >>> 0,
        extranonce: hexToBytes(share.extranonce),
      });
    });
  }

  suggestDifficulty(difficulty: number): void {
    if (this.closedReason !== undefined) return;
    const maximumTarget = bigIntToLeBytes(targetFromDifficulty(difficulty));
    this.link.send({ type: 'UpdateChannel', channelId: this.channelId, nominalHashRate: (difficulty * 2 ** 32) / 10, maximumTarget });
  }

  /**
   * Closes once the shares already sent are judged (at most CLOSE_GRACE_MS), then lingers long enough for
   * their quote notifications (hashpool polls the mint every 5 s), so a departed miner's ehash is still announced.
   */
  close(): void {
    if (this.closedReason !== undefined || this.closing) return;
    this.closing = true;
    const finish = () => {
      if (this.closedReason !== undefined) return;
      clearTimeout(deadline);
      this.link.send({ type: 'CloseChannel', channelId: this.channelId, reasonCode: 'miner-disconnected' });
      this.shut('closed by proxy');
    };
    const deadline = setTimeout(finish, CLOSE_GRACE_MS + QUOTE_LINGER_MS);
    deadline.unref();
    this.onSettled = () => {
      this.onSettled = undefined;
      setTimeout(finish, QUOTE_LINGER_MS).unref();
    };
    if (this.pending.size === 0) this.onSettled();
  }

  /** Ends the channel: unanswered shares are lost with it (the ledger marks them so). */
  shut(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.link.forget(this);
    for (const resolve of this.pending.values()) resolve({ accepted: false, reason: UPSTREAM_LOST });
    this.pending.clear();
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
        this.difficulty = difficultyFromTarget(leBytesToBigInt(message.maximumTarget));
        this.emit('target', this.difficulty);
        return;
      case 'SetExtranoncePrefix':
        // Applies to jobs from now on; the miner's extranonce1 stays, the new prefix rides in coinb1.
        if (message.extranoncePrefix.length + this.extranonceSize <= 32) this.extranoncePrefix = message.extranoncePrefix;
        return;
      case 'SubmitSharesSuccess': {
        // A success covers every share up to last_sequence_number that was not named in an error.
        for (const [seq, resolve] of this.pending) {
          if (seq > message.lastSequenceNumber) break;
          this.pending.delete(seq);
          resolve({ accepted: true });
        }
        if (this.pending.size === 0) this.onSettled?.();
        return;
      }
      case 'SubmitSharesError': {
        const resolve = this.pending.get(message.sequenceNumber);
        if (resolve) {
          this.pending.delete(message.sequenceNumber);
          resolve({ accepted: false, reason: message.errorCode || 'rejected' });
        }
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

  private remember(job: JobMessage): void {
    this.jobs.set(job.jobId, job);
    if (this.jobs.size > 32) this.jobs.delete(this.jobs.keys().next().value!);
  }

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
    };
    this.emit('job', this.currentJob);
  }
}

/** One Noise connection to the pool and the channels on it. */
class PoolSession extends EventEmitter {
  latencyMs: number | undefined;
  private conn: Sv2Conn | undefined;
  private readonly channels = new Map<number, Sv2Channel>();
  private readonly opening = new Map<number, (answer: Sv2Channel | Sv2AnyMessage) => void>();
  private setupWaiter: ((m: Sv2AnyMessage) => void) | undefined;
  private nextRequestId = 1;
  /** counts connections: a Reconnect replaces the connection and every channel opened on the old one */
  private generation = 0;
  private lastHeard = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  private reconnecting: Promise<void> | undefined;

  constructor(private readonly opts: Sv2UpstreamOptions) {
    super();
  }

  get channelCount(): number {
    return this.channels.size;
  }

  get usable(): boolean {
    return !this.closed && this.conn !== undefined;
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? Math.min(this.opts.silentMs, 10_000);
  }

  async connect(host = this.opts.host, port = this.opts.port): Promise<void> {
    this.emit('state', 'connecting' satisfies LinkState);
    try {
      const started = performance.now();
      const conn = await this.opts.connector({ host, port, authorityPubkey: this.opts.authorityPubkey, timeoutMs: this.timeoutMs, logger: this.opts.logger });
      if (this.closed) {
        conn.close();
        throw new UpstreamError('closed', 'upstream link closed');
      }
      this.conn = conn;
      this.generation++;
      this.lastHeard = Date.now();
      conn.on('message', (m) => this.onMessage(m));
      conn.on('close', (reason) => this.onConnClosed(conn, reason));
      const answer = await this.await_(
        new Promise<Sv2AnyMessage>((resolve) => {
          this.setupWaiter = resolve;
          this.send({
            type: 'SetupConnection',
            protocol: PROTOCOL_MINING,
            minVersion: 2,
            maxVersion: 2,
            flags: SETUP_FLAG_REQUIRES_VERSION_ROLLING,
            endpointHost: host,
            endpointPort: port,
            vendor: 'Axewallet',
            hardwareVersion: 'Axewallet proxy',
            firmware: '',
            deviceId: '',
          });
        }),
        'SetupConnection',
      );
      if (answer.type !== 'SetupConnectionSuccess') {
        throw new UpstreamError('protocol', `pool refused the connection: ${answer.type === 'SetupConnectionError' ? answer.errorCode : answer.type}`);
      }
      this.latencyMs = performance.now() - started;
      if (!this.watchdog) {
        this.watchdog = setInterval(() => this.checkSilence(), Math.max(50, Math.min(1000, this.opts.silentMs / 4)));
        this.watchdog.unref();
      }
      this.emit('state', 'up' satisfies LinkState);
    } catch (error) {
      this.conn?.close();
      this.conn = undefined;
      this.emit('state', 'down' satisfies LinkState, (error as Error).message);
      throw error;
    }
  }

  async openChannel(request: ChannelRequest): Promise<Sv2Channel> {
    if (this.reconnecting) await this.reconnecting;
    if (this.closed || !this.conn) throw new UpstreamError('closed', 'upstream link is not connected');
    const requestId = this.nextRequestId++;
    const started = performance.now();
    const answer = await this.await_(
      new Promise<Sv2Channel | Sv2AnyMessage>((resolve) => {
        this.opening.set(requestId, resolve);
        this.send({
          type: 'OpenExtendedMiningChannel',
          requestId,
          userIdentity: request.userIdentity,
          nominalHashRate: request.nominalHashrate,
          maxTarget: bigIntToLeBytes(request.maxTarget ?? MAX_TARGET),
          minExtranonceSize: request.minExtranonceSize,
        });
      }),
      'OpenExtendedMiningChannel',
    ).finally(() => this.opening.delete(requestId));
    if (answer instanceof Sv2Channel) {
      this.latencyMs = performance.now() - started;
      return answer;
    }
    if (answer.type === 'OpenMiningChannelError') throw new UpstreamError('rejected', `pool refused the channel: ${answer.errorCode}`);
    throw new UpstreamError('protocol', `unexpected ${answer.type}`);
  }

  send(message: Sv2Message): void {
    if (!this.conn) return;
    try {
      this.conn.send(message);
    } catch (error) {
      this.opts.logger.warn('could not send to the pool', { type: message.type, error: (error as Error).message });
    }
  }

  forget(channel: Sv2Channel): void {
    if (this.channels.get(channel.channelId) === channel) this.channels.delete(channel.channelId);
    if (this.closed && this.channels.size === 0) this.disconnect();
  }

  close(immediately = false): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    if (immediately || this.channels.size === 0) {
      for (const channel of [...this.channels.values()]) channel.shut('upstream closed');
      this.disconnect();
      return;
    }
    for (const channel of [...this.channels.values()]) channel.close();
  }

  private disconnect(): void {
    this.conn?.close();
    this.conn = undefined;
  }

  private await_<T>(promise: Promise<T>, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new UpstreamError('timeout', `pool did not answer ${what} within ${this.timeoutMs} ms`)), this.timeoutMs);
      promise.then(
        (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  private checkSilence(): void {
    if (this.closed || this.reconnecting || !this.conn) return;
    if (Date.now() - this.lastHeard > this.opts.silentMs) {
      this.emit('state', 'silent' satisfies LinkState, `no message from the pool for ${Math.round(this.opts.silentMs / 1000)} s`);
    }
  }

  private onConnClosed(conn: Sv2Conn, reason: unknown): void {
    if (conn !== this.conn || this.closed) return;
    this.conn = undefined;
    if (this.reconnecting) return;
    for (const channel of [...this.channels.values()]) channel.shut('pool connection closed');
    this.emit('state', 'down' satisfies LinkState, `pool closed the connection${reason instanceof Error ? `: ${reason.message}` : ''}`);
  }

  private onMessage(message: Sv2AnyMessage): void {
    this.lastHeard = Date.now();
    switch (message.type) {
      case 'SetupConnectionSuccess':
      case 'SetupConnectionError': {
        const waiter = this.setupWaiter;
        this.setupWaiter = undefined;
        waiter?.(message);
        return;
      }
      case 'OpenExtendedMiningChannelSuccess': {
        // The pool's first job follows in the same read: the channel must exist before it is handled.
        const resolve = this.opening.get(message.requestId);
        if (!resolve) return;
        const channel = new Sv2Channel(this.generation, this, message.channelId, message.groupChannelId, message.extranonceSize, message.extranoncePrefix, message.target);
        this.channels.set(message.channelId, channel);
        resolve(channel);
        return;
      }
      case 'OpenMiningChannelError':
        this.opening.get(message.requestId)?.(message);
        return;
      case 'Reconnect':
        void this.reconnect(message.newHost || this.opts.host, message.newPort || this.opts.port);
        return;
      case 'Unknown':
        this.opts.logger.debug('pool sent an unknown message; ignored', { extensionType: message.extensionType, msgType: message.msgType });
        return;
      default:
    }
    if (!('channelId' in message)) return;
    const channel = this.channels.get(message.channelId);
    if (channel) {
      channel.handle(message);
      return;
    }
    // Jobs and prevhashes may be addressed to a group channel: every member gets them.
    for (const member of this.channels.values()) if (member.groupChannelId === message.channelId && message.channelId !== 0) member.handle(message);
  }

  /** Reconnect (spec 5.3.x): same authority key, new address; miners' channels are reopened by the proxy. */
  private async reconnect(host: string, port: number): Promise<void> {
    if (this.reconnecting || this.closed) return;
    this.opts.logger.info('pool asked to reconnect', { host, port });
    this.reconnecting = (async () => {
      const old = this.conn;
      this.conn = undefined;
      old?.close();
      try {
        await this.connect(host, port);
      } catch {
        // connect() reported 'down'; the proxy fails over
      }
    })();
    await this.reconnecting;
    this.reconnecting = undefined;
    // every channel of the old connection, including one whose opening crossed the Reconnect
    for (const channel of [...this.channels.values()]) if (channel.generation < this.generation) channel.shut('pool asked to reconnect');
  }
}

/**
 * The pool as one upstream: a Noise connection, and more of them when the pool caps the channels it
 * takes per connection (hashpool/SRI-style "too-many-channels"), so a farm of any size fits.
 */
export class Sv2UpstreamLink extends UpstreamLink {
  readonly protocol = 'sv2' as const;
  readonly url: string;
  private readonly sessions: PoolSession[] = [];
  /** channels the pool takes per connection, learned from its refusal */
  private channelCap = Number.POSITIVE_INFINITY;
  private adding: Promise<PoolSession> | undefined;
  private closed = false;

  constructor(private readonly opts: Sv2UpstreamOptions) {
    super();
    this.url = opts.url;
  }

  get latencyMs(): number | undefined {
    return this.sessions[0]?.latencyMs;
  }

  async connect(): Promise<void> {
    await this.addSession(true);
  }

  async openChannel(request: ChannelRequest): Promise<UpstreamChannel> {
    for (;;) {
      if (this.closed) throw new UpstreamError('closed', 'upstream link closed');
      const session = this.sessions.find((s) => s.usable && s.channelCount < this.channelCap) ?? (await this.extraSession());
      try {
        return await session.openChannel(request);
      } catch (error) {
        const full = error instanceof UpstreamError && error.code === 'rejected' && /too-many-channels/.test(error.message) && session.channelCount > 0;
        if (!full) throw error;
        this.channelCap = session.channelCount;
      }
    }
  }

  close(immediately = false): void {
    if (this.closed) return;
    this.closed = true;
    for (const session of this.sessions) session.close(immediately);
  }

  private extraSession(): Promise<PoolSession> {
    this.adding ??= this.addSession(false)
      .catch((error: unknown) => {
        // the pool is up (our first connection works) but takes no more: only this miner is refused
        throw new UpstreamError('rejected', `pool takes no more connections: ${(error as Error).message}`);
      })
      .finally(() => {
        this.adding = undefined;
      });
    return this.adding;
  }

  private async addSession(first: boolean): Promise<PoolSession> {
    const session = new PoolSession(this.opts);
    let established = false;
    session.on('state', (state: LinkState, detail?: string) => {
      if (this.closed) return;
      // the first connection speaks for the link; a later one only once it is up (its failure to connect is the miner's)
      if (first || established) this.emit('state', state, detail);
    });
    await session.connect();
    established = true;
    this.sessions.push(session);
    return session;
  }
}

/**
 * Stratum V2 upstream (hashpool): Noise connections pinned to the pool's authority key, one extended
 * channel per miner (sv2-channel.ts). A pool that keeps its connection open is left only when it owes an
 * answer it does not give in time (a setup or channel answer, a full batch's SubmitShares.Success, an
 * UpdateChannel's SetTarget): hashpool may legitimately stay quiet for many minutes otherwise.
 * A quiet pool owes nothing, so a dead one (its host gone without a FIN) would never be noticed while no
 * shares flow: after half the silence setting without a word, the connection is probed. The Mining protocol
 * has no echo message (sv2-spec 0f38d51), but an OpenExtendedMiningChannel MUST be answered (Success or
 * OpenMiningChannel.Error, either proves the pool alive); a probe channel that opens is closed at once.
 * TCP keepalive (lib/transport) covers a vanished host at the kernel level on top.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { bigIntToLeBytes, MAX_TARGET } from '../../lib/protocol/bitcoin/work';
import type { Logger } from '../../lib/log';
import type { Sv2AnyMessage, Sv2Message } from '../../lib/protocol/sv2/messages';
import { PROTOCOL_MINING, SETUP_FLAG_REQUIRES_VERSION_ROLLING } from '../../lib/protocol/sv2/messages';
import { Sv2Channel } from './sv2-channel';
import { unwatchSilence, watchSilence } from './silence-watch';
import { type ChannelRequest, type LinkEvents, owedAnswerMs, type UpstreamChannel, UpstreamError, UpstreamLink } from './upstream';

/** The OpenMiningChannel.Error code of a pool that takes no more channels on this connection (SRI, hashpool). */
export const TOO_MANY_CHANNELS = 'too-many-channels';

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
  /** an answer the pool owes (see above) that is this late makes it silent; setup answers get at most 10 s */
  silentMs: number;
  connector: Sv2Connector;
  /** how long a closing channel waits for the verdicts of shares already sent */
  closeGraceMs: number;
  timeoutMs?: number;
}

/** One Noise connection to the pool and the channels on it. */
class UpstreamSession extends EventEmitter<LinkEvents> {
  latencyMs: number | undefined;
  private conn: Sv2Conn | undefined;
  private readonly channels = new Map<number, Sv2Channel>();
  private readonly opening = new Map<number, (answer: Sv2Channel | Sv2AnyMessage) => void>();
  private setupWaiter: ((m: Sv2AnyMessage) => void) | undefined;
  private nextRequestId = 1;
  /** counts connections: a Reconnect replaces the connection and every channel opened on the old one */
  private generation = 0;
  private closed = false;
  private reconnecting: Promise<void> | undefined;
  /** when the pool last sent anything on the current connection */
  private lastHeardAt = Date.now();
  /** the request id and send time of the unanswered liveness probe */
  private probe: { requestId: number; sentAt: number } | undefined;

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
    this.emit('state', 'connecting');
    try {
      const started = performance.now();
      const conn = await this.opts.connector({ host, port, authorityPubkey: this.opts.authorityPubkey, timeoutMs: this.timeoutMs, logger: this.opts.logger });
      if (this.closed) {
        conn.close();
        throw new UpstreamError('closed', 'upstream link closed');
      }
      this.conn = conn;
      this.generation++;
      this.lastHeardAt = Date.now();
      this.probe = undefined;
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
      watchSilence(this, this.opts.silentMs);
      this.emit('state', 'up');
    } catch (error) {
      this.conn?.close();
      this.conn = undefined;
      this.emit('state', 'down', (error as Error).message);
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
    if (answer.type === 'OpenMiningChannelError') throw new UpstreamError('rejected', `pool refused the channel: ${answer.errorCode}`, answer.errorCode);
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
    unwatchSilence(this);
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

  checkSilence(): void {
    if (this.closed || this.reconnecting || !this.conn) return;
    const now = Date.now();
    if (this.probe && now - this.probe.sentAt > this.opts.silentMs / 2) {
      this.emit('state', 'silent', `the pool has not said a word for ${Math.round((now - this.lastHeardAt) / 1000)} s and did not answer a liveness probe`);
      return;
    }
    if (!this.probe && now - this.lastHeardAt > this.opts.silentMs / 2) this.sendProbe(now);
    for (const channel of this.channels.values()) {
      const owed = channel.owedSince();
      if (owed !== undefined && now - owed > owedAnswerMs(this.opts.silentMs)) {
        this.emit('state', 'silent', `the pool has not answered for ${Math.round((now - owed) / 1000)} s (a full batch of shares or a difficulty update unacknowledged)`);
        return;
      }
    }
  }

  /** A channel request the pool must answer; its answer is handled in onMessage. */
  private sendProbe(now: number): void {
    const requestId = this.nextRequestId++;
    this.probe = { requestId, sentAt: now };
    this.send({ type: 'OpenExtendedMiningChannel', requestId, userIdentity: 'axewallet-liveness', nominalHashRate: 1, maxTarget: bigIntToLeBytes(MAX_TARGET), minExtranonceSize: 0 });
  }

  /** The answer to a liveness probe: a channel that opened is closed again, nothing else is kept. */
  private probeAnswered(message: Sv2AnyMessage): boolean {
    if (!this.probe || !('requestId' in message) || message.requestId !== this.probe.requestId) return false;
    this.probe = undefined;
    if (message.type === 'OpenExtendedMiningChannelSuccess') this.send({ type: 'CloseChannel', channelId: message.channelId, reasonCode: 'liveness-probe' });
    return true;
  }

  private onConnClosed(conn: Sv2Conn, reason: unknown): void {
    if (conn !== this.conn || this.closed) return;
    this.conn = undefined;
    if (this.reconnecting) return;
    for (const channel of [...this.channels.values()]) channel.shut('pool connection closed');
    this.emit('state', 'down', `pool closed the connection${reason instanceof Error ? `: ${reason.message}` : ''}`);
  }

  private onMessage(message: Sv2AnyMessage): void {
    this.lastHeardAt = Date.now();
    if (this.probe && this.probeAnswered(message)) return;
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
        const channel = new Sv2Channel(this.generation, this, message.channelId, message.groupChannelId, message.extranonceSize, message.extranoncePrefix, message.target, this.opts.closeGraceMs);
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
  private readonly sessions: UpstreamSession[] = [];
  /** channels the pool takes per connection, learned from its refusal */
  private channelCap = Number.POSITIVE_INFINITY;
  private adding: Promise<UpstreamSession> | undefined;
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
        const full = error instanceof UpstreamError && error.poolCode === TOO_MANY_CHANNELS && session.channelCount > 0;
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

  private extraSession(): Promise<UpstreamSession> {
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

  private async addSession(first: boolean): Promise<UpstreamSession> {
    const session = new UpstreamSession(this.opts);
    let established = false;
    session.on('state', (state, detail) => {
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

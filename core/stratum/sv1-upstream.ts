/**
 * Stratum V1 upstream (public-pool, OCEAN, ckpool): one pool connection per miner, so the pool sees
 * each device with its own credentials, difficulty and version rolling. Nothing is minted.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../../lib/log';
import { parseSv1Line, rejectReasonOf, SV1_ERRORS, type Sv1Message, Sv1LineSplitter, sv1Request, type Sv1Response } from '../../lib/protocol/sv1/codec';
import { parseNotify, type Sv1Job } from '../../lib/protocol/sv1/job';
import { unwatchSilence, watchSilence } from './silence-watch';
import {
  ACCEPTED,
  type ChannelJob,
  type ChannelRequest,
  type ChannelShare,
  clampDifficulty,
  LOST_VERDICT,
  owedAnswerMs,
  type RejectKind,
  type ShareAnswer,
  UpstreamChannel,
  UpstreamError,
  UpstreamLink,
} from './upstream';

/** Stratum V1 error codes (cgminer's table, which pools answer with) by what they mean to a miner. */
const SV1_REJECT_KINDS: ReadonlyMap<number, RejectKind> = new Map([
  [SV1_ERRORS.jobNotFound, 'job-not-found'],
  [SV1_ERRORS.duplicateShare, 'duplicate'],
  [SV1_ERRORS.lowDifficulty, 'low-difficulty'],
  [SV1_ERRORS.unauthorized, 'unauthorized'],
]);

/** The class of a pool's refusal, from its error code (`[code, message, data]`); a refusal without a known code is 'other'. */
function rejectKindOf(response: Sv1Response): RejectKind {
  const code = Array.isArray(response.error) ? response.error[0] : undefined;
  return (typeof code === 'number' && SV1_REJECT_KINDS.get(code)) || 'other';
}

export interface Sv1UpstreamOptions {
  host: string;
  port: number;
  url: string;
  logger: Logger;
  /** no message at all for this long, or an answer owed for min(this, 30 s) = silent pool */
  silentMs: number;
  connectTimeoutMs?: number;
}

/**
 * What every pool connection reads into, each read decoded before the next can happen. Read as a stream, each read
 * also cost a Buffer, the stream's bookkeeping and a tick of the event loop (in Node 20 a tick that allocates a map).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * The last mining.notify read from any pool, by its text, and the job it holds (frozen: every channel holds it). Pools
 * send a new job to all their connections in the same words (ckpool's stratifier builds one notify per job and sends
 * every client a copy; the devnet pool's are alike too), so with a connection per miner each line after the first is
 * the one just decoded and checked: decoding each again cost the proxy's event loop ~5 µs a miner per new job. A pool
 * whose lines differ per connection is decoded line by line, as before.
 */
let lastNotify: { line: string; job: Readonly<Sv1Job> } | undefined;

function readNotify(line: string, params: unknown[]): Readonly<Sv1Job> {
  const job = parseNotify(params);
  Object.freeze(job.merkleBranches);
  lastNotify = { line, job: Object.freeze(job) };
  return lastNotify.job;
}

/** How long a closing channel waits for the verdicts of shares already sent. */
const CLOSE_GRACE_MS = 10_000;

/** A request the pool owes an answer to: it hears the answer, or that the connection closed first. */
interface Owed {
  /** the request's id, set when sent */
  id: number;
  readonly sentAt: number;
  answered(response: Sv1Response): void;
  failed(error: Error): void;
}

/** A handshake request, awaited as a promise. */
class OwedRequest implements Owed {
  id = 0;
  readonly sentAt = performance.now();

  constructor(
    private readonly resolve: (response: Sv1Response) => void,
    private readonly reject: (error: Error) => void,
    /** runs synchronously on the answer, before any later line of the same read is handled */
    private readonly onAnswer: ((response: Sv1Response) => void) | undefined,
  ) {}

  answered(response: Sv1Response): void {
    this.onAnswer?.(response);
    this.resolve(response);
  }

  failed(error: Error): void {
    this.reject(error);
  }
}

/**
 * A share's submit: the pool's answer reaches the share's answer object directly. A promise per submit, with its
 * resolvers and reactions, allocated ~0.6 KB per share.
 */
class OwedVerdict implements Owed {
  id = 0;
  readonly sentAt = performance.now();

  constructor(private readonly answer: ShareAnswer) {}

  answered(response: Sv1Response): void {
    this.answer.verdict(response.result === true ? ACCEPTED : { accepted: false, reason: rejectReasonOf(response) ?? 'rejected', kind: rejectKindOf(response) });
  }

  failed(): void {
    this.answer.verdict(LOST_VERDICT);
  }
}

/** A JSON-RPC line connection to a Stratum V1 pool. */
class PoolConnection {
  private readonly socket: Socket;
  private readonly splitter = new Sv1LineSplitter();
  /** keeps a character split between two reads */
  private readonly decoder = new StringDecoder('utf8');
  /**
   * In the order sent. Pools answer in order, so an answer is nearly always for the first: a map keyed by id, with a
   * request in and out for every share, allocated a new table every few shares, each kept until the next.
   */
  private readonly pending: Owed[] = [];
  private nextId = 1;
  private lastHeard = Date.now();
  closed = false;
  lastRttMs: number | undefined;
  private afterLastAnswer: (() => void) | undefined;

  constructor(
    private readonly opts: Sv1UpstreamOptions,
    private readonly onMessage: (message: Sv1Message) => void,
    private readonly onJob: (job: Readonly<Sv1Job>) => void,
    private readonly onClose: (reason: string) => void,
  ) {
    this.socket = connect({ host: opts.host, port: opts.port, noDelay: true, onread: { buffer: READ_BUFFER, callback: (bytes, buffer) => this.onRead(bytes, buffer) } });
    this.socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    this.socket.on('close', () => this.close('connection closed by pool'));
    watchSilence(this, opts.silentMs);
  }

  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new UpstreamError('timeout', `no TCP connection to ${this.opts.url} within ${timeoutMs} ms`));
        this.close('connect timeout');
      }, timeoutMs);
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.once('close', () => {
        clearTimeout(timer);
        reject(new UpstreamError('connect-failed', `cannot connect to ${this.opts.url}`));
      });
    });
  }

  request(method: string, params: unknown[], onAnswer?: (response: Sv1Response) => void): Promise<Sv1Response> {
    return new Promise((resolve, reject) => this.send(method, params, new OwedRequest(resolve, reject, onAnswer)));
  }

  /** Sends a request whose answer reaches `owed`; on a closed connection it fails at once. */
  send(method: string, params: unknown[], owed: Owed): void {
    if (this.closed) return owed.failed(new UpstreamError('closed', 'pool connection is closed'));
    owed.id = this.nextId++;
    this.pending.push(owed);
    this.socket.write(sv1Request(owed.id, method, params));
  }

  notify(method: string, params: unknown[]): void {
    if (!this.closed) this.socket.write(sv1Request(null, method, params));
  }

  write(line: string): void {
    if (!this.closed) this.socket.write(line);
  }

  closeWhenAnswered(graceMs: number, reason: string): void {
    if (this.closed) return;
    if (this.pending.length === 0) return this.close(reason);
    this.afterLastAnswer = () => this.close(reason);
    setTimeout(() => this.close(reason), graceMs).unref();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    unwatchSilence(this);
    this.socket.destroy();
    const owed = this.pending.splice(0);
    this.onClose(reason);
    const error = new UpstreamError('closed', `pool connection closed: ${reason}`);
    for (const p of owed) p.failed(error);
  }

  checkSilence(): void {
    const now = Date.now();
    const oldest = this.pending[0];
    const unanswered = oldest !== undefined && performance.now() - oldest.sentAt > owedAnswerMs(this.opts.silentMs);
    if (now - this.lastHeard > this.opts.silentMs || unanswered) this.close('silent');
  }

  private take(id: number): Owed | undefined {
    if (this.pending[0]?.id === id) return this.pending.shift();
    const at = this.pending.findIndex((p) => p.id === id);
    return at < 0 ? undefined : this.pending.splice(at, 1)[0];
  }

  private onRead(bytes: number, buffer: Uint8Array): boolean {
    this.onData(this.decoder.write(buffer.subarray(0, bytes)));
    return true;
  }

  private onData(chunk: string): void {
    this.lastHeard = Date.now();
    for (const line of this.splitter.push(chunk)) {
      if (typeof line !== 'string') {
        this.opts.logger.warn('pool sent an overlong line; dropped', { url: this.opts.url });
        continue;
      }
      if (line === lastNotify?.line) {
        this.onJob(lastNotify.job);
        continue;
      }
      let message: Sv1Message;
      try {
        message = parseSv1Line(line);
      } catch (error) {
        this.opts.logger.warn('pool sent an unreadable line; ignored', { url: this.opts.url, error: (error as Error).message });
        continue;
      }
      if (message.kind === 'request' && message.method === 'mining.notify') {
        let job: Readonly<Sv1Job>;
        try {
          job = readNotify(line, message.params);
        } catch (error) {
          this.opts.logger.warn('pool sent an invalid mining.notify; ignored', { error: (error as Error).message });
          continue;
        }
        this.onJob(job);
        continue;
      }
      if (message.kind === 'response' && typeof message.id === 'number') {
        const p = this.take(message.id);
        if (p) {
          this.lastRttMs = performance.now() - p.sentAt;
          p.answered(message);
          if (this.pending.length === 0) this.afterLastAnswer?.();
          continue;
        }
      }
      this.onMessage(message);
    }
  }
}

function refused(response: Sv1Response): boolean {
  return response.error !== null || response.result === false || response.result === null;
}

class Sv1Channel extends UpstreamChannel {
  /** 0 until the pool grants a mask in its mining.configure answer (none asked for, none granted) */
  override versionMask = 0;
  extranonceSize = 0;
  difficulty = 1;
  currentJob: ChannelJob | undefined;
  private extranonce1 = '';
  private closedReason: string | undefined;
  private closing = false;
  readonly conn: PoolConnection;

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  constructor(
    private readonly opts: Sv1UpstreamOptions,
    private readonly request: ChannelRequest,
  ) {
    super();
    this.conn = new PoolConnection(
      opts,
      (message) => this.onPoolMessage(message),
      (job) => this.onPoolJob(job),
      (reason) => {
        this.closedReason = reason;
        this.emit('closed', reason);
      },
    );
  }

  async open(): Promise<void> {
    await this.conn.ready(this.opts.connectTimeoutMs ?? 5000);
    // The answers are taken as they are parsed (onAnswer), before anything after them in the same read: the
    // pool's first notify often is, and must already see the granted mask and extranonce1.
    const configure =
      this.request.versionMask !== 0
        ? this.conn.request('mining.configure', [['version-rolling'], { 'version-rolling.mask': this.request.versionMask.toString(16).padStart(8, '0') }], (answer) => {
            const result = answer.result as Record<string, unknown> | null;
            // a pool that answers "version-rolling": false (or no mask) allows none, whatever else it says
            const allowed = result?.['version-rolling'] === true && typeof result['version-rolling.mask'] === 'string';
            const mask = allowed ? Number.parseInt(result['version-rolling.mask'] as string, 16) : 0;
            this.versionMask = Number.isFinite(mask) ? mask >>> 0 : 0;
            this.emit('versionMask', this.versionMask);
          })
        : undefined;
    const subscribe = this.conn.request('mining.subscribe', ['axewallet-proxy'], (answer) => {
      const r = answer.result;
      if (Array.isArray(r) && typeof r[1] === 'string' && /^([0-9a-fA-F]{2})*$/.test(r[1]) && typeof r[2] === 'number') {
        this.extranonce1 = r[1];
        this.extranonceSize = r[2];
      }
    });
    const authorize = this.conn.request('mining.authorize', [this.request.worker, this.request.password]);
    // all three are in flight at once: if the connection drops while an earlier one is awaited, the later
    // ones reject unobserved, which must not be an unhandled rejection (it would end the process)
    for (const pending of [configure, subscribe, authorize]) pending?.catch(() => undefined);
    await configure;
    await subscribe;
    if (this.extranonceSize === 0) throw new UpstreamError('protocol', 'pool answered mining.subscribe without extranonce1 and extranonce2 size');
    const auth = await authorize;
    if (refused(auth)) throw new UpstreamError('rejected', `pool refused worker: ${rejectReasonOf(auth) ?? 'authorize failed'}`);
  }

  submit(share: ChannelShare): void {
    if (this.closedReason !== undefined) return share.answer.verdict(LOST_VERDICT);
    this.conn.send('mining.submit', [this.request.worker, share.jobId, share.extranonce, share.ntime, share.nonce, share.versionBits], new OwedVerdict(share.answer));
  }

  suggestDifficulty(difficulty: number): void {
    this.conn.notify('mining.suggest_difficulty', [difficulty]);
  }

  /** Closes once the shares already sent are judged (or after a grace period), so their verdicts still arrive. */
  close(): void {
    this.closing = true;
    this.conn.closeWhenAnswered(CLOSE_GRACE_MS, 'closed by proxy');
  }

  private onPoolJob(job: Readonly<Sv1Job>): void {
    if (this.closing) return;
    this.currentJob = {
      jobId: job.jobId,
      prevHash: job.prevHash,
      coinbasePrefix: job.coinbase1 + this.extranonce1,
      coinbaseSuffix: job.coinbase2,
      merkleBranches: job.merkleBranches,
      version: job.version,
      nbits: job.nbits,
      ntime: job.ntime,
      cleanJobs: job.cleanJobs,
      versionRolling: this.versionMask !== 0,
      // set_difficulty applies from the next notify on
      difficulty: this.difficulty,
    };
    this.emit('job', this.currentJob);
  }

  private onPoolMessage(message: Sv1Message): void {
    if (message.kind !== 'request' || this.closing) return;
    const { method, params } = message;
    switch (method) {
      case 'mining.set_difficulty': {
        const d = params[0];
        if (typeof d === 'number' && d > 0) {
          this.difficulty = clampDifficulty(d);
          this.emit('target', this.difficulty);
        }
        return;
      }
      case 'mining.set_version_mask':
        if (typeof params[0] === 'string' && /^[0-9a-fA-F]{1,8}$/.test(params[0])) {
          this.versionMask = Number.parseInt(params[0], 16) >>> 0;
          this.emit('versionMask', this.versionMask);
        }
        return;
      case 'mining.set_extranonce':
        if (typeof params[0] === 'string' && /^([0-9a-fA-F]{2})*$/.test(params[0]) && typeof params[1] === 'number') {
          this.extranonce1 = params[0];
          if (params[1] !== this.extranonceSize) this.conn.close('pool changed the extranonce2 size');
        }
        return;
      case 'mining.ping':
        this.conn.write(`${JSON.stringify({ id: message.id, result: 'pong', error: null })}\n`);
        return;
      case 'client.reconnect':
        this.conn.close('pool asked to reconnect');
        return;
      default:
        if (message.id !== null) this.conn.write(`${JSON.stringify({ id: message.id, result: null, error: [20, 'not supported', null] })}\n`);
    }
  }
}

export class Sv1UpstreamLink extends UpstreamLink {
  readonly protocol = 'sv1' as const;
  readonly url: string;
  private readonly channels = new Set<Sv1Channel>();
  private probeRtt: number | undefined;
  private closed = false;

  constructor(private readonly opts: Sv1UpstreamOptions) {
    super();
    this.url = opts.url;
  }

  get latencyMs(): number | undefined {
    for (const c of this.channels) if (c.conn.lastRttMs !== undefined) return c.conn.lastRttMs;
    return this.probeRtt;
  }

  /** A pool is up when it answers mining.subscribe on a fresh connection (authorize needs a miner's credentials). */
  async connect(): Promise<void> {
    this.emit('state', 'connecting');
    const probe = new PoolConnection(
      this.opts,
      () => {},
      () => {},
      () => {},
    );
    try {
      await probe.ready(this.opts.connectTimeoutMs ?? 5000);
      const started = performance.now();
      const answer = await Promise.race([
        probe.request('mining.subscribe', ['axewallet-proxy']),
        new Promise<never>((_, reject) => setTimeout(() => reject(new UpstreamError('timeout', 'pool did not answer mining.subscribe')), Math.min(this.opts.silentMs, 10_000)).unref()),
      ]);
      if (!Array.isArray(answer.result)) throw new UpstreamError('protocol', 'pool answered mining.subscribe with something else');
      if (typeof answer.result[2] === 'number') this.extranonceSpace = answer.result[2];
      this.probeRtt = performance.now() - started;
      this.emit('state', 'up');
    } catch (error) {
      this.emit('state', 'down', (error as Error).message);
      throw error;
    } finally {
      probe.close('probe done');
    }
  }

  async openChannel(request: ChannelRequest): Promise<UpstreamChannel> {
    if (this.closed) throw new UpstreamError('closed', 'upstream link closed');
    const channel = new Sv1Channel(this.opts, { ...request });
    this.channels.add(channel);
    channel.on('closed', (reason) => {
      this.channels.delete(channel);
      if (reason === 'silent') this.emit('state', 'silent', 'pool stopped talking');
    });
    try {
      await channel.open();
    } catch (error) {
      channel.close();
      throw error;
    }
    return channel;
  }

  close(immediately = false): void {
    this.closed = true;
    for (const c of [...this.channels]) {
      if (immediately) c.conn.close('upstream closed');
      else c.close();
    }
  }
}

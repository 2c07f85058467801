/**
 * The one ESP-Miner-like Stratum V1 client, for the simulator and for every test that needs a miner. It behaves
 * like the firmware (components/stratum/stratum_api.c and main/tasks/stratum_v1_task.c): configure, subscribe and
 * authorize pipelined on connect (ids 1, 2, 3); suggest_difficulty and extranonce.subscribe only after authorize
 * succeeds; set_difficulty applies at the next notify; a notify whose job id it already holds is ignored (a clean one
 * clears the list first); extranonce2 is a little-endian counter reset per job; six submit params; pong and
 * client.get_version answered; client.reconnect dials the configured pool again, whatever host it names.
 *
 * Two ways to run it: start() is the firmware's stratum task (redial after every close, fallback after 3 failures,
 * a primary probe while on fallback) with the simulated ASIC hashing at `hashesPerSecond`; connect() is one
 * connection as a test drives it (resolves with a job in hand; no redial unless the pool sends client.reconnect),
 * and submitShare() finds and sends a share of a chosen kind on demand.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { bytesToHex, hashMeetsTarget, MAX_TARGET, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { type Sv1Message, type Sv1Response, Sv1LineSplitter, parseSv1Line, rejectReasonOf } from '../../lib/protocol/sv1/codec';
import { type Sv1Job, extranonce2Hex, headerForSubmission } from '../../lib/protocol/sv1/job';
import { type AsicSession, type FoundShare, SimAsic, hex32, searchNonce } from './asic';
import { JobIntake } from './job-intake';
import { PoolFailover } from './pool-failover';

export { type FoundShare, incrementBitmask } from './asic';

export interface MinerPool {
  host: string;
  port: number;
  user: string;
  /** default 'x' */
  password?: string;
  /** sent after authorize when > 0, like the firmware's stratumSuggestedDifficulty */
  suggestedDifficulty?: number;
  extranonceSubscribe?: boolean;
}

export type EspLogLevel = 'E' | 'W' | 'I' | 'D';

export interface MinerOptions {
  /** read at every connection attempt: pool edits apply on the next reconnect */
  pools: () => { primary?: MinerPool; fallback?: MinerPool };
  /** default: a Bitaxe Gamma on v2.15.0 */
  userAgent?: string;
  /** the LAN host the miner connects from (a loopback address such as 127.0.0.2) */
  localAddress?: string;
  /** 0 (default): the ASIC hashes only when submitShare() asks */
  hashesPerSecond?: number;
  log?: (level: EspLogLevel, tag: string, message: string) => void;
  onShareResult?: (accepted: boolean, reason: string | undefined, difficulty: number) => void;
  onNonce?: (share: FoundShare) => void;
  connectRetryMs?: number;
  readErrorRetryMs?: number;
  primaryProbeMs?: number;
  probeTimeoutMs?: number;
  failuresBeforeFallback?: number;
  /** the lowest difficulty the simulated ASIC reports (see SimAsic) */
  asicFloorDifficulty?: number;
}

/** A miner pointed at one pool, as a test sets one up. */
export function minerFor(pool: MinerPool, options: Omit<MinerOptions, 'pools'> = {}): SimMiner {
  return new SimMiner({ ...options, pools: () => ({ primary: pool }) });
}

export interface ShareResult {
  accepted: boolean;
  reason?: string;
  headerHash: string;
  /** ms from writing the submit to reading its answer */
  latencyMs: number;
}

export type ShareKind = 'valid' | 'low-difficulty' | 'duplicate' | 'unknown-job';

interface MinerEvents {
  message: [Sv1Message];
  disconnected: [];
}

interface Waiting {
  resolve: (response: Sv1Response) => void;
  /** set for a share: the difficulty of its hash */
  shareDifficulty?: number;
}

const KEPT_MESSAGES = 1000;
const AUTHORIZE_ID = 3;

export class SimMiner extends EventEmitter<MinerEvents> {
  /** the last messages received, oldest first */
  readonly received: Sv1Message[] = [];
  readonly rejectReasons: Record<string, number> = {};
  accepted = 0;
  rejected = 0;
  /** client.reconnect requests followed */
  reconnects = 0;
  paused = false;
  connected = false;
  authorized = false;
  lastResponseMs = 0;
  private readonly session: AsicSession = { extranonce1: '', extranonce2Size: 4, versionMask: 0 };
  private readonly asic: SimAsic;
  private readonly intake = new JobIntake();
  private socket: net.Socket | undefined;
  private readonly failover: PoolFailover<MinerPool>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = true;
  /** false while a test drives one connection: a close is the end, unless the pool asked for the reconnect */
  private redial = true;
  private reconnectRequested = false;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly sentAt = new Map<number, number>();
  private currentPool: MinerPool | undefined;
  private extranonce2Counter = 1n;
  private lastShare: { params: unknown[]; headerHash: string } | undefined;

  constructor(private readonly options: MinerOptions) {
    super();
    this.asic = new SimAsic({
      hashesPerSecond: options.hashesPerSecond ?? 0,
      floorDifficulty: options.asicFloorDifficulty,
      session: this.session,
      canSubmit: () => this.authorized && !this.paused,
      log: (message) => this.log('I', 'asic_result', message),
      onNonce: (share) => {
        this.options.onNonce?.(share);
        const pool = this.currentPool;
        if (pool) void this.submit([pool.user, share.jobId, share.extranonce2, share.ntime, share.nonce, share.versionBits], share.difficulty);
      },
    });
    this.failover = new PoolFailover(options, {
      userAgent: this.userAgent,
      later: (ms, fn) => this.later(ms, fn),
      log: (level, tag, message) => this.log(level, tag, message),
      leaveFallback: () => this.socket?.destroy(),
    });
  }

  get extranonce1(): string {
    return this.session.extranonce1;
  }

  get extranonce2Size(): number {
    return this.session.extranonce2Size;
  }

  get versionMask(): number {
    return this.session.versionMask;
  }

  /** the job being mined */
  get job(): Sv1Job | undefined {
    return this.asic.job;
  }

  /** the jobs taken as work, each with the difficulty the firmware mines it at (the one in force at its notify) */
  get jobs(): ReadonlyArray<{ job: Sv1Job; difficulty: number }> {
    return this.intake.jobs;
  }

  /** the difficulty of the current job */
  get difficulty(): number {
    return this.intake.difficulty;
  }

  /** what it says in mining.subscribe: bitaxe/<asic>/<firmware version> */
  get userAgent(): string {
    return this.options.userAgent ?? 'bitaxe/BM1370/v2.15.0';
  }

  get usingFallback(): boolean {
    return this.failover.usingFallback;
  }

  get pool(): MinerPool | undefined {
    return this.currentPool;
  }

  /** The firmware's stratum task: connect, redial after every close, fall back and probe the primary. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.redial = true;
    this.failover.reset();
    this.asic.start();
    this.dial();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.asic.stop();
    // the close event answers unanswered calls and says 'disconnected'
    this.socket?.destroy();
    this.failover.cancel();
    this.connected = false;
    this.authorized = false;
  }

  /** One connection, as a test drives it: resolves once authorized with a job in hand; rejects if refused or cut. */
  async connect(timeoutMs = 10_000): Promise<void> {
    this.stopped = false;
    this.redial = false;
    let onMessage: (message: Sv1Message) => void = () => undefined;
    let onDisconnected: () => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      onMessage = (message) => {
        if (message.kind === 'response' && message.id === AUTHORIZE_ID && message.result !== true) {
          reject(new Error(`authorize failed: ${rejectReasonOf(message) ?? 'no reason'}`));
        }
      };
      onDisconnected = () => reject(new Error('the pool closed the connection before the first job'));
    });
    const ready = this.waitFor(() => this.authorized && this.job !== undefined && this.difficulty > 0, timeoutMs, 'first job');
    ready.catch(() => undefined); // when `failed` wins the race, the timeout still ends this one later
    this.on('message', onMessage);
    this.on('disconnected', onDisconnected);
    this.dial();
    try {
      await Promise.race([ready, failed]);
    } finally {
      this.off('message', onMessage);
      this.off('disconnected', onDisconnected);
    }
  }

  /** Stops everything: the connection, the timers, the probe. */
  close(): void {
    this.stop();
  }

  /** client.reconnect and pool edits: drop the connection and dial the configured pool again. */
  reconnect(): void {
    this.reconnectRequested = true;
    this.socket?.destroy();
  }

  /**
   * Finds and submits one share of the given kind on the current job (or on `work`, an earlier job still in
   * flight, at the difficulty it came with); resolves with the verdict. For a miner that hashes only on demand.
   */
  async submitShare(kind: ShareKind = 'valid', work?: { job: Sv1Job; difficulty: number }): Promise<ShareResult> {
    if (kind === 'duplicate' && this.lastShare) return this.sendShare(this.lastShare.params, this.lastShare.headerHash);
    const job = work?.job ?? this.job;
    const pool = this.currentPool;
    if (!job || !pool) throw new Error('no job yet');
    if ((this.options.hashesPerSecond ?? 0) > 0) throw new Error('submitShare is for a miner that hashes on demand (hashesPerSecond 0)');
    const difficulty = work?.difficulty ?? this.difficulty;
    const target = difficulty > 0 ? targetFromDifficulty(difficulty) : MAX_TARGET;
    // work on an earlier job uses counters the current job's never reach, so no two shares repeat
    const extranonce2 = extranonce2Hex(this.extranonce2Counter++ + (work ? 1n << 24n : 0n), this.extranonce2Size);
    const versionBits = this.versionMask ? hex32(0x2000 & this.versionMask) : '00000000';
    const header = headerForSubmission(job, { extranonce1: this.extranonce1, extranonce2, ntime: job.ntime, nonce: '00000000', versionBits });
    const found = await searchNonce(header, (hash) => hashMeetsTarget(hash, target) === (kind !== 'low-difficulty'));
    const params = [pool.user, kind === 'unknown-job' ? 'ffffffff' : job.jobId, extranonce2, job.ntime, hex32(found.nonce), versionBits];
    const headerHash = bytesToHex(found.hash);
    this.lastShare = { params, headerHash };
    return this.sendShare(params, headerHash);
  }

  /** Sends any line as-is (fuzzing and protocol tests). */
  writeRaw(line: string): void {
    this.socket?.write(line);
  }

  /** Sends a request and resolves with its answer (or a 'disconnected' error when the connection ends first). */
  call(method: string, params: unknown[]): Promise<Sv1Response> {
    return new Promise((resolve) => this.waiting.set(this.send(method, params), { resolve }));
  }

  waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (condition()) return resolve();
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.off('message', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('message', check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.on('message', check);
    });
  }

  private log(level: EspLogLevel, tag: string, message: string): void {
    this.options.log?.(level, tag, message);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private dial(): void {
    const pool = this.failover.choose();
    this.currentPool = pool;
    if (!pool) {
      this.log('E', 'stratum_task', 'No pool configured');
      this.later(this.options.connectRetryMs ?? 5000, () => this.dial());
      return;
    }
    this.log('I', 'stratum_task', `Connecting to: stratum+tcp://${pool.host}:${pool.port} (${this.failover.usingFallback ? 'fallback' : 'primary'})`);
    const socket = net.connect({ host: pool.host, port: pool.port, localAddress: this.options.localAddress });
    socket.setNoDelay(true);
    this.socket = socket;
    this.nextId = 1;
    this.sentAt.clear();
    this.intake.newConnection();
    this.reconnectRequested = false;
    const splitter = new Sv1LineSplitter();
    let established = false;
    socket.on('connect', () => {
      established = true;
      this.connected = true;
      this.log('I', 'stratum_task', 'Connected');
      // Pipelined without waiting for answers, like the firmware.
      this.send('mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }]);
      this.send('mining.subscribe', [this.userAgent]);
      this.send('mining.authorize', [pool.user, pool.password ?? 'x']);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) {
        if (typeof line === 'string' && this.socket === socket) this.handleLine(line, pool);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose(socket, pool, established));
  }

  private onClose(socket: net.Socket, pool: MinerPool, established: boolean): void {
    if (this.socket !== socket) return;
    this.connected = false;
    this.authorized = false;
    this.asic.work(undefined);
    this.socket = undefined;
    // unanswered calls end with the connection, as the firmware's read error does
    for (const [id, { resolve }] of this.waiting) resolve({ kind: 'response', id, result: null, error: [20, 'disconnected', null] });
    this.waiting.clear();
    this.emit('disconnected');
    if (this.stopped) return;
    if (this.reconnectRequested) {
      this.later(this.options.readErrorRetryMs ?? 1000, () => this.dial());
      return;
    }
    if (!this.redial) return;
    if (established) this.log('E', 'stratum_api', 'Error: transport read failed: Connection closed by peer (code: -1)');
    else this.log('E', 'stratum_task', `Socket unable to connect to ${pool.host}:${pool.port}`);
    this.failover.closed();
    this.later(established ? (this.options.readErrorRetryMs ?? 1000) : (this.options.connectRetryMs ?? 5000), () => this.dial());
  }

  private send(method: string, params: unknown[]): number {
    const id = this.nextId++;
    this.writeLine(JSON.stringify({ id, method, params }));
    this.sentAt.set(id, Date.now());
    return id;
  }

  private writeLine(line: string): void {
    this.log('I', 'stratum_api', `tx: ${line}`);
    this.socket?.write(`${line}\n`);
  }

  private async sendShare(params: unknown[], headerHash: string): Promise<ShareResult> {
    const started = performance.now();
    const response = await this.submit(params, 0);
    const latencyMs = performance.now() - started;
    if (response.result === true) return { accepted: true, headerHash, latencyMs };
    return { accepted: false, reason: rejectReasonOf(response) ?? 'unknown', headerHash, latencyMs };
  }

  private submit(params: unknown[], shareDifficulty: number): Promise<Sv1Response> {
    return new Promise((resolve) => this.waiting.set(this.send('mining.submit', params), { resolve, shareDifficulty }));
  }

  private handleLine(line: string, pool: MinerPool): void {
    this.log('I', 'stratum_api', `rx: ${line}`);
    let message: Sv1Message;
    try {
      message = parseSv1Line(line);
    } catch {
      this.log('E', 'stratum_api', `JSON parse failed: ${line.slice(0, 200)}`);
      return;
    }
    this.received.push(message);
    if (this.received.length > KEPT_MESSAGES) this.received.shift();
    if (message.kind === 'request') this.handleRequest(message.id, message.method, message.params);
    else this.handleResponse(message, pool);
    this.emit('message', message);
  }

  private handleRequest(id: number | string | null, method: string, params: unknown[]): void {
    switch (method) {
      case 'mining.notify': {
        const taken = this.intake.notify(params);
        if (taken.kind === 'invalid') this.log('E', 'stratum_api', `Invalid mining.notify: ${taken.error}`);
        else if (taken.kind === 'duplicate') this.log('W', 'stratum_v1_task', `Ignoring duplicate notify for job ${taken.jobId}`);
        else {
          // the newest notify is the work at the firmware's next job interval; a clean one also drops the work in
          // flight (create_jobs_task, SYSTEM_clean_jobs_queue)
          this.extranonce2Counter = 1n;
          this.asic.work(taken.job, taken.difficulty);
        }
        return;
      }
      case 'mining.set_difficulty':
        if (this.intake.setDifficulty(params[0])) this.log('I', 'stratum_api', `Set pool difficulty: ${(params[0] as number).toFixed(2)}`);
        else this.log('E', 'stratum_api', 'Invalid difficulty value in set_difficulty');
        return;
      case 'mining.set_version_mask':
        if (typeof params[0] === 'string') this.session.versionMask = Number.parseInt(params[0], 16) >>> 0;
        this.log('I', 'stratum_api', `Set version mask: ${hex32(this.session.versionMask)}`);
        return;
      case 'mining.set_extranonce':
        if (typeof params[0] === 'string' && typeof params[1] === 'number') {
          this.session.extranonce1 = params[0];
          this.session.extranonce2Size = params[1];
        }
        return;
      case 'mining.ping':
        this.writeLine(JSON.stringify({ id, method: 'pong', params: [] }));
        return;
      case 'client.get_version':
        // STRATUM_V1_send_version: the firmware's own version (the last part of bitaxe/<asic>/<version>)
        this.writeLine(JSON.stringify({ id, result: this.userAgent.split('/').at(-1), error: null }));
        return;
      case 'client.show_message':
        this.log('I', 'stratum_api', `Pool message: ${String(params[0] ?? '')}`);
        return;
      case 'client.reconnect':
        // host/port are ignored: the firmware reconnects to its configured pool
        this.log('I', 'stratum_api', 'Received client.reconnect');
        this.reconnects += 1;
        this.reconnect();
        return;
      default:
        this.log('I', 'stratum_api', `Unhandled method: ${method}`);
    }
  }

  private handleResponse(response: Sv1Response, pool: MinerPool): void {
    const id = typeof response.id === 'number' ? response.id : -1;
    const sent = this.sentAt.get(id);
    if (sent !== undefined) {
      this.lastResponseMs = Date.now() - sent;
      this.sentAt.delete(id);
    }
    const waiting = this.waiting.get(id);
    const isShare = waiting?.shareDifficulty !== undefined;
    const result = response.result;
    if (Array.isArray(result) && result.length >= 3) {
      if (typeof result[1] === 'string') this.session.extranonce1 = result[1];
      if (typeof result[2] === 'number') this.session.extranonce2Size = result[2];
      this.log('I', 'stratum_api', `Subscribe result: extranonce=${this.extranonce1}, extranonce2_len=${this.extranonce2Size}`);
    } else if (result && typeof result === 'object' && 'version-rolling' in result) {
      const mask = (result as Record<string, unknown>)['version-rolling.mask'];
      this.session.versionMask = typeof mask === 'string' ? Number.parseInt(mask, 16) >>> 0 : 0;
      this.log('I', 'stratum_api', `Configure result: version_mask=${hex32(this.versionMask)}`);
    } else if (!isShare) {
      // Any answer to a setup message, accepted or refused, resets the failure count (stratum_v1_task.c: "Reset
      // retry attempts after successfully receiving data"): only a pool that says nothing sends the firmware away.
      if (typeof result === 'boolean' || (response.error !== null && response.error !== undefined)) this.failover.answered();
      if (id === AUTHORIZE_ID && !this.authorized) {
        if (result === true) {
          this.authorized = true;
          if ((pool.suggestedDifficulty ?? 0) > 0) this.send('mining.suggest_difficulty', [pool.suggestedDifficulty]);
          if (pool.extranonceSubscribe) this.send('mining.extranonce.subscribe', []);
        } else {
          this.log('E', 'stratum_api', `Authorization failed: ${rejectReasonOf(response) ?? 'unknown reason'}`);
        }
      }
    } else {
      // {"result":null,"error":null} is ignored, like the firmware does
      if (result === null && (response.error === null || response.error === undefined) && !response.rejectReason) return;
      this.onShareVerdict(response, waiting.shareDifficulty!);
    }
    if (waiting) {
      this.waiting.delete(id);
      waiting.resolve(response);
    }
  }

  private onShareVerdict(response: Sv1Response, difficulty: number): void {
    const accepted = response.result === true;
    const reason = accepted ? undefined : (rejectReasonOf(response) ?? 'unknown');
    if (accepted) this.accepted += 1;
    else {
      this.rejected += 1;
      this.rejectReasons[reason!] = (this.rejectReasons[reason!] ?? 0) + 1;
    }
    this.log('I', 'stratum_api', accepted ? 'Result success' : `Result failed: ${reason}`);
    this.options.onShareResult?.(accepted, reason, difficulty);
  }
}

/**
 * A Stratum V1 client that behaves like ESP-Miner's (research/bitaxe.md, stratum_parser_transcript.txt):
 * configure/subscribe/authorize pipelined on connect, suggest_difficulty and extranonce.subscribe only
 * after authorize succeeds, extranonce2 as a little-endian counter reset per job, version rolling within
 * the pool's mask, real sha256d hashing, fallback after 3 consecutive failures and a primary probe while
 * on fallback. Intervals are options so tests can shorten them.
 */
import net from 'node:net';
import { hashDifficulty, hashMeetsTarget, sha256d, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { type Sv1Response, Sv1LineSplitter, parseSv1Line, rejectReasonOf } from '../../lib/protocol/sv1/codec';
import { type Sv1Job, extranonce2Hex, headerForSubmission, parseNotify } from '../../lib/protocol/sv1/job';

export interface MinerPool {
  host: string;
  port: number;
  user: string;
  password: string;
  suggestedDifficulty: number;
  extranonceSubscribe: boolean;
}

export type EspLogLevel = 'E' | 'W' | 'I' | 'D';

export interface MinerOptions {
  /** read at every connection attempt: pool edits apply on the next reconnect */
  pools: () => { primary?: MinerPool; fallback?: MinerPool };
  userAgent: string;
  localAddress?: string;
  hashesPerSecond: number;
  log: (level: EspLogLevel, tag: string, message: string) => void;
  onShareResult?: (accepted: boolean, reason: string | undefined, difficulty: number) => void;
  onNonce?: (share: FoundShare) => void;
  connectRetryMs?: number;
  readErrorRetryMs?: number;
  primaryProbeMs?: number;
  probeTimeoutMs?: number;
  failuresBeforeFallback?: number;
  /**
   * The lowest difficulty the simulated ASIC reports. A real ASIC never reports below its ticket
   * mask (difficulty 256 on a Bitaxe); scaled to the simulated hashrate, the default keeps the
   * sim at about two nonces a second whatever the pool asks for.
   */
  asicFloorDifficulty?: number;
}

export interface FoundShare {
  jobId: string;
  extranonce2: string;
  ntime: string;
  nonce: string;
  versionBits: string;
  difficulty: number;
  poolDifficulty: number;
}

interface ActiveJob {
  job: Sv1Job;
  poolDifficulty: number;
  extranonce2Counter: bigint;
  version: number;
  nonce: number;
  header?: Uint8Array;
}

/** ESP-Miner's increment_bitmask: add one to the bits under the mask, carrying across gaps. */
export function incrementBitmask(value: number, mask: number): number {
  if (mask === 0) return value >>> 0;
  const next = (((value | ~mask) >>> 0) + 1) >>> 0;
  return ((next & mask) | (value & ~mask)) >>> 0;
}

const NONCES_PER_VERSION = 4096;
const VERSIONS_PER_EXTRANONCE2 = 4;
const TICK_MS = 100;

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

export class SimMiner {
  private socket: net.Socket | undefined;
  private probeSocket: net.Socket | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private hashTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private nextId = 1;
  private failures = 0;
  private onFallback = false;
  private extranonce1 = '';
  private extranonce2Length = 4;
  private versionMask = 0;
  private pendingDifficulty = 0;
  private active: ActiveJob | undefined;
  private recentJobIds: string[] = [];
  private submits = new Map<number, number>();
  private currentPool: MinerPool | undefined;
  paused = false;
  connected = false;
  authorized = false;
  poolDifficulty = 0;
  lastResponseMs = 0;
  private sentAt = new Map<number, number>();

  constructor(private readonly options: MinerOptions) {}

  get usingFallback(): boolean {
    return this.onFallback;
  }

  get pool(): MinerPool | undefined {
    return this.currentPool;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.failures = 0;
    this.onFallback = false;
    this.connect();
    this.hashTimer = setInterval(() => this.hashTick(), TICK_MS);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.hashTimer) clearInterval(this.hashTimer);
    this.hashTimer = undefined;
    this.socket?.destroy();
    this.probeSocket?.destroy();
    this.socket = undefined;
    this.connected = false;
    this.authorized = false;
    this.active = undefined;
  }

  /** client.reconnect and pool edits: drop the connection and dial the configured pool again. */
  reconnect(): void {
    this.socket?.destroy();
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private choosePool(): MinerPool | undefined {
    const { primary, fallback } = this.options.pools();
    if (this.onFallback && fallback) return fallback;
    this.onFallback = false;
    return primary ?? fallback;
  }

  private connect(): void {
    const pool = this.choosePool();
    this.currentPool = pool;
    if (!pool) {
      this.options.log('E', 'stratum_task', 'No pool configured');
      this.later(this.options.connectRetryMs ?? 5000, () => this.connect());
      return;
    }
    this.options.log('I', 'stratum_task', `Connecting to: stratum+tcp://${pool.host}:${pool.port} (${this.onFallback ? 'fallback' : 'primary'})`);
    const socket = net.connect({ host: pool.host, port: pool.port, localAddress: this.options.localAddress });
    socket.setNoDelay(true);
    this.socket = socket;
    this.nextId = 1;
    this.submits.clear();
    this.sentAt.clear();
    this.recentJobIds = [];
    const splitter = new Sv1LineSplitter();
    let established = false;
    socket.on('connect', () => {
      established = true;
      this.connected = true;
      this.options.log('I', 'stratum_task', 'Connected');
      // Pipelined without waiting for answers, like the firmware.
      this.send('mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }]);
      this.send('mining.subscribe', [this.options.userAgent]);
      this.send('mining.authorize', [pool.user, pool.password]);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) {
        if (typeof line === 'string') this.handleLine(line, pool);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.connected = false;
      this.authorized = false;
      this.active = undefined;
      this.socket = undefined;
      if (this.stopped) return;
      this.failures += 1;
      if (established) this.options.log('E', 'stratum_api', 'Error: transport read failed: Connection closed by peer (code: -1)');
      else this.options.log('E', 'stratum_task', `Socket unable to connect to ${pool.host}:${pool.port}`);
      if (this.failures >= (this.options.failuresBeforeFallback ?? 3) && !this.onFallback && this.options.pools().fallback) {
        this.options.log('W', 'stratum_task', 'Switching to fallback pool');
        this.onFallback = true;
        this.failures = 0;
        this.scheduleProbe();
      }
      this.later(established ? (this.options.readErrorRetryMs ?? 1000) : (this.options.connectRetryMs ?? 5000), () => this.connect());
    });
  }

  private send(method: string, params: unknown[]): number {
    const id = this.nextId++;
    this.writeLine(JSON.stringify({ id, method, params }));
    this.sentAt.set(id, Date.now());
    return id;
  }

  private writeLine(line: string): void {
    this.options.log('I', 'stratum_api', `tx: ${line}`);
    this.socket?.write(`${line}\n`);
  }

  private handleLine(line: string, pool: MinerPool): void {
    this.options.log('I', 'stratum_api', `rx: ${line}`);
    let message;
    try {
      message = parseSv1Line(line);
    } catch {
      this.options.log('E', 'stratum_api', `JSON parse failed: ${line.slice(0, 200)}`);
      return;
    }
    if (message.kind === 'request') this.handleRequest(message.id, message.method, message.params);
    else this.handleResponse(message, pool);
  }

  private handleRequest(id: number | string | null, method: string, params: unknown[]): void {
    switch (method) {
      case 'mining.notify': {
        let job: Sv1Job;
        try {
          job = parseNotify(params);
        } catch (error) {
          this.options.log('E', 'stratum_api', `Invalid mining.notify: ${(error as Error).message}`);
          return;
        }
        // stratum_v1_task.c: a clean notify clears the ids kept against duplicates first (as does a new connection)
        if (job.cleanJobs) this.recentJobIds = [];
        if (this.recentJobIds.includes(job.jobId)) return;
        this.recentJobIds.push(job.jobId);
        if (this.recentJobIds.length > 16) this.recentJobIds.shift();
        // the firmware takes the newest notify as its work (with the difficulty set before it) at its next job
        // interval; a clean one also drops the work in flight (create_jobs_task, SYSTEM_clean_jobs_queue)
        this.poolDifficulty = this.pendingDifficulty;
        this.startJob(job);
        return;
      }
      case 'mining.set_difficulty': {
        const value = params[0];
        if (typeof value !== 'number' || !(value > 0)) {
          this.options.log('E', 'stratum_api', 'Invalid difficulty value in set_difficulty');
          return;
        }
        this.pendingDifficulty = value;
        this.options.log('I', 'stratum_api', `Set pool difficulty: ${value.toFixed(2)}`);
        return;
      }
      case 'mining.set_version_mask':
        if (typeof params[0] === 'string') this.versionMask = Number.parseInt(params[0], 16) >>> 0;
        this.options.log('I', 'stratum_api', `Set version mask: ${hex32(this.versionMask)}`);
        return;
      case 'mining.set_extranonce':
        if (typeof params[0] === 'string' && typeof params[1] === 'number') {
          this.extranonce1 = params[0];
          this.extranonce2Length = params[1];
        }
        return;
      case 'mining.ping':
        this.writeLine(JSON.stringify({ id, method: 'pong', params: [] }));
        return;
      case 'client.get_version':
        this.writeLine(JSON.stringify({ id, result: this.options.userAgent, error: null }));
        return;
      case 'client.show_message':
        this.options.log('I', 'stratum_api', `Pool message: ${String(params[0] ?? '')}`);
        return;
      case 'client.reconnect':
        // host/port are ignored: the firmware reconnects to its configured pool
        this.options.log('I', 'stratum_api', 'Received client.reconnect');
        this.reconnect();
        return;
      default:
        this.options.log('I', 'stratum_api', `Unhandled method: ${method}`);
    }
  }

  private handleResponse(response: Sv1Response, pool: MinerPool): void {
    const id = typeof response.id === 'number' ? response.id : -1;
    const sent = this.sentAt.get(id);
    if (sent !== undefined) {
      this.lastResponseMs = Date.now() - sent;
      this.sentAt.delete(id);
    }
    const result = response.result;
    if (Array.isArray(result) && result.length >= 3) {
      if (typeof result[1] === 'string') this.extranonce1 = result[1];
      if (typeof result[2] === 'number') this.extranonce2Length = result[2];
      this.options.log('I', 'stratum_api', `Subscribe result: extranonce=${this.extranonce1}, extranonce2_len=${this.extranonce2Length}`);
      return;
    }
    if (result && typeof result === 'object' && 'version-rolling' in result) {
      const mask = (result as Record<string, unknown>)['version-rolling.mask'];
      this.versionMask = typeof mask === 'string' ? Number.parseInt(mask, 16) >>> 0 : 0;
      this.options.log('I', 'stratum_api', `Configure result: version_mask=${hex32(this.versionMask)}`);
      return;
    }
    const difficulty = this.submits.get(id);
    // Any answer to a setup message, accepted or refused, resets the failure count (stratum_v1_task.c: "Reset
    // retry attempts after successfully receiving data"): only a pool that says nothing sends the firmware away.
    if (difficulty === undefined && (typeof result === 'boolean' || (response.error !== null && response.error !== undefined))) this.failures = 0;
    if (id === 3 && !this.authorized) {
      if (result === true) {
        this.authorized = true;
        if (pool.suggestedDifficulty > 0) this.send('mining.suggest_difficulty', [pool.suggestedDifficulty]);
        if (pool.extranonceSubscribe) this.send('mining.extranonce.subscribe', []);
      } else {
        this.options.log('E', 'stratum_api', `Authorization failed: ${rejectReasonOf(response) ?? 'unknown reason'}`);
      }
      return;
    }
    if (difficulty === undefined) return;
    // {"result":null,"error":null} is ignored, like the firmware does
    if (result === null && (response.error === null || response.error === undefined) && !response.rejectReason) return;
    this.submits.delete(id);
    const accepted = result === true;
    const reason = accepted ? undefined : (rejectReasonOf(response) ?? 'unknown');
    this.options.log('I', 'stratum_api', accepted ? 'Result success' : `Result failed: ${reason}`);
    this.options.onShareResult?.(accepted, reason, difficulty);
  }

  private startJob(job: Sv1Job): void {
    this.active = { job, poolDifficulty: this.poolDifficulty, extranonce2Counter: 1n, version: Number.parseInt(job.version, 16) >>> 0, nonce: 0 };
  }

  private hashTick(): void {
    const work = this.active;
    if (!work || this.paused || !this.authorized || work.poolDifficulty <= 0) return;
    const floor = this.options.asicFloorDifficulty ?? this.options.hashesPerSecond / 2 ** 32 / 2;
    const target = targetFromDifficulty(Math.max(work.poolDifficulty, floor));
    const count = Math.max(1, Math.round((this.options.hashesPerSecond * TICK_MS) / 1000));
    for (let i = 0; i < count; i++) {
      if (!work.header) {
        work.header = headerForSubmission(work.job, {
          extranonce1: this.extranonce1,
          extranonce2: extranonce2Hex(work.extranonce2Counter, this.extranonce2Length),
          ntime: work.job.ntime,
          nonce: '00000000',
          versionBits: hex32(work.version ^ Number.parseInt(work.job.version, 16)),
        });
      }
      const header = work.header;
      new DataView(header.buffer, header.byteOffset).setUint32(76, work.nonce, true);
      const hash = sha256d(header);
      if (hashMeetsTarget(hash, target)) this.submitShare(work, hash);
      this.advance(work);
      if (this.active !== work) return;
    }
  }

  private advance(work: ActiveJob): void {
    work.nonce += 1;
    if (work.nonce % NONCES_PER_VERSION !== 0) return;
    work.header = undefined;
    const rolls = work.nonce / NONCES_PER_VERSION;
    if (rolls % VERSIONS_PER_EXTRANONCE2 === 0 || this.versionMask === 0) {
      work.extranonce2Counter += 1n;
      work.version = Number.parseInt(work.job.version, 16) >>> 0;
      work.nonce = 0;
    } else {
      work.version = incrementBitmask(work.version, this.versionMask);
    }
  }

  private submitShare(work: ActiveJob, hash: Uint8Array): void {
    const difficulty = hashDifficulty(hash);
    const share: FoundShare = {
      jobId: work.job.jobId,
      extranonce2: extranonce2Hex(work.extranonce2Counter, this.extranonce2Length),
      ntime: work.job.ntime,
      nonce: hex32(work.nonce),
      versionBits: hex32(work.version ^ Number.parseInt(work.job.version, 16)),
      difficulty,
      poolDifficulty: work.poolDifficulty,
    };
    const shown = difficulty >= 1 ? difficulty.toFixed(1) : difficulty.toPrecision(3);
    this.options.log(
      'I',
      'asic_result',
      `ID: ${share.jobId}, ASIC nr: 0, Core: ${work.nonce % 80}/${work.nonce % 16}, ver: ${hex32(work.version).toUpperCase()} Nonce ${share.nonce.toUpperCase()} diff ${shown} of ${work.poolDifficulty}.`,
    );
    this.options.onNonce?.(share);
    const pool = this.currentPool;
    if (!pool) return;
    const id = this.send('mining.submit', [pool.user, share.jobId, share.extranonce2, share.ntime, share.nonce, share.versionBits]);
    this.submits.set(id, difficulty);
  }

  /** While on automatic fallback: every probe interval, check whether the primary hands out work again. */
  private scheduleProbe(): void {
    this.later(this.options.primaryProbeMs ?? 60_000, () => {
      if (!this.onFallback) return;
      const primary = this.options.pools().primary;
      if (!primary) return;
      const probe = net.connect({ host: primary.host, port: primary.port, localAddress: this.options.localAddress });
      this.probeSocket = probe;
      let answered = false;
      const finish = (ok: boolean) => {
        if (answered) return;
        answered = true;
        clearTimeout(timeout);
        probe.destroy();
        if (ok && this.onFallback && !this.stopped) {
          this.options.log('I', 'stratum_task', 'Primary pool is back, switching from fallback');
          this.onFallback = false;
          this.failures = 0;
          this.socket?.destroy();
        } else if (this.onFallback) {
          this.scheduleProbe();
        }
      };
      const timeout = setTimeout(() => finish(false), this.options.probeTimeoutMs ?? 5000);
      probe.on('connect', () => {
        probe.write(`${JSON.stringify({ id: 1, method: 'mining.subscribe', params: [this.options.userAgent] })}\n`);
        probe.write(`${JSON.stringify({ id: 2, method: 'mining.authorize', params: [primary.user, primary.password] })}\n`);
      });
      // A single read of at most 1023 bytes must already contain the notify, as on the firmware.
      probe.once('data', (data: Buffer) => finish(data.subarray(0, 1023).toString('utf8').includes('mining.notify')));
      probe.on('error', () => finish(false));
      probe.on('close', () => finish(false));
    });
  }
}


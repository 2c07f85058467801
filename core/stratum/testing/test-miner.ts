/**
 * A small CPU miner for tests and benchmarks that talks like ESP-Miner (research/bitaxe.md and the
 * firmware parser transcript): configure, subscribe and authorize pipelined on connect;
 * suggest_difficulty and extranonce.subscribe only after authorize succeeds; set_difficulty applies
 * at the next notify; extranonce2 is a little-endian counter reset per job; six submit params.
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { bytesToHex, hashMeetsTarget, MAX_TARGET, sha256d, targetFromDifficulty } from '../../../lib/protocol/bitcoin/work';
import { parseSv1Line, rejectReasonOf, type Sv1Message, Sv1LineSplitter, type Sv1Response } from '../../../lib/protocol/sv1/codec';
import { extranonce2Hex, headerForSubmission, parseNotify, type Sv1Job } from '../../../lib/protocol/sv1/job';

export interface TestMinerOptions {
  host: string;
  port: number;
  /** the LAN host the miner connects from (a loopback address such as 127.0.0.2) */
  localAddress?: string;
  user: string;
  password?: string;
  userAgent?: string;
  /** sent after authorize when > 0, like the firmware's stratumSuggestedDifficulty */
  suggestDifficulty?: number;
  extranonceSubscribe?: boolean;
  versionRolling?: boolean;
  /** keep every received message (off for benchmarks) */
  keepMessages?: boolean;
}

export interface ShareResult {
  accepted: boolean;
  reason?: string;
  headerHash: string;
  /** ms from writing the submit to reading its answer */
  latencyMs: number;
}

export type ShareKind = 'valid' | 'low-difficulty' | 'duplicate' | 'unknown-job';

export interface TestMinerEvents {
  /** every line the pool sent, parsed */
  message: [message: Sv1Message];
  disconnected: [];
}

export class TestMiner extends EventEmitter<TestMinerEvents> {
  readonly received: Sv1Message[] = [];
  extranonce1 = '';
  extranonce2Size = 0;
  versionMask = 0;
  /** a mining.set_version_mask came in: it is newer than the configure answer (the firmware applies both in order) */
  private maskSetLater = false;
  difficulty = 0;
  job: Sv1Job | undefined;
  /** every job received, with the difficulty the firmware mines it at (the one in force at its notify) */
  readonly jobs: Array<{ job: Sv1Job; difficulty: number }> = [];
  accepted = 0;
  rejected = 0;
  readonly rejectReasons: Record<string, number> = {};
  reconnects = 0;
  private pendingDifficulty = 0;
  private socket: Socket | undefined;
  private readonly splitter = new Sv1LineSplitter();
  private nextId = 1;
  private readonly waiting = new Map<number, (r: Sv1Response) => void>();
  private extranonce2Counter = 1n;
  private lastShare: { params: unknown[]; headerHash: string } | undefined;
  private closed = false;

  constructor(readonly opts: TestMinerOptions) {
    super();
  }

  /** Connects and resolves once authorized with a job in hand. */
  async connect(timeoutMs = 10_000): Promise<void> {
    this.closed = false;
    this.maskSetLater = false;
    const socket = connect({ host: this.opts.host, port: this.opts.port, localAddress: this.opts.localAddress, noDelay: true });
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return; // an old connection after client.reconnect
      // unanswered calls end with the connection, as the firmware's read error does
      for (const [id, resolve] of this.waiting) resolve({ kind: 'response', id, result: null, error: [20, 'disconnected', null] });
      this.waiting.clear();
      this.emit('disconnected');
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const ready = this.waitFor(() => this.job !== undefined && this.difficulty > 0, timeoutMs, 'first job');
    ready.catch(() => undefined); // awaited below; an early timeout must not count as unhandled
    const configure = this.opts.versionRolling === false ? undefined : this.call('mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }]);
    const subscribe = this.call('mining.subscribe', [this.opts.userAgent ?? 'bitaxe/BM1370/v2.15.0']);
    const authorize = this.call('mining.authorize', [this.opts.user, this.opts.password ?? 'x']);
    if (configure) {
      const result = (await configure).result as Record<string, unknown> | null;
      if (result && typeof result['version-rolling.mask'] === 'string' && !this.maskSetLater) this.versionMask = Number.parseInt(result['version-rolling.mask'], 16);
    }
    const sub = await subscribe;
    if (Array.isArray(sub.result)) {
      this.extranonce1 = String(sub.result[1]);
      this.extranonce2Size = Number(sub.result[2]);
    }
    const auth = await authorize;
    if (auth.result !== true) throw new Error(`authorize failed: ${rejectReasonOf(auth) ?? 'no reason'}`);
    if (this.opts.suggestDifficulty && this.opts.suggestDifficulty > 0) void this.call('mining.suggest_difficulty', [this.opts.suggestDifficulty]);
    if (this.opts.extranonceSubscribe) void this.call('mining.extranonce.subscribe', []);
    await ready;
  }

  /**
   * Finds and submits one share of the given kind on the current job (or on `work`, an earlier job still in
   * flight, at the difficulty it came with); resolves with the verdict.
   */
  async submitShare(kind: ShareKind = 'valid', work?: { job: Sv1Job; difficulty: number }): Promise<ShareResult> {
    if (kind === 'duplicate' && this.lastShare) return this.send(this.lastShare.params, this.lastShare.headerHash);
    const job = work?.job ?? this.job;
    if (!job) throw new Error('no job yet');
    const difficulty = work?.difficulty ?? this.difficulty;
    const target = difficulty > 0 ? targetFromDifficulty(difficulty) : MAX_TARGET;
    // work on an earlier job uses counters the current job's never reach, so no two shares repeat
    const extranonce2 = extranonce2Hex(this.extranonce2Counter++ + (work ? 1n << 24n : 0n), this.extranonce2Size);
    const versionBits = this.versionMask ? (0x2000 & this.versionMask).toString(16).padStart(8, '0') : '00000000';
    const base = headerForSubmission(job, { extranonce1: this.extranonce1, extranonce2, ntime: job.ntime, nonce: '00000000', versionBits });
    const view = new DataView(base.buffer, base.byteOffset, base.byteLength);
    for (let nonce = 0; nonce < 1 << 24; nonce++) {
      view.setUint32(76, nonce, true);
      const hash = sha256d(base);
      const meets = hashMeetsTarget(hash, target);
      if (meets === (kind !== 'low-difficulty')) {
        const params = [
          this.opts.user,
          kind === 'unknown-job' ? 'ffffffff' : job.jobId,
          extranonce2,
          job.ntime,
          nonce.toString(16).padStart(8, '0'),
          versionBits,
        ];
        const headerHash = bytesToHex(hash);
        this.lastShare = { params, headerHash };
        return this.send(params, headerHash);
      }
      if (nonce % 4096 === 4095) await new Promise((r) => setImmediate(r));
    }
    throw new Error('no share found in 2^24 nonces; difficulty too high for a CPU');
  }

  /** Sends any line as-is (for fuzzing and protocol tests). */
  writeRaw(line: string): void {
    this.socket?.write(line);
  }

  call(method: string, params: unknown[]): Promise<Sv1Response> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket?.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
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

  private async send(params: unknown[], headerHash: string): Promise<ShareResult> {
    const started = performance.now();
    const response = await this.call('mining.submit', params);
    const latencyMs = performance.now() - started;
    if (response.result === true) {
      this.accepted++;
      return { accepted: true, headerHash, latencyMs };
    }
    const reason = rejectReasonOf(response) ?? 'rejected';
    this.rejected++;
    this.rejectReasons[reason] = (this.rejectReasons[reason] ?? 0) + 1;
    return { accepted: false, reason, headerHash, latencyMs };
  }

  private onData(chunk: string): void {
    for (const line of this.splitter.push(chunk)) {
      if (typeof line !== 'string') continue;
      let message: Sv1Message;
      try {
        message = parseSv1Line(line);
      } catch {
        continue;
      }
      if (this.opts.keepMessages !== false) this.received.push(message);
      if (message.kind === 'response') {
        const resolve = typeof message.id === 'number' ? this.waiting.get(message.id) : undefined;
        if (resolve) {
          this.waiting.delete(message.id as number);
          resolve(message);
        }
      } else {
        this.onRequest(message.method, message.params, message.id);
      }
      this.emit('message', message);
    }
  }

  private onRequest(method: string, params: unknown[], id: unknown): void {
    switch (method) {
      case 'mining.set_difficulty':
        // The firmware rejects anything but a JSON number here.
        if (typeof params[0] === 'number') this.pendingDifficulty = params[0];
        return;
      case 'mining.notify':
        try {
          this.job = parseNotify(params);
          this.extranonce2Counter = 1n;
          if (this.pendingDifficulty > 0) this.difficulty = this.pendingDifficulty;
          this.jobs.push({ job: this.job, difficulty: this.difficulty });
          if (this.jobs.length > 64) this.jobs.shift();
        } catch {
          // the firmware drops a notify it cannot parse
        }
        return;
      case 'mining.set_version_mask':
        if (typeof params[0] === 'string') {
          this.versionMask = Number.parseInt(params[0], 16);
          this.maskSetLater = true;
        }
        return;
      case 'mining.set_extranonce':
        if (typeof params[0] === 'string' && typeof params[1] === 'number') {
          this.extranonce1 = params[0];
          this.extranonce2Size = params[1];
        }
        return;
      case 'mining.ping':
        this.socket?.write(`${JSON.stringify({ id, method: 'pong', params: [] })}\n`);
        return;
      case 'client.reconnect':
        // ESP-Miner ignores host/port and reconnects to its configured pool.
        if (!this.closed) {
          this.reconnects++;
          this.socket?.destroy();
          this.job = undefined;
          void this.connect().catch(() => undefined);
        }
        return;
      default:
    }
  }
}

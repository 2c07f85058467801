/**
 * One plain Stratum V1 connection: what ESP-Miner sends (configure, subscribe, authorize,
 * suggest_difficulty, extranonce.subscribe, submit) answered the way its parser expects,
 * set_difficulty always before the notify it applies to. Same jobs and validation as Sv2; no ehash.
 */
import type { Socket } from 'node:net';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { parseSv1Line, SV1_ERRORS, Sv1LineSplitter, Sv1ProtocolError, sv1Error, sv1Request, sv1Result, type Sv1Id, type Sv1Request } from '../../lib/protocol/sv1/codec';
import { notifyParams, type Sv1Job } from '../../lib/protocol/sv1/job';
import { difficultyFromTarget, swapWords32, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { VERSION_ROLLING_MASK, type BlockTemplate } from './chain';
import type { PoolContext, PoolSession } from './context';
import type { ShareRejectReason } from './shares';
import { StatsBook, type ChannelStats } from './stats';
import { clampTarget, Vardiff } from './vardiff';

/** What ESP-Miner shows for each reason: code and text its parser reads from the error triple. */
const REJECT_TEXT: Record<ShareRejectReason, [number, string]> = {
  'invalid-channel-id': [SV1_ERRORS.other, 'Invalid channel'],
  'invalid-job-id': [SV1_ERRORS.jobNotFound, 'Job not found'],
  'stale-share': [SV1_ERRORS.jobNotFound, 'Stale'],
  'bad-extranonce-size': [SV1_ERRORS.other, 'Invalid nonce2 length'],
  'version-rolling-not-allowed': [SV1_ERRORS.other, 'Invalid version mask'],
  'invalid-timestamp': [SV1_ERRORS.other, 'Ntime out of range'],
  'difficulty-too-low': [SV1_ERRORS.lowDifficulty, 'Low difficulty share'],
  'duplicate-share': [SV1_ERRORS.duplicateShare, 'Duplicate share'],
};

const MAX_BAD_LINES = 20;
const SETUP_TIMEOUT_MS = 60_000;
const MAX_UNSENT_BYTES = 1024 * 1024;
const KEPT_JOBS = 32;
const HEX8 = /^[0-9a-fA-F]{8}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

interface SentJob {
  templateId: number;
  /** the target matching the difficulty in force when this job was sent */
  target: bigint;
}

export class Sv1PoolSession implements PoolSession {
  private readonly connectionId: number;
  private readonly splitter = new Sv1LineSplitter();
  private readonly extranonce1: Uint8Array;
  private readonly jobs = new Map<string, SentJob>();
  private readonly workers = new Set<string>();
  private readonly vardiff: Vardiff;
  private stats: ChannelStats | null = null;
  private subscribed = false;
  private versionMask = 0;
  /** difficulty last sent with mining.set_difficulty, and its exact target */
  private difficulty = 0;
  private target = 0n;
  private jobCounter = 0;
  private badLines = 0;
  private closed = false;

  constructor(
    private readonly ctx: PoolContext,
    private readonly socket: Socket,
  ) {
    this.connectionId = ctx.nextConnectionId();
    this.extranonce1 = ctx.allocateExtranoncePrefix();
    const start = ctx.settings.sv1StartDifficulty;
    const startTarget = clampTarget(start === undefined ? ctx.floorTarget : targetFromDifficulty(start), ctx.floorTarget);
    this.vardiff = new Vardiff(
      { sharesPerMinute: ctx.settings.sharesPerMinute, retargetSeconds: ctx.settings.retargetSeconds, floorTarget: ctx.floorTarget },
      startTarget,
      ctx.floorTarget,
      Date.now(),
    );
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    // A connection that never gets to mining only holds a slot: give it a minute.
    socket.setTimeout(SETUP_TIMEOUT_MS, () => this.destroy());
    socket.on('data', (chunk: string) => this.onData(chunk));
  }

  onTemplate(template: BlockTemplate, newBlock: boolean): void {
    if (this.stats) this.sendJob(template, newBlock);
  }

  tick(nowMs: number): void {
    if (!this.stats) return;
    const target = this.vardiff.retarget(nowMs);
    if (target !== null) {
      this.setDifficultyFor(target);
      this.sendJob(this.ctx.chain.current, false);
    }
  }

  destroy(): void {
    this.closed = true;
    if (this.stats) this.stats.open = false;
    this.socket.destroy();
  }

  /**
   * Everything one read asks for goes out in one write, as a pool answering at once does: a miner's probe (subscribe +
   * authorize, then a single read, ESP-Miner's probe_pool_v1) finds the set_difficulty and notify in that read.
   */
  private onData(chunk: string): void {
    this.socket.cork();
    try {
      this.handleLines(chunk);
    } finally {
      this.socket.uncork();
    }
  }

  private handleLines(chunk: string): void {
    for (const line of this.splitter.push(chunk)) {
      if (this.closed) return;
      if (typeof line !== 'string') {
        this.ctx.logger.warn('sv1 client sent an overlong line; closing', { connection: this.connectionId });
        this.destroy();
        return;
      }
      let message;
      try {
        message = parseSv1Line(line);
      } catch (error) {
        if (!(error instanceof Sv1ProtocolError)) throw error;
        this.write(sv1Error(error.id, SV1_ERRORS.other, error.message));
        if (++this.badLines > MAX_BAD_LINES) {
          this.ctx.logger.warn('sv1 client keeps sending garbage; closing', { connection: this.connectionId });
          this.destroy();
        }
        continue;
      }
      if (message.kind !== 'request') continue;
      try {
        this.onRequest(message);
      } catch (error) {
        // A bug reached by one miner's input must cost that request, not the pool.
        this.ctx.logger.error('sv1 request failed', { connection: this.connectionId, method: message.method, error: error instanceof Error ? error.message : String(error) });
        this.write(sv1Error(message.id, SV1_ERRORS.other, 'Internal error'));
      }
    }
  }

  private onRequest(request: Sv1Request): void {
    const { id, params } = request;
    switch (request.method) {
      case 'mining.configure':
        return this.write(sv1Result(id, this.configure(params)));
      case 'mining.subscribe':
        this.subscribed = true;
        this.write(
          sv1Result(id, [
            [
              ['mining.set_difficulty', String(this.connectionId)],
              ['mining.notify', String(this.connectionId)],
            ],
            bytesToHex(this.extranonce1),
            this.ctx.settings.sv1ExtranonceSize,
          ]),
        );
        return this.startMiningIfReady();
      case 'mining.authorize': {
        const user = params[0];
        if (typeof user !== 'string' || user.length === 0 || user.length > 255) return this.write(sv1Error(id, SV1_ERRORS.unauthorized, 'Invalid authorization message'));
        this.workers.add(user);
        this.write(sv1Result(id, true));
        return this.startMiningIfReady();
      }
      case 'mining.suggest_difficulty':
        return this.suggestDifficulty(id, params[0]);
      case 'mining.extranonce.subscribe':
        return this.write(sv1Result(id, true));
      case 'mining.submit':
        return this.submit(id, params);
      default:
        if (id !== null) this.write(sv1Error(id, SV1_ERRORS.other, `Unknown method ${request.method}`));
    }
  }

  private configure(params: unknown[]): Record<string, unknown> {
    const extensions = Array.isArray(params[0]) ? params[0] : [];
    const options = params[1] && typeof params[1] === 'object' ? (params[1] as Record<string, unknown>) : {};
    const result: Record<string, unknown> = {};
    for (const extension of extensions) {
      if (extension === 'version-rolling' && !this.ctx.settings.sv1VersionRolling) {
        result['version-rolling'] = false;
      } else if (extension === 'version-rolling') {
        const requested =
          typeof options['version-rolling.mask'] === 'string' && HEX8.test(options['version-rolling.mask']) ? Number.parseInt(options['version-rolling.mask'], 16) : VERSION_ROLLING_MASK;
        this.versionMask = (requested & VERSION_ROLLING_MASK) >>> 0;
        result['version-rolling'] = true;
        result['version-rolling.mask'] = this.versionMask.toString(16).padStart(8, '0');
      } else if (typeof extension === 'string' && extension.length <= 64) {
        result[extension] = false;
      }
    }
    return result;
  }

  /** Work starts once the miner has both subscribed and authorized, in either order. */
  private startMiningIfReady(): void {
    if (this.stats || !this.subscribed || this.workers.size === 0) return;
    const worker = this.workers.values().next().value as string;
    this.socket.setTimeout(0);
    this.stats = this.ctx.stats.open({ port: 'sv1', connectionId: this.connectionId, channelId: 0, worker, lockingKey: null });
    this.ctx.logger.info('sv1 miner ready', { connection: this.connectionId, worker });
    this.setDifficultyFor(this.vardiff.target);
    this.sendJob(this.ctx.chain.current, true);
  }

  private suggestDifficulty(id: Sv1Id, value: unknown): void {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      return this.write(sv1Error(id, SV1_ERRORS.other, 'Invalid suggest difficulty message'));
    }
    if (!this.ctx.settings.sv1HonoursSuggestedDifficulty) return this.write(sv1Result(id, true));
    const target = this.vardiff.reset(targetFromDifficulty(value), Date.now());
    this.write(sv1Result(id, true));
    if (this.stats) {
      this.setDifficultyFor(target);
      this.sendJob(this.ctx.chain.current, false);
    }
  }

  /** Sends the difficulty as a number and validates against exactly what that number means to a miner. */
  private setDifficultyFor(target: bigint): void {
    const difficulty = Number(difficultyFromTarget(target).toPrecision(6));
    this.difficulty = difficulty;
    this.target = difficulty > 0 ? clampTarget(targetFromDifficulty(difficulty), this.ctx.floorTarget) : this.ctx.floorTarget;
    this.write(sv1Request(null, 'mining.set_difficulty', [difficulty]));
  }

  private sendJob(template: BlockTemplate, cleanJobs: boolean): void {
    this.jobCounter += 1;
    const jobId = this.jobCounter.toString(16);
    this.jobs.set(jobId, { templateId: template.id, target: this.target });
    if (this.jobs.size > KEPT_JOBS) this.jobs.delete(this.jobs.keys().next().value as string);
    const { prefix, suffix } = this.ctx.chain.coinbaseParts(template, this.extranonce1.length + this.ctx.settings.sv1ExtranonceSize);
    const job: Sv1Job = {
      jobId,
      prevHash: bytesToHex(swapWords32(template.prevHash)),
      coinbase1: bytesToHex(prefix),
      coinbase2: bytesToHex(suffix),
      merkleBranches: template.merklePath.map((b) => bytesToHex(b)),
      version: hex32(template.version),
      nbits: hex32(template.nbits),
      ntime: hex32(template.ntime),
      cleanJobs,
    };
    this.write(sv1Request(null, 'mining.notify', notifyParams(job)));
  }

  private submit(id: Sv1Id, params: unknown[]): void {
    if (!this.stats) return this.write(sv1Error(id, this.subscribed ? SV1_ERRORS.unauthorized : SV1_ERRORS.notSubscribed, this.subscribed ? 'Unauthorized worker' : 'Not subscribed'));
    const [worker, jobId, extranonce2, ntime, nonce, versionBits] = params;
    if (typeof worker !== 'string' || !this.workers.has(worker)) return this.write(sv1Error(id, SV1_ERRORS.unauthorized, 'Unauthorized worker'));
    if (
      typeof jobId !== 'string' ||
      typeof extranonce2 !== 'string' ||
      !HEX.test(extranonce2) ||
      extranonce2.length > 64 ||
      typeof ntime !== 'string' ||
      !HEX8.test(ntime) ||
      typeof nonce !== 'string' ||
      !HEX8.test(nonce) ||
      (versionBits !== undefined && (typeof versionBits !== 'string' || !HEX8.test(versionBits)))
    ) {
      return this.write(sv1Error(id, SV1_ERRORS.other, 'Invalid mining submit message'));
    }
    const sent = this.jobs.get(jobId);
    const template = sent ? this.ctx.shares.template(sent.templateId) : undefined;
    if (!sent || !template) return this.reject(id, 'invalid-job-id');
    const bits = versionBits === undefined ? 0 : Number.parseInt(versionBits, 16);
    if ((bits & ~this.versionMask) !== 0) return this.reject(id, 'version-rolling-not-allowed');
    const verdict = this.ctx.shares.validate(
      {
        jobId: template.id,
        extranoncePrefix: this.extranonce1,
        extranonce: hexToBytes(extranonce2),
        extranonceSize: this.ctx.settings.sv1ExtranonceSize,
        version: ((template.version & ~this.versionMask) | (bits & this.versionMask)) >>> 0,
        versionMask: this.versionMask,
        ntime: Number.parseInt(ntime, 16),
        nonce: Number.parseInt(nonce, 16),
        target: sent.target,
      },
      Math.floor(Date.now() / 1000),
    );
    if (!verdict.ok) return this.reject(id, verdict.reason);
    this.stats.accepted += 1;
    this.vardiff.onShare();
    this.write(sv1Result(id, true));
  }

  private reject(id: Sv1Id, reason: ShareRejectReason): void {
    if (this.stats) StatsBook.reject(this.stats, reason);
    const [code, text] = REJECT_TEXT[reason];
    this.write(sv1Error(id, code, text));
  }

  private write(line: string): void {
    if (this.closed || !this.socket.writable) return;
    this.socket.write(line);
    if (this.socket.writableLength > MAX_UNSENT_BYTES) {
      this.ctx.logger.warn('sv1 client is not reading; closing', { connection: this.connectionId });
      this.destroy();
    }
  }
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/**
 * The local Stratum proxy: the Stratum V1 port miners point at, bridged to an ordered list of
 * upstreams (Sv2 hashpool or plain Sv1 pools) with failover, a share ledger and live stats.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { z } from 'zod';
import type { MiningSnapshot, miningUpstreamEventSchema, ShareJson } from '../api/mining';
import type { UpstreamUrl } from '../api/upstream-url';
import type { Logger } from '../log';
import { targetFromDifficulty } from '../protocol/bitcoin/work';
import { ShareLedger, type ShareRecord } from './ledger';
import { SharedChannel } from './shared-channel';
import { type AttachOutcome, type LocalShare, MinerSession, VERSION_ROLLING_MASK, type SessionHost, type SessionLimits } from './miner-session';
import { Sv1UpstreamLink } from './sv1-upstream';
import { connectSv2 } from '../transport/sv2';
import { type Sv2Conn, type Sv2Connector, Sv2UpstreamLink } from './sv2-upstream';
import type { LinkState, QuoteNotice, UpstreamChannel, UpstreamLink, Verdict } from './upstream';

const iso = (ms: number) => new Date(ms).toISOString();

export interface ProxyLimits extends SessionLimits {
  maxConnections: number;
}

export const DEFAULT_LIMITS: ProxyLimits = { maxConnections: 1024, submitsPerSecond: 50, submitBurst: 200 };

export interface ProxyOptions {
  stratumHost: string;
  /** 0 = any free port */
  stratumPort: number;
  /** failover order; the first is the primary */
  upstreams: UpstreamUrl[];
  verdictTimeoutMs: number;
  /** SQLite file of the share ledger */
  ledgerPath: string;
  /** compressed secp256k1 key (hex33) quotes are locked to; announced in the Sv2 user_identity */
  lockingPubkey: () => string | undefined;
  logger: Logger;
  limits?: Partial<ProxyLimits>;
  /** an upstream that sends nothing (no job, no answer) for this long is left; default 120 s */
  silentUpstreamMs?: number;
  /** how often a lower-priority upstream in use looks for the primary again; default 15 s */
  probeIntervalMs?: number;
  /** resend the current job to a miner after this much quiet; default 60 s */
  keepaliveMs?: number;
  /** how long authorize waits for an upstream channel with work; default 5 s */
  attachTimeoutMs?: number;
  /** one Sv2 channel for all miners instead of one each (their quotes then carry minerId "shared") */
  aggregateChannels?: boolean;
  /** H/s announced for a miner that has not suggested a difficulty yet; default 1 TH/s (a Bitaxe Gamma) */
  nominalHashrate?: number;
  /** the Sv2 transport (Noise over TCP); default: core/transport */
  sv2Connector?: Sv2Connector;
}

export type ShareEvent = ShareJson;
export type UpstreamEvent = Omit<z.infer<typeof miningUpstreamEventSchema>, 'type'>;
type UpstreamStatus = MiningSnapshot['upstream']['upstreams'][number];
type MinerJson = MiningSnapshot['miners'][number];

export interface QuoteEvent {
  minerId: string;
  worker: string;
  quoteId: string;
  amount: bigint;
  upstream: string;
  error?: { code: number; message: string };
}

const RECENT_SHARES = 100;
const HISTORY_POINTS = 1440;
const HISTORY_EVERY_MS = 60_000;
/** Our extranonce1 bytes and the miner's extranonce2 size when the upstream has room (8 bytes: hashpool's default). */
const OWN_EXTRANONCE1_BYTES = 4;
const MINER_EXTRANONCE2_BYTES = 4;

export class Proxy extends EventEmitter implements SessionHost {
  readonly verdictTimeoutMs: number;
  readonly limits: ProxyLimits;
  readonly ledger: ShareLedger;
  private readonly server: Server;
  private readonly sessions = new Map<string, MinerSession>();
  private readonly shared = new Map<UpstreamLink, Promise<SharedChannel>>();
  private upstreams: UpstreamUrl[];
  private readonly upstreamState = new Map<string, { url: string; protocol: 'sv1' | 'sv2'; state: LinkState | 'idle'; lastError: string | null; since: number }>();
  private link: UpstreamLink | undefined;
  private activeIndex: number | null = null;
  private activeSince = Date.now();
  private switches = 0;
  private switching: Promise<void> = Promise.resolve();
  private nextSessionNumber = 1;
  private extranonceCounter = randomBytes(4).readUInt32BE(0);
  private readonly recentShares: ShareEvent[] = [];
  private readonly history: Array<{ at: string; hashrate: number }> = [];
  private readonly invalid: Record<string, number> = {};
  private readonly timers: NodeJS.Timeout[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;
  private address: { host: string; port: number } | null = null;
  /** extranonce space of the upstream in use, so new miners get a layout that fits it */
  private upstreamExtranonceSize = OWN_EXTRANONCE1_BYTES + MINER_EXTRANONCE2_BYTES;
  private readonly log: Logger;

  constructor(private readonly opts: ProxyOptions) {
    super();
    this.verdictTimeoutMs = opts.verdictTimeoutMs;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.upstreams = [...opts.upstreams];
    this.log = opts.logger.child('stratum');
    this.ledger = new ShareLedger(opts.ledgerPath, (message) => this.log.warn(message));
    for (const share of this.ledger.recent(RECENT_SHARES).reverse()) this.recentShares.push(toEvent(share));
    this.server = createServer((socket) => this.onConnection(socket));
    this.server.maxConnections = this.limits.maxConnections;
    this.resetUpstreamState();
  }

  get silentMs(): number {
    return this.opts.silentUpstreamMs ?? 120_000;
  }

  async start(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.stratumPort, this.opts.stratumHost, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('stratum server has no TCP address');
    this.address = { host: this.opts.stratumHost, port: address.port };
    this.timers.push(setInterval(() => this.keepalive(), Math.min(this.opts.keepaliveMs ?? 60_000, 5000)));
    this.timers.push(setInterval(() => this.sampleHashrate(), HISTORY_EVERY_MS));
    this.timers.push(setInterval(() => void this.probePrimary(), this.opts.probeIntervalMs ?? 15_000));
    for (const t of this.timers) t.unref();
    this.log.info('stratum proxy listening', { host: this.address.host, port: this.address.port });
    this.select(0, 'start');
    return this.address;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const s of [...this.sessions.values()]) s.close();
    this.link?.close(true);
    this.link = undefined;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.switching.catch(() => undefined);
    await this.ledger.close();
  }

  /** Replaces the failover list; miners move to the new primary if the active upstream is no longer listed or first. */
  setUpstreams(list: UpstreamUrl[]): void {
    this.upstreams = [...list];
    this.resetUpstreamState();
    const activeUrl = this.activeIndex !== null ? this.link?.url : undefined;
    const index = activeUrl ? list.findIndex((u) => u.url === activeUrl) : -1;
    if (index === 0) {
      this.activeIndex = 0;
      return;
    }
    this.select(0, 'upstreams changed');
  }

  /** What `mining.get` returns. */
  snapshot(): MiningSnapshot {
    const now = Date.now();
    const active = this.activeIndex !== null ? this.upstreams[this.activeIndex] : undefined;
    const state = active ? (this.upstreamState.get(active.url)?.state ?? 'none') : this.noActiveState();
    const miners = [...this.sessions.values()].filter((s) => s.subscribed).map((s) => this.minerSnapshot(s, now));
    const primary = this.upstreams[0] ? this.upstreamState.get(this.upstreams[0].url) : undefined;
    return {
      shares: this.ledger.counts(),
      hashrate: miners.reduce((sum, m) => sum + m.hashrate, 0),
      miners,
      upstream: {
        url: active?.url ?? null,
        protocol: active?.protocol ?? null,
        state,
        connected: state === 'up',
        latencyMs: this.link?.latencyMs ?? null,
        activeIndex: this.activeIndex,
        failover: this.activeIndex !== null && this.activeIndex > 0,
        // why we are not on a working primary; once the primary carries the miners again there is nothing to explain
        lastError: this.activeIndex === 0 && state === 'up' ? null : (primary?.lastError ?? null),
        switches: this.switches,
        since: iso(this.activeSince),
        upstreams: this.upstreams.map((u): UpstreamStatus => {
          const entry = this.upstreamState.get(u.url)!;
          return { url: u.url, protocol: u.protocol, state: entry.state, lastError: entry.lastError, since: iso(entry.since) };
        }),
      },
      recentShares: [...this.recentShares],
      hashrateHistory: [...this.history],
      invalid: { ...this.invalid },
      stratum: this.address,
    };
  }

  /** Shares from the ledger, newest first. */
  shares(limit: number): ShareEvent[] {
    return this.ledger.recent(limit).map(toEvent);
  }

  shareByHeaderHash(hex: string): ShareEvent | undefined {
    const share = this.ledger.shareByHeaderHash(hex);
    return share ? toEvent(share) : undefined;
  }

  // ---- SessionHost ----

  async attach(session: MinerSession): Promise<AttachOutcome> {
    const deadline = Date.now() + (this.opts.attachTimeoutMs ?? 5000);
    // Wait for a running failover to finish so the miner lands on the upstream that will stay.
    while (!this.link && this.upstreams.length > 0 && Date.now() < deadline && !this.stopped) await sleep(50);
    const link = this.link;
    if (!link) return { ok: true, commit: () => undefined }; // no upstream yet: the miner stays and gets work when one is up
    try {
      const channel = await this.openChannelWithin(session, link, deadline - Date.now());
      if (!channel.currentJob) await waitForJob(channel, deadline - Date.now());
      return {
        ok: true,
        commit: () => {
          if (session.isClosed || this.link !== link) {
            channel.close();
            // a failover happened meanwhile: follow it
            if (this.link && !session.isClosed) void this.reattach(session, this.link);
          } else {
            this.bind(session, channel, link);
          }
        },
      };
    } catch (error) {
      const e = error as Error & { code?: string };
      if (e.code === 'rejected') return { ok: false, reason: e.message };
      this.log.warn('could not open an upstream channel for a miner', { miner: session.id, error: e.message });
      this.linkFailed(link, e.message);
      return { ok: true, commit: () => undefined };
    }
  }

  recordShare(session: MinerSession, share: LocalShare): number {
    session.stats.awaiting++;
    const at = Date.now();
    const upstream = this.link?.url ?? '';
    const id = this.ledger.record({
      at,
      minerId: session.id,
      worker: session.worker,
      upstream,
      jobId: share.upstreamJobId,
      headerHash: share.headerHash,
      difficulty: share.difficulty,
      shareDifficulty: share.shareDifficulty,
    });
    this.publishShare({
      shareId: id,
      minerId: session.id,
      worker: session.worker,
      verdict: 'awaiting',
      reason: null,
      difficulty: share.difficulty,
      shareDifficulty: share.shareDifficulty,
      headerHash: share.headerHash,
      latencyMs: null,
      upstream,
      at: iso(at),
    });
    return id;
  }

  settleShare(session: MinerSession, share: LocalShare, shareId: number, verdict: Verdict, latencyMs: number | null): void {
    const reason = verdict.accepted ? null : verdict.reason;
    this.ledger.settle(shareId, verdict.accepted ? 'accepted' : 'rejected', reason, latencyMs);
    const stats = session.stats;
    stats.awaiting--;
    stats.lastShareAt = Date.now();
    if (verdict.accepted) {
      stats.accepted++;
      session.addWork(share.difficulty);
    } else {
      stats.rejected++;
      stats.rejectReasons[verdict.reason] = (stats.rejectReasons[verdict.reason] ?? 0) + 1;
    }
    if (latencyMs !== null) stats.latencyMs = stats.latencyMs === null ? latencyMs : stats.latencyMs * 0.8 + latencyMs * 0.2;
    this.publishShare({
      shareId,
      minerId: session.id,
      worker: session.worker,
      verdict: verdict.accepted ? 'accepted' : 'rejected',
      reason,
      difficulty: share.difficulty,
      shareDifficulty: share.shareDifficulty,
      headerHash: share.headerHash,
      latencyMs,
      upstream: this.link?.url ?? '',
      at: iso(Date.now()),
    });
  }

  sessionClosed(session: MinerSession): void {
    this.sessions.delete(session.id);
  }

  noteInvalid(_session: MinerSession, reason: string): void {
    const key = reason.slice(0, 60);
    if (this.invalid[key] !== undefined || Object.keys(this.invalid).length < 64) this.invalid[key] = (this.invalid[key] ?? 0) + 1;
  }

  // ---- internals ----

  private onConnection(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    const id = `m${this.nextSessionNumber++}`;
    const { extranonce1, extranonce2Size } = this.layout(this.upstreamExtranonceSize);
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const session = new MinerSession(id, address, socket, this, extranonce1, extranonce2Size);
    this.sessions.set(id, session);
    this.log.debug('miner connected', { miner: id, address });
  }

  /** Our part of the extranonce (unique per miner) and the miner's extranonce2 size, fitted to `space` bytes. */
  private layout(space: number): { extranonce1: string; extranonce2Size: number } {
    const extranonce2Size = Math.min(MINER_EXTRANONCE2_BYTES, space);
    const ownBytes = Math.min(OWN_EXTRANONCE1_BYTES, space - extranonce2Size);
    this.extranonceCounter = (this.extranonceCounter + 1) >>> 0;
    const extranonce1 = this.extranonceCounter.toString(16).padStart(8, '0').slice(8 - ownBytes * 2);
    return { extranonce1, extranonce2Size };
  }

  /** Opens a channel or fails after `ms`; a channel that opens too late is closed, never leaked. */
  private openChannelWithin(session: MinerSession, link: UpstreamLink, ms: number): Promise<UpstreamChannel> {
    return new Promise<UpstreamChannel>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(Object.assign(new Error('upstream did not open a channel in time'), { code: 'timeout' }));
      }, Math.max(0, ms));
      this.openChannelFor(session, link).then(
        (channel) => {
          clearTimeout(timer);
          if (late) channel.close();
          else resolve(channel);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private openChannelFor(session: MinerSession, link: UpstreamLink): Promise<UpstreamChannel> {
    if (this.opts.aggregateChannels && link.protocol === 'sv2') return this.sharedChannel(link).then((shared) => shared.view());
    const pubkey = this.opts.lockingPubkey();
    const worker = session.worker.slice(0, pubkey ? 255 - 67 : 255);
    const difficulty = session.suggestedDifficulty;
    return link.openChannel({
      worker: session.worker,
      password: session.password,
      userIdentity: pubkey ? `${worker}.${pubkey}` : worker,
      minExtranonceSize: session.extranonceNeeded,
      // a miner suggesting difficulty D wants about one share per 10 s at that difficulty
      nominalHashrate: difficulty ? (difficulty * 2 ** 32) / 10 : (this.opts.nominalHashrate ?? 1e12),
      maxTarget: difficulty ? targetFromDifficulty(difficulty) : undefined,
      versionMask: session.grantedMask,
    });
  }

  /** The one channel all miners share on `link` (aggregation), opened on first use. */
  private sharedChannel(link: UpstreamLink): Promise<SharedChannel> {
    let shared = this.shared.get(link);
    if (!shared) {
      const pubkey = this.opts.lockingPubkey();
      shared = link
        .openChannel({
          worker: 'axewallet',
          password: '',
          userIdentity: pubkey ? `axewallet.${pubkey}` : 'axewallet',
          minExtranonceSize: OWN_EXTRANONCE1_BYTES + MINER_EXTRANONCE2_BYTES,
          nominalHashrate: (this.opts.nominalHashrate ?? 1e12) * Math.max(1, this.sessions.size),
          versionMask: VERSION_ROLLING_MASK,
        })
        .then((channel) => {
          const entry = new SharedChannel(channel, () => this.shared.delete(link));
          channel.on('quote', (notice: QuoteNotice) =>
            this.emit('quote', { minerId: 'shared', worker: 'shared', quoteId: notice.quoteId, amount: notice.amount, upstream: link.url, ...(notice.error ? { error: notice.error } : {}) } satisfies QuoteEvent),
          );
          channel.once('closed', () => this.shared.delete(link));
          return entry;
        });
      shared.catch(() => this.shared.delete(link));
      this.shared.set(link, shared);
    }
    return shared;
  }

  private bind(session: MinerSession, channel: UpstreamChannel, link: UpstreamLink): void {
    if (channel.isClosed) {
      // it died between opening and binding (a Reconnect crossed it): open another
      void this.reattach(session, link);
      return;
    }
    this.upstreamExtranonceSize = channel.extranonceSize;
    if (channel.extranonceSize < session.extranonceNeeded) {
      channel.close();
      const { extranonce1, extranonce2Size } = this.layout(channel.extranonceSize);
      session.relayout(extranonce1, extranonce2Size);
      if (session.isClosed) return;
      void this.reattach(session, link);
      return;
    }
    channel.on('quote', (notice: QuoteNotice) => {
      this.emit('quote', {
        minerId: session.id,
        worker: session.worker,
        quoteId: notice.quoteId,
        amount: notice.amount,
        upstream: link.url,
        ...(notice.error ? { error: notice.error } : {}),
      } satisfies QuoteEvent);
    });
    channel.once('closed', (reason: string) => {
      if (session.channel !== channel || session.isClosed || this.link !== link) return;
      this.log.info('upstream channel closed; reopening', { miner: session.id, reason });
      setTimeout(() => void this.reattach(session, link), 200).unref();
    });
    session.useChannel(channel);
  }

  private async reattach(session: MinerSession, link: UpstreamLink): Promise<void> {
    if (session.isClosed || this.link !== link || this.stopped) return;
    try {
      const channel = await this.openChannelWithin(session, link, this.opts.attachTimeoutMs ?? 5000);
      if (session.isClosed || this.link !== link) {
        channel.close();
        return;
      }
      this.bind(session, channel, link);
    } catch (error) {
      const e = error as Error & { code?: string };
      if (e.code === 'rejected') {
        session.close();
        return;
      }
      this.linkFailed(link, e.message);
    }
  }

  private resetUpstreamState(): void {
    const old = new Map(this.upstreamState);
    this.upstreamState.clear();
    for (const u of this.upstreams) {
      this.upstreamState.set(u.url, old.get(u.url) ?? { url: u.url, protocol: u.protocol, state: 'idle', lastError: null, since: Date.now() });
    }
  }

  private setState(url: string, state: LinkState | 'idle', detail?: string): void {
    const entry = this.upstreamState.get(url);
    if (!entry) return;
    if (entry.state !== state) entry.since = Date.now();
    entry.state = state;
    if (state === 'down' || state === 'silent') entry.lastError = detail ?? state;
    this.publishUpstream(detail ?? null);
  }

  private makeLink(upstream: UpstreamUrl): UpstreamLink {
    const logger = this.log.child('upstream');
    if (upstream.protocol === 'sv1') {
      return new Sv1UpstreamLink({ host: upstream.host, port: upstream.port, url: upstream.url, logger, silentMs: this.silentMs });
    }
    return new Sv2UpstreamLink({
      host: upstream.host,
      port: upstream.port,
      url: upstream.url,
      authorityPubkey: upstream.authorityPubkey,
      logger,
      silentMs: this.silentMs,
      connector: this.opts.sv2Connector ?? defaultSv2Connector,
    });
  }

  /** Connects a fresh link to upstream `index`; resolves with it when the pool works. */
  private async tryUpstream(index: number): Promise<UpstreamLink | undefined> {
    const upstream = this.upstreams[index];
    if (!upstream) return undefined;
    const link = this.makeLink(upstream);
    link.on('state', (state: LinkState, detail?: string) => {
      if (this.link === link || state === 'connecting' || state === 'down') this.setState(upstream.url, state, detail);
      if ((state === 'down' || state === 'silent') && this.link === link) this.linkFailed(link, detail ?? state);
    });
    try {
      await link.connect();
      return link;
    } catch (error) {
      this.setState(upstream.url, 'down', (error as Error).message);
      link.close(true);
      return undefined;
    }
  }

  /** Serialised: finds the first working upstream starting at `from` (wrapping), and moves every miner to it. */
  private select(from: number, why: string): void {
    this.switching = this.switching.then(async () => {
      if (this.stopped) return;
      const n = this.upstreams.length;
      for (let k = 0; k < n; k++) {
        const index = (from + k) % n;
        const link = await this.tryUpstream(index);
        if (this.stopped) {
          link?.close(true);
          return;
        }
        if (link) {
          this.activate(index, link, why);
          return;
        }
      }
      const old = this.link;
      this.link = undefined;
      this.activeIndex = null;
      old?.close(true);
      this.publishUpstream(n === 0 ? 'no upstream configured' : 'no upstream reachable');
      if (n > 0) {
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.select(0, 'retry'), Math.min(5000, this.opts.probeIntervalMs ?? 5000));
        this.retryTimer.unref();
      }
    });
  }

  private activate(index: number, link: UpstreamLink, why: string): void {
    const old = this.link;
    this.link = link;
    this.activeIndex = index;
    this.activeSince = Date.now();
    this.switches++;
    this.setState(link.url, 'up');
    // miners arriving from now on get an extranonce layout that fits this pool
    this.upstreamExtranonceSize = link.extranonceSpace ?? OWN_EXTRANONCE1_BYTES + MINER_EXTRANONCE2_BYTES;
    this.log.info('upstream active', { url: link.url, index, why });
    for (const session of this.sessions.values()) {
      if (session.authorized && !session.attaching && !session.isClosed) void this.reattach(session, link);
    }
    old?.close();
    if (old) for (const [url, s] of this.upstreamState) if (url === old.url && s.state === 'up') this.setState(url, 'idle');
  }

  private linkFailed(link: UpstreamLink, detail: string): void {
    if (this.link !== link || this.activeIndex === null) return;
    const failed = this.activeIndex;
    const entry = this.upstreamState.get(link.url);
    if (entry && entry.state !== 'silent') this.setState(link.url, 'down', detail);
    this.log.warn('upstream failed; switching', { url: link.url, detail });
    this.link = undefined;
    link.close(true);
    this.select(this.upstreams.length > 1 ? (failed + 1) % this.upstreams.length : 0, 'failover');
  }

  /** While on a backup, look for a higher-priority upstream and return to it once it works. */
  private async probePrimary(): Promise<void> {
    if (this.probing || this.stopped || this.activeIndex === null || this.activeIndex === 0) return;
    this.probing = true;
    try {
      const better = this.activeIndex;
      for (let index = 0; index < better; index++) {
        const link = await this.tryUpstream(index);
        if (!link) continue;
        if (this.stopped || this.activeIndex === null || this.activeIndex <= index) {
          link.close(true);
          return;
        }
        this.switching = this.switching.then(() => this.activate(index, link, 'primary is back'));
        await this.switching;
        return;
      }
    } finally {
      this.probing = false;
    }
  }

  private keepalive(): void {
    const now = Date.now();
    const interval = this.opts.keepaliveMs ?? 60_000;
    for (const s of this.sessions.values()) s.keepalive(now, interval);
  }

  private sampleHashrate(): void {
    const now = Date.now();
    let total = 0;
    for (const s of this.sessions.values()) total += s.hashrate(now);
    this.history.push({ at: iso(now), hashrate: total });
    if (this.history.length > HISTORY_POINTS) this.history.shift();
  }

  private minerSnapshot(s: MinerSession, now: number): MinerJson {
    return {
      id: s.id,
      worker: s.worker,
      address: s.address,
      userAgent: s.userAgent,
      connectedAt: iso(s.connectedAt),
      difficulty: s.difficulty ?? null,
      hashrate: s.hashrate(now),
      lastShareAt: s.stats.lastShareAt === null ? null : iso(s.stats.lastShareAt),
      accepted: s.stats.accepted,
      rejected: s.stats.rejected,
      awaiting: s.stats.awaiting,
      rejectReasons: { ...s.stats.rejectReasons },
      latencyMs: s.stats.latencyMs,
      versionMask: s.grantedMask.toString(16).padStart(8, '0'),
      upstream: s.channel ? (this.link?.url ?? null) : null,
    };
  }

  private publishShare(event: ShareEvent): void {
    if (event.verdict !== 'awaiting') {
      const at = this.recentShares.findIndex((e) => e.shareId === event.shareId);
      if (at >= 0) this.recentShares.splice(at, 1);
    }
    this.recentShares.push(event);
    if (this.recentShares.length > RECENT_SHARES) this.recentShares.shift();
    this.emit('share', event);
  }

  /** No upstream in use: "none" only when none is configured; "connecting" while one is being tried; "down" when all failed. */
  private noActiveState(): 'none' | 'connecting' | 'down' {
    if (this.upstreams.length === 0) return 'none';
    const states = [...this.upstreamState.values()].map((u) => u.state);
    return states.some((state) => state === 'connecting' || state === 'idle') ? 'connecting' : 'down';
  }

  private publishUpstream(detail: string | null): void {
    const active = this.activeIndex !== null ? this.upstreams[this.activeIndex] : undefined;
    const state = active ? this.upstreamState.get(active.url)?.state : undefined;
    this.emit('upstream', {
      url: active?.url ?? null,
      activeIndex: this.activeIndex,
      onPrimary: this.activeIndex === 0,
      state: state ?? this.noActiveState(),
      detail,
    } satisfies UpstreamEvent);
  }
}

function toEvent(share: ShareRecord): ShareEvent {
  return {
    shareId: share.id,
    minerId: share.minerId,
    worker: share.worker,
    verdict: share.verdict,
    reason: share.reason,
    difficulty: share.difficulty,
    shareDifficulty: share.shareDifficulty,
    headerHash: share.headerHash,
    latencyMs: share.latencyMs,
    upstream: share.upstream,
    at: iso(share.at),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForJob(channel: UpstreamChannel, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      channel.off('job', done);
      channel.off('closed', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    channel.once('job', done);
    channel.once('closed', done);
  });
}

const defaultSv2Connector: Sv2Connector = async ({ host, port, authorityPubkey, timeoutMs }) => {
  const connection = await connectSv2({ host, port, authorityPubkey, timeoutMs });
  return {
    send: (message) => void connection.send(message),
    on(event: 'message' | 'close', listener: (value: never) => void) {
      connection.on(event, listener as never);
      return this;
    },
    close: () => connection.close(),
  } as Sv2Conn;
};

export function createProxy(opts: ProxyOptions): Proxy {
  return new Proxy(opts);
}


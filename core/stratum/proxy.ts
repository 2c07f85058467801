/**
 * The local Stratum proxy: the Stratum V1 port miners point at, bridged to an ordered list of upstreams
 * (Sv2 hashpool or plain Sv1 pools). Composed the way SRI's translator is: the Sv1 server (sv1-server.ts)
 * owns the miners' connections and their sessions' stats, the channel manager (channel-manager.ts) binds
 * each miner to an upstream channel, the upstream selector (upstream-selector.ts) runs failover, and the
 * share accounting (share-accounting.ts) keeps the ledger. This file only wires them.
 */
import { EventEmitter } from 'node:events';
import type { MiningSnapshot } from '../api/mining';
import { settingsDefaults } from '../api/system';
import type { UpstreamUrl } from '../api/upstream-url';
import type { Logger } from '../../lib/log';
import type { AdmissionLimits } from './admission';
import { ChannelManager, type QuoteEvent } from './channel-manager';
import type { ShareLedger } from './ledger';
import type { HistoryBucket, RetentionPolicy } from './ledger-history';
import { MinerSession, type SessionHost, type SessionLimits } from './miner-session';
import { HashrateHistory } from './session-stats';
import { ShareAccounting, type ShareEvent } from './share-accounting';
import { Sv1Server } from './sv1-server';
import type { Sv2Connector } from './sv2-upstream';
import { type UpstreamEvent, UpstreamSelector } from './upstream-selector';
import { VerdictDeadlines } from './verdict-deadlines';

export type { QuoteEvent } from './channel-manager';
export type { ShareEvent } from './share-accounting';
export type { UpstreamEvent } from './upstream-selector';

export interface ProxyLimits extends SessionLimits, AdmissionLimits {}

export const DEFAULT_LIMITS: ProxyLimits = { maxConnections: 1024, perAddress: 16, submitsPerSecond: 50, submitBurst: 200, dropInvalidSubmitters: true };

export interface ProxyOptions {
  stratumHost: string;
  /** 0 = any free port */
  stratumPort: number;
  /** failover order; the first is the primary */
  upstreams: UpstreamUrl[];
  verdictTimeoutMs: number;
  /** SQLite file of the share ledger */
  ledgerPath: string;
  /** how long single shares are kept before they are folded into hourly aggregates, and how many */
  retention?: Partial<RetentionPolicy>;
  /** compressed secp256k1 key (hex33) quotes are locked to; announced in the Sv2 user_identity */
  lockingPubkey: () => string | undefined;
  /** addresses of the devices Axewallet manages: they keep connection slots a LAN flood cannot take */
  knownAddresses?: () => Iterable<string>;
  logger: Logger;
  limits?: Partial<ProxyLimits>;
  /** an upstream that owes an answer (at most 30 s), or a Stratum V1 pool that says nothing, this long is left; default 120 s */
  silentUpstreamMs?: number;
  /** how often a lower-priority upstream in use looks for the primary again; default 15 s */
  probeIntervalMs?: number;
  /** with no upstream this long, miners are closed and refused so their own fallback pool takes over; default 60 s */
  noUpstreamMs?: number;
  /** resend the current job to a miner after this much quiet; default 60 s */
  keepaliveMs?: number;
  /** a connection must have subscribed and authorized this soon after connecting; default 10 s */
  handshakeTimeoutMs?: number;
  /** a miner silent this long is closed (pinged at half of it: ESP-Miner answers); default 10 min */
  idleTimeoutMs?: number;
  /** how long a departed miner's Sv2 channel waits for its shares' verdicts; default 10 s */
  verdictGraceMs?: number;
  /** how long authorize waits for an upstream channel with work; default 5 s */
  attachTimeoutMs?: number;
  /** one Sv2 channel for all miners instead of one each (their quotes then carry minerId "shared") */
  aggregateChannels?: boolean;
  /** H/s announced for a miner that has not suggested a difficulty yet; default 1 TH/s (a Bitaxe Gamma) */
  nominalHashrate?: number;
  /** the Sv2 transport (Noise over TCP); default: lib/transport */
  sv2Connector?: Sv2Connector;
}

export interface ProxyEvents {
  share: [share: ShareEvent];
  upstream: [event: UpstreamEvent];
  quote: [quote: QuoteEvent];
}

const HISTORY_EVERY_MS = 60_000;

export class Proxy extends EventEmitter<ProxyEvents> {
  readonly limits: ProxyLimits;
  private readonly accounting: ShareAccounting;
  private readonly selector: UpstreamSelector;
  private readonly channels: ChannelManager;
  private readonly server: Sv1Server;
  private readonly history = new HashrateHistory();
  private historyTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(opts: ProxyOptions) {
    super();
    const log = opts.logger.child('stratum');
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.accounting = new ShareAccounting(opts.ledgerPath, (message) => log.warn(message), opts.retention);
    this.selector = new UpstreamSelector({
      upstreams: opts.upstreams,
      logger: log,
      silentMs: opts.silentUpstreamMs ?? settingsDefaults.silentUpstreamSeconds * 1000,
      probeIntervalMs: opts.probeIntervalMs ?? 15_000,
      noUpstreamMs: opts.noUpstreamMs ?? 60_000,
      closeGraceMs: opts.verdictGraceMs ?? 10_000,
      sv2Connector: opts.sv2Connector,
    });
    this.channels = new ChannelManager({
      lockingPubkey: opts.lockingPubkey,
      nominalHashrate: opts.nominalHashrate ?? 1e12,
      aggregateChannels: opts.aggregateChannels ?? false,
      attachTimeoutMs: opts.attachTimeoutMs ?? 5000,
      logger: log,
      currentLink: () => this.selector.link,
      minerCount: () => this.server.sessions().length,
      linkFailed: (link, detail) => this.selector.linkFailed(link, detail),
    });
    const host: SessionHost = {
      deadlines: new VerdictDeadlines(opts.verdictTimeoutMs),
      limits: this.limits,
      logger: log,
      attach: (session) => this.channels.attach(session),
      recordShare: (session, share, answer, verdict) => this.accounting.record(session, share, verdict ? '' : (this.selector.link?.url ?? ''), answer, verdict),
      settleShare: (session, share, shareId, verdict, latencyMs) => this.accounting.settle(session, share, shareId, verdict, latencyMs),
      lateVerdict: (_session, _share, shareId, verdict) => this.accounting.late(shareId, verdict),
      sessionClosed: (session) => this.server.sessionClosed(session),
      noteInvalid: (_session, reason) => this.server.note(reason),
      misbehaved: (session) => this.server.misbehaved(session),
    };
    this.server = new Sv1Server({
      host: opts.stratumHost,
      port: opts.stratumPort,
      logger: log,
      admission: this.limits,
      knownAddresses: opts.knownAddresses ?? (() => []),
      handshakeMs: opts.handshakeTimeoutMs ?? 10_000,
      idleMs: opts.idleTimeoutMs ?? 10 * 60_000,
      keepaliveMs: opts.keepaliveMs ?? 60_000,
      newSession: (id, address, socket) => {
        const { extranonce1, extranonce2Size } = this.channels.layout();
        return new MinerSession(id, address, socket, host, extranonce1, extranonce2Size);
      },
    });
    this.selector.on('active', (link) => this.channels.follow(link, this.server.sessions()));
    this.selector.on('refusing', (refusing) => this.server.refuse(refusing));
    this.selector.on('upstream', (event) => this.emit('upstream', event));
    this.channels.on('quote', (quote) => this.emit('quote', quote));
    // returning emit's boolean would have the accounting's emitter look for a promise in it, twice a share
    this.accounting.on('share', (share) => {
      this.emit('share', share);
    });
    this.accounting.on('corrected', (c) => this.server.session(c.minerId)?.stats.corrected(c.from, c.to, c.difficulty));
  }

  get ledger(): ShareLedger {
    return this.accounting.ledger;
  }

  async start(): Promise<{ host: string; port: number }> {
    const address = await this.server.start();
    this.history.seed(this.ledger.workPerMinute(Date.now() - 24 * 3_600_000));
    this.historyTimer = setInterval(() => this.history.sample(this.server.sessions().reduce((sum, s) => sum + s.stats.hashrate(), 0)), HISTORY_EVERY_MS);
    this.historyTimer.unref();
    this.selector.start();
    return address;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.historyTimer) clearInterval(this.historyTimer);
    this.channels.stop();
    await this.server.stop();
    await this.selector.stop();
    await this.accounting.close();
  }

  /** Replaces the failover list; miners move to the new primary if the active upstream is no longer listed or first. */
  setUpstreams(list: UpstreamUrl[]): void {
    this.selector.setUpstreams(list);
  }

  /** What `mining.get` returns. */
  snapshot(): MiningSnapshot {
    const now = Date.now();
    const upstream = this.selector.link?.url ?? null;
    const miners = this.server
      .sessions()
      .filter((s) => s.subscribed)
      .map((s) => s.snapshot(now, upstream));
    return {
      shares: this.ledger.counts(),
      hashrate: miners.reduce((sum, m) => sum + m.hashrate, 0),
      miners,
      upstream: this.selector.status(),
      recentShares: this.accounting.recentShares(),
      hashrateHistory: this.history.list(),
      invalid: this.server.invalid(),
      stratum: this.server.endpoint,
    };
  }

  /** Shares from the ledger, newest first. */
  shares(limit: number): ShareEvent[] {
    return this.accounting.shares(limit);
  }

  shareByHeaderHash(hex: string): ShareEvent | undefined {
    return this.accounting.shareByHeaderHash(hex);
  }

  /** Accepted and rejected shares and work per worker and hour (or day), from the ledger and its aggregates. */
  shareHistory(span: 'hour' | 'day', since: number): Promise<HistoryBucket[]> {
    return this.ledger.history(span, since);
  }

  /** The wallet minted a quote for this header hash: the share was accepted, whatever was recorded before. */
  settleByQuote(headerHash: string): ShareEvent | undefined {
    return this.accounting.acceptedByQuote(headerHash);
  }
}

export function createProxy(opts: ProxyOptions): Proxy {
  return new Proxy(opts);
}

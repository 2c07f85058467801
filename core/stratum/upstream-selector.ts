/**
 * The upstream selector (SRI translator's failover): an ordered list of pools, the first is the primary. It
 * connects to the first that works, moves on when that one fails or falls silent, looks for a higher-priority
 * pool again while on a backup, and retries the list while none works.
 *
 * With no upstream for `noUpstreamMs` (60 s), it says so ('refusing'): the Stratum server then closes its miners
 * and refuses new ones without a word, so their firmware's own fallback pool takes over. ESP-Miner falls back
 * only after 3 failed connections without any answer (stratum_v1_task.c MAX_RETRY_ATTEMPTS; any answer to a
 * setup message resets the count), and never notices a pool that keeps TCP open and sends nothing (#1964).
 */
import { EventEmitter } from 'node:events';
import type { z } from 'zod';
import type { MiningSnapshot, miningUpstreamEventSchema } from '../api/mining';
import type { UpstreamUrl } from '../api/upstream-url';
import type { Logger } from '../../lib/log';
import { connectSv2 } from '../../lib/transport/sv2';
import { Sv1UpstreamLink } from './sv1-upstream';
import { type Sv2Conn, type Sv2Connector, Sv2UpstreamLink } from './sv2-upstream';
import type { LinkState, UpstreamLink } from './upstream';

export type UpstreamEvent = Omit<z.infer<typeof miningUpstreamEventSchema>, 'type'>;
type UpstreamStatus = MiningSnapshot['upstream'];

export interface SelectorEvents {
  /** miners belong on `link` from now on */
  active: [link: UpstreamLink];
  upstream: [event: UpstreamEvent];
  /** true: no upstream for `noUpstreamMs`, miners are sent to their own fallback; false: one works again */
  refusing: [refusing: boolean];
}

export interface SelectorOptions {
  upstreams: UpstreamUrl[];
  logger: Logger;
  /** an upstream that owes an answer, or (Stratum V1) says nothing at all, for this long is left */
  silentMs: number;
  /** how often a lower-priority upstream in use looks for the primary again */
  probeIntervalMs: number;
  /** how long miners wait for an upstream before they are sent to their own fallback pool */
  noUpstreamMs: number;
  /** how long a departed miner's channel waits for the verdicts of its shares */
  closeGraceMs: number;
  sv2Connector?: Sv2Connector;
}

const iso = (ms: number) => new Date(ms).toISOString();

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

export class UpstreamSelector extends EventEmitter<SelectorEvents> {
  private upstreams: UpstreamUrl[];
  private readonly states = new Map<string, { url: string; protocol: 'sv1' | 'sv2'; state: LinkState | 'idle'; lastError: string | null; since: number }>();
  private current: UpstreamLink | undefined;
  private activeIndex: number | null = null;
  private activeSince = Date.now();
  private switches = 0;
  private switching: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private probing = false;
  private stopped = false;
  /** since when no upstream has been in use */
  private lostSince: number | undefined = Date.now();
  private refusingNow = false;

  constructor(private readonly opts: SelectorOptions) {
    super();
    this.upstreams = [...opts.upstreams];
    this.resetStates();
  }

  get link(): UpstreamLink | undefined {
    return this.current;
  }

  get refusing(): boolean {
    return this.refusingNow;
  }

  start(): void {
    this.lostSince = Date.now();
    this.timers.push(setInterval(() => void this.probePrimary(), this.opts.probeIntervalMs));
    this.timers.push(setInterval(() => this.checkRefusal(), Math.min(1000, Math.max(20, this.opts.noUpstreamMs / 4))));
    for (const t of this.timers) t.unref();
    this.select(0, 'start');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.current?.close(true);
    this.current = undefined;
    await this.switching.catch(() => undefined);
  }

  /** Replaces the failover list; miners move to the new primary if the active upstream is no longer listed or first. */
  setUpstreams(list: UpstreamUrl[]): void {
    this.upstreams = [...list];
    this.resetStates();
    const activeUrl = this.activeIndex !== null ? this.current?.url : undefined;
    const index = activeUrl ? list.findIndex((u) => u.url === activeUrl) : -1;
    if (index === 0) {
      this.activeIndex = 0;
      return;
    }
    this.select(0, 'upstreams changed');
  }

  /** A miner's channel failed on `link`: the link is treated as failed. */
  linkFailed(link: UpstreamLink, detail: string): void {
    if (this.current !== link || this.activeIndex === null) return;
    const failed = this.activeIndex;
    const entry = this.states.get(link.url);
    if (entry && entry.state !== 'silent') this.setState(link.url, 'down', detail);
    this.opts.logger.warn('upstream failed; switching', { url: link.url, detail });
    this.lose();
    link.close(true);
    this.select(this.upstreams.length > 1 ? (failed + 1) % this.upstreams.length : 0, 'failover');
  }

  status(): UpstreamStatus {
    const active = this.activeIndex !== null ? this.upstreams[this.activeIndex] : undefined;
    const state = active ? (this.states.get(active.url)?.state ?? 'none') : this.noActiveState();
    const primary = this.upstreams[0] ? this.states.get(this.upstreams[0].url) : undefined;
    return {
      url: active?.url ?? null,
      protocol: active?.protocol ?? null,
      state,
      connected: state === 'up',
      latencyMs: this.current?.latencyMs ?? null,
      activeIndex: this.activeIndex,
      failover: this.activeIndex !== null && this.activeIndex > 0,
      // why we are not on a working primary; once the primary carries the miners again there is nothing to explain
      lastError: this.activeIndex === 0 && state === 'up' ? null : (primary?.lastError ?? null),
      switches: this.switches,
      since: iso(this.activeSince),
      upstreams: this.upstreams.map((u) => {
        const entry = this.states.get(u.url)!;
        return { url: u.url, protocol: u.protocol, state: entry.state, lastError: entry.lastError, since: iso(entry.since) };
      }),
    };
  }

  private lose(): void {
    this.current = undefined;
    this.lostSince ??= Date.now();
  }

  private checkRefusal(): void {
    const refusing = !this.stopped && this.current === undefined && this.lostSince !== undefined && Date.now() - this.lostSince >= this.opts.noUpstreamMs;
    if (refusing === this.refusingNow) return;
    this.refusingNow = refusing;
    if (refusing) this.opts.logger.warn('no upstream for a while: miners are sent to their own fallback pool', { seconds: Math.round(this.opts.noUpstreamMs / 1000) });
    else this.opts.logger.info('an upstream works again: miners are welcome');
    this.emit('refusing', refusing);
  }

  private resetStates(): void {
    const old = new Map(this.states);
    this.states.clear();
    for (const u of this.upstreams) {
      this.states.set(u.url, old.get(u.url) ?? { url: u.url, protocol: u.protocol, state: 'idle', lastError: null, since: Date.now() });
    }
  }

  private setState(url: string, state: LinkState | 'idle', detail?: string): void {
    const entry = this.states.get(url);
    if (!entry) return;
    if (entry.state !== state) entry.since = Date.now();
    entry.state = state;
    if (state === 'down' || state === 'silent') entry.lastError = detail ?? state;
    this.publish(detail ?? null);
  }

  private makeLink(upstream: UpstreamUrl): UpstreamLink {
    const logger = this.opts.logger.child('upstream');
    if (upstream.protocol === 'sv1') {
      return new Sv1UpstreamLink({ host: upstream.host, port: upstream.port, url: upstream.url, logger, silentMs: this.opts.silentMs });
    }
    return new Sv2UpstreamLink({
      host: upstream.host,
      port: upstream.port,
      url: upstream.url,
      authorityPubkey: upstream.authorityPubkey,
      logger,
      silentMs: this.opts.silentMs,
      closeGraceMs: this.opts.closeGraceMs,
      connector: this.opts.sv2Connector ?? defaultSv2Connector,
    });
  }

  /** Connects a fresh link to upstream `index`; resolves with it when the pool works. */
  private async tryUpstream(index: number): Promise<UpstreamLink | undefined> {
    const upstream = this.upstreams[index];
    if (!upstream) return undefined;
    const link = this.makeLink(upstream);
    link.on('state', (state, detail) => {
      if (this.current === link || state === 'connecting' || state === 'down') this.setState(upstream.url, state, detail);
      if ((state === 'down' || state === 'silent') && this.current === link) this.linkFailed(link, detail ?? state);
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
      const old = this.current;
      this.lose();
      this.activeIndex = null;
      old?.close(true);
      this.publish(n === 0 ? 'no upstream configured' : 'no upstream reachable');
      if (n > 0) {
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.select(0, 'retry'), Math.min(5000, this.opts.probeIntervalMs));
        this.retryTimer.unref();
      }
    });
  }

  private activate(index: number, link: UpstreamLink, why: string): void {
    const old = this.current;
    this.current = link;
    this.lostSince = undefined;
    this.activeIndex = index;
    this.activeSince = Date.now();
    this.switches++;
    this.setState(link.url, 'up');
    this.opts.logger.info('upstream active', { url: link.url, index, why });
    this.checkRefusal();
    this.emit('active', link);
    old?.close();
    if (old) for (const [url, s] of this.states) if (url === old.url && s.state === 'up') this.setState(url, 'idle');
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

  private publish(detail: string | null): void {
    const active = this.activeIndex !== null ? this.upstreams[this.activeIndex] : undefined;
    const state = active ? this.states.get(active.url)?.state : undefined;
    this.emit('upstream', { url: active?.url ?? null, activeIndex: this.activeIndex, onPrimary: this.activeIndex === 0, state: state ?? this.noActiveState(), detail });
  }

  /** No upstream in use: "none" only when none is configured; "connecting" while one is being tried; "down" when all failed. */
  private noActiveState(): 'none' | 'connecting' | 'down' {
    if (this.upstreams.length === 0) return 'none';
    const states = [...this.states.values()].map((u) => u.state);
    return states.some((state) => state === 'connecting' || state === 'idle') ? 'connecting' : 'down';
  }
}

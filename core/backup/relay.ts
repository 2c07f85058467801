/**
 * One nostr relay, NIP-01 over a WebSocket (ws): publish with OK handling, paged queries, NIP-42 AUTH
 * when the relay asks, and reconnection with exponential backoff. Events coming back are NOT trusted:
 * as they arrive, only well-formed ones of the asked kinds, authors and ids are kept, and a query stops
 * reading (the connection is cut) once the relay has sent more than its byte budget; the caller still
 * verifies signatures (verify.ts) before using anything in them.
 */
import { WebSocket } from 'ws';
import type { Logger } from '../../lib/log';
import type { EventTemplate, SignedEvent } from './nip60';
import { wellFormed } from './verify';

export interface RelayStatus {
  url: string;
  connected: boolean;
  /** ISO time of the last event this relay accepted */
  lastOkAt: string | null;
  /** the last problem with this relay, in words a user can act on; null once it works again */
  lastError: string | null;
  lastErrorAt: string | null;
}

/** The relay answered OK false (NIP-01 machine-readable prefix kept in `reason`). */
export class RelayRefusedError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${url} refused the event: ${reason || 'no reason given'}`);
    this.name = 'RelayRefusedError';
  }
}

/** The relay could not be reached or did not answer in time. */
export class RelayUnavailableError extends Error {
  constructor(
    readonly url: string,
    what: string,
  ) {
    super(`${url}: ${what}`);
    this.name = 'RelayUnavailableError';
  }
}

export interface RelayFilter {
  ids?: string[];
  kinds?: number[];
  authors?: string[];
  since?: number;
  until?: number;
  limit?: number;
  [tag: `#${string}`]: string[];
}

export interface RelayConnectionOptions {
  logger: Logger;
  /** signs a NIP-42 AUTH event (kind 22242) when the relay asks for one */
  signAuth?: (template: EventTemplate) => SignedEvent;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** how long to wait for an OK, an EOSE or a connection */
  timeoutMs?: number;
  /** retries of one event after "rate-limited:" */
  rateLimitRetries?: number;
  /** bytes one query (all its pages) may receive before the relay is cut off (default MAX_QUERY_BYTES) */
  maxQueryBytes?: number;
}

/** one message: the largest event verify.ts accepts (512 KiB of content) with its tags and framing */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/**
 * What one query may receive from one relay, all pages together: far above a real wallet backup
 * (live token events are consolidated, deletions are a few hundred bytes each), far below what
 * would strain memory even with every configured relay answering at once.
 */
export const MAX_QUERY_BYTES = 32 * 1024 * 1024;
/** what holding one event costs beyond its text (object, id, pubkey, sig), charged to the budget too */
const EVENT_OVERHEAD_BYTES = 512;
/** a relay answering more than asked per page is not listened to beyond this */
const PAGE_SLACK = 100;

interface OkWaiter {
  resolve(answer: { ok: boolean; reason: string }): void;
  reject(error: Error): void;
}

/** What one query (all its pages) may still receive from the relay. */
interface ByteBudget {
  left: number;
}

interface SubWaiter {
  events: SignedEvent[];
  max: number;
  filter: RelayFilter;
  budget: ByteBudget;
  resolve(events: SignedEvent[]): void;
  reject(error: Error): void;
}

/** What the relay was asked for: anything else it sends is dropped on arrival. */
function matches(event: SignedEvent, filter: RelayFilter): boolean {
  return (!filter.kinds || filter.kinds.includes(event.kind)) && (!filter.authors || filter.authors.includes(event.pubkey)) && (!filter.ids || filter.ids.includes(event.id));
}

export class RelayConnection {
  private ws: WebSocket | null = null;
  private opened: Promise<void> | null = null;
  private stopped = true;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private challenge: string | null = null;
  private subCounter = 0;
  private auditProblem = false;
  private readonly okWaiters = new Map<string, OkWaiter>();
  private readonly subs = new Map<string, SubWaiter>();
  private readonly state: RelayStatus;
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    private readonly opts: RelayConnectionOptions,
  ) {
    this.backoffMs = opts.backoffInitialMs ?? 500;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.state = { url, connected: false, lastOkAt: null, lastError: null, lastErrorAt: null };
  }

  status(): RelayStatus {
    return { ...this.state, connected: this.ws?.readyState === WebSocket.OPEN };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    this.ws = null;
    this.opened = null;
    this.failPending(new RelayUnavailableError(this.url, 'connection closed'));
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.terminate();
      });
    }
  }

  /** Sends one signed event and waits for the relay's OK. Retries after rate limits and AUTH demands. */
  async publish(event: SignedEvent): Promise<void> {
    let rateLimited = 0;
    let authTried = false;
    for (;;) {
      const answer = await this.request(event);
      if (answer.ok || answer.reason.startsWith('duplicate:')) {
        this.state.lastOkAt = new Date().toISOString();
        // an OK does not undo an audit finding: a relay that drops events says OK too
        if (!this.auditProblem) this.state.lastError = null;
        return;
      }
      if (answer.reason.startsWith('auth-required:') && !authTried && this.opts.signAuth && this.challenge) {
        authTried = true;
        await this.authenticate();
        continue;
      }
      if (answer.reason.startsWith('rate-limited:') && rateLimited < (this.opts.rateLimitRetries ?? 3)) {
        rateLimited++;
        await sleep(Math.min(this.opts.backoffMaxMs ?? 30_000, (this.opts.backoffInitialMs ?? 500) * 2 ** rateLimited));
        continue;
      }
      const error = new RelayRefusedError(this.url, answer.reason);
      this.noteError(error.message);
      throw error;
    }
  }

  /**
   * Every event matching the filter, paged newest to oldest with `until` so a relay's per-query cap
   * (often 100 to 500) does not cut the result short. Well-formed and matching the filter, but the
   * signatures are not checked yet. All pages share one byte budget.
   */
  async queryAll(filter: RelayFilter, pageSize = 500): Promise<SignedEvent[]> {
    const seen = new Map<string, SignedEvent>();
    const budget: ByteBudget = { left: this.opts.maxQueryBytes ?? MAX_QUERY_BYTES };
    let until = filter.until;
    for (;;) {
      const page = await this.queryPage({ ...filter, limit: pageSize, ...(until === undefined ? {} : { until }) }, false, budget);
      let fresh = 0;
      let oldest = Number.POSITIVE_INFINITY;
      for (const event of page) {
        if (!seen.has(event.id)) {
          seen.set(event.id, event);
          fresh++;
        }
        oldest = Math.min(oldest, event.created_at);
      }
      // `until` is inclusive: the boundary second comes again and is deduplicated. A page with nothing
      // new that is all from the boundary second steps one second back (more events in one second than
      // the relay's cap cannot all be reached; everything older still is); an empty page ends the query.
      if (!Number.isFinite(oldest)) break;
      if (fresh === 0) {
        // a page from after `until` means the relay ignores it: stop rather than ask forever
        if (until === undefined || oldest !== until) break;
        until = oldest - 1;
        continue;
      }
      until = oldest;
    }
    return [...seen.values()];
  }

  /** One REQ, answered up to EOSE: what the relay sends for this filter (it may cap the count). */
  async queryPage(filter: RelayFilter, authTried = false, budget: ByteBudget = { left: this.opts.maxQueryBytes ?? MAX_QUERY_BYTES }): Promise<SignedEvent[]> {
    const ws = await this.ready();
    const subId = `q${++this.subCounter}`;
    const result = new Promise<SignedEvent[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.subs.delete(subId);
        reject(new RelayUnavailableError(this.url, 'no end of stored events in time'));
      }, this.timeoutMs);
      this.subs.set(subId, {
        events: [],
        max: (filter.limit ?? 500) + PAGE_SLACK,
        filter,
        budget,
        resolve: (events) => {
          clearTimeout(timer);
          resolve(events);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    ws.send(JSON.stringify(['REQ', subId, filter]));
    try {
      return await result;
    } catch (error) {
      if (error instanceof RelayRefusedError && error.reason.startsWith('auth-required:') && !authTried && this.opts.signAuth && this.challenge) {
        await this.authenticate();
        return this.queryPage(filter, true, budget);
      }
      this.noteError((error as Error).message);
      throw error;
    }
  }

  private async request(event: SignedEvent): Promise<{ ok: boolean; reason: string }> {
    const ws = await this.ready();
    const answer = new Promise<{ ok: boolean; reason: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.okWaiters.delete(event.id);
        reject(new RelayUnavailableError(this.url, 'no OK for the event in time'));
      }, this.timeoutMs);
      this.okWaiters.set(event.id, {
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
    ws.send(JSON.stringify(['EVENT', event]));
    try {
      return await answer;
    } catch (error) {
      this.noteError((error as Error).message);
      throw error;
    }
  }

  private async authenticate(): Promise<void> {
    if (!this.opts.signAuth || !this.challenge) return;
    const auth = this.opts.signAuth({
      kind: 22242,
      tags: [
        ['relay', this.url],
        ['challenge', this.challenge],
      ],
      content: '',
      created_at: Math.floor(Date.now() / 1000),
    });
    const ws = await this.ready();
    const answer = new Promise<{ ok: boolean; reason: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.okWaiters.delete(auth.id);
        reject(new RelayUnavailableError(this.url, 'no answer to AUTH in time'));
      }, this.timeoutMs);
      this.okWaiters.set(auth.id, {
        resolve: (a) => (clearTimeout(timer), resolve(a)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
    ws.send(JSON.stringify(['AUTH', auth]));
    const result = await answer;
    if (!result.ok) throw new RelayRefusedError(this.url, `AUTH refused: ${result.reason}`);
  }

  private async ready(): Promise<WebSocket> {
    if (this.stopped) throw new RelayUnavailableError(this.url, 'relay is not in use');
    if (this.ws?.readyState === WebSocket.OPEN) return this.ws;
    await withTimeout(this.connect(), this.timeoutMs, () => new RelayUnavailableError(this.url, 'could not connect in time'));
    const ws = this.ws as WebSocket | null;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new RelayUnavailableError(this.url, 'not connected');
    return ws;
  }

  private connect(): Promise<void> {
    if (this.opened) return this.opened;
    const ws = new WebSocket(this.url, { maxPayload: MAX_MESSAGE_BYTES, handshakeTimeout: this.timeoutMs });
    this.ws = ws;
    this.challenge = null;
    this.opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        this.backoffMs = this.opts.backoffInitialMs ?? 500;
        this.opts.logger.debug('relay connected', { url: this.url });
        resolve();
      });
      ws.once('error', (error) => {
        this.noteError(`cannot connect: ${error.message}`);
        reject(new RelayUnavailableError(this.url, `cannot connect: ${error.message}`));
      });
    });
    this.opened.catch(() => undefined);
    ws.on('message', (data) => this.onMessage(String(data), ws));
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.opened = null;
      this.failPending(new RelayUnavailableError(this.url, 'connection closed'));
      this.scheduleReconnect();
    });
    ws.on('error', () => undefined);
    return this.opened;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.backoffMs * (0.75 + Math.random() * 0.5);
    this.backoffMs = Math.min(this.opts.backoffMaxMs ?? 30_000, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) void this.connect().catch(() => undefined);
    }, delay);
    this.reconnectTimer.unref();
  }

  private failPending(error: Error): void {
    for (const waiter of this.okWaiters.values()) waiter.reject(error);
    this.okWaiters.clear();
    for (const sub of this.subs.values()) sub.reject(error);
    this.subs.clear();
  }

  /** A relay flooding a query: its queries fail with the reason and the connection is dropped (reconnected later with backoff). */
  private cutOff(ws: WebSocket, reason: string): void {
    if (this.ws === ws) {
      this.ws = null;
      this.opened = null;
      this.failPending(new RelayUnavailableError(this.url, reason));
      this.scheduleReconnect();
    }
    ws.terminate();
  }

  /** Records what a read-back audit found (events accepted but missing), or clears it (null). */
  reportAudit(problem: string | null): void {
    this.auditProblem = problem !== null;
    if (problem) this.noteError(problem);
    else this.state.lastError = null;
  }

  private noteError(message: string): void {
    this.state.lastError = message;
    this.state.lastErrorAt = new Date().toISOString();
    this.opts.logger.warn('relay problem', { url: this.url, error: message });
  }

  private onMessage(text: string, ws: WebSocket): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // a relay talking nonsense is ignored, not fatal
    }
    if (!Array.isArray(message)) return;
    const [type, a, b, c] = message as unknown[];
    if (type === 'EVENT' && typeof a === 'string') {
      const sub = this.subs.get(a);
      if (!sub) return;
      sub.budget.left -= text.length + EVENT_OVERHEAD_BYTES;
      if (sub.budget.left < 0) {
        this.cutOff(ws, `sent more than ${Math.round((this.opts.maxQueryBytes ?? MAX_QUERY_BYTES) / 1024 / 1024)} MiB for one query; stopped reading`);
        return;
      }
      const event = wellFormed(b);
      if (event && matches(event, sub.filter) && sub.events.length < sub.max) sub.events.push(event);
    } else if (type === 'EOSE' && typeof a === 'string') {
      const sub = this.subs.get(a);
      if (!sub) return;
      this.subs.delete(a);
      this.ws?.send(JSON.stringify(['CLOSE', a]));
      sub.resolve(sub.events);
    } else if (type === 'CLOSED' && typeof a === 'string') {
      const sub = this.subs.get(a);
      this.subs.delete(a);
      sub?.reject(new RelayRefusedError(this.url, typeof b === 'string' ? b : ''));
    } else if (type === 'OK' && typeof a === 'string') {
      const waiter = this.okWaiters.get(a);
      this.okWaiters.delete(a);
      waiter?.resolve({ ok: b === true, reason: typeof c === 'string' ? c : '' });
    } else if (type === 'AUTH' && typeof a === 'string') {
      this.challenge = a.slice(0, 256);
    } else if (type === 'NOTICE' && typeof a === 'string') {
      this.opts.logger.debug('relay notice', { url: this.url, notice: a.slice(0, 200) });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(error()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

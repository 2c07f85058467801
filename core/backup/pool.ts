/**
 * Several relays used in parallel. An event is published to every relay at once; a relay that fails
 * keeps it in its own outbox and gets it again, with backoff, until it accepts or is removed, so one
 * bad relay never holds the others back. Queries merge all relays' answers, deduplicated by id.
 */
import type { Logger } from '../../lib/log';
import type { EventTemplate, SignedEvent } from './nip60';
import { RelayConnection, type RelayConnectionOptions, type RelayFilter, type RelayStatus } from './relay';

export interface PoolRelayStatus extends RelayStatus {
  /** events this relay has not accepted yet */
  outbox: number;
}

export interface PublishResult {
  /** relays that accepted the event */
  accepted: string[];
  /** relay url -> why it did not */
  failed: Record<string, string>;
}

export interface RelayPoolOptions {
  logger: Logger;
  signAuth?: (template: EventTemplate) => SignedEvent;
  /** first retry delay of a relay's outbox; doubles up to retryMaxMs */
  retryInitialMs?: number;
  retryMaxMs?: number;
  timeoutMs?: number;
  /** called whenever a relay's state changes (accepted, failed, added, removed) */
  onChange?: () => void;
  /** bytes one query may receive from one relay before that relay is cut off (see RelayConnection) */
  maxQueryBytes?: number;
}

const AUDIT_BATCH = 200;

interface Member {
  connection: RelayConnection;
  outbox: Map<string, SignedEvent>;
  retryTimer: NodeJS.Timeout | null;
  retryDelayMs: number;
  /** events must reach a relay in the order they were made (a deletion after what it deletes) */
  chain: Promise<void>;
}

export class RelayPool {
  private readonly members = new Map<string, Member>();
  private running = false;

  constructor(private readonly opts: RelayPoolOptions) {}

  urls(): string[] {
    return [...this.members.keys()];
  }

  status(): PoolRelayStatus[] {
    return [...this.members.values()].map((m) => ({ ...m.connection.status(), outbox: m.outbox.size }));
  }

  start(): void {
    this.running = true;
    for (const member of this.members.values()) member.connection.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.members.values()].map((m) => this.retire(m)));
  }

  async setRelays(urls: string[]): Promise<void> {
    const wanted = new Set(urls);
    for (const [url, member] of this.members) {
      if (!wanted.has(url)) {
        this.members.delete(url);
        await this.retire(member);
      }
    }
    for (const url of wanted) {
      if (this.members.has(url)) continue;
      const connectionOpts: RelayConnectionOptions = {
        logger: this.opts.logger,
        backoffInitialMs: this.opts.retryInitialMs,
        backoffMaxMs: this.opts.retryMaxMs,
        timeoutMs: this.opts.timeoutMs,
        maxQueryBytes: this.opts.maxQueryBytes,
      };
      if (this.opts.signAuth) connectionOpts.signAuth = this.opts.signAuth;
      const connection = new RelayConnection(url, connectionOpts);
      this.members.set(url, { connection, outbox: new Map(), retryTimer: null, retryDelayMs: this.opts.retryInitialMs ?? 1000, chain: Promise.resolve() });
      if (this.running) connection.start();
    }
    this.opts.onChange?.();
  }

  /** Publishes to every relay in parallel; resolves once each relay has answered or failed. */
  async publish(event: SignedEvent): Promise<PublishResult> {
    const result: PublishResult = { accepted: [], failed: {} };
    await Promise.all(
      [...this.members.entries()].map(async ([url, member]) => {
        member.outbox.set(event.id, event);
        const error = await this.deliver(member, event);
        if (error) result.failed[url] = error;
        else result.accepted.push(url);
      }),
    );
    this.opts.onChange?.();
    return result;
  }

  /**
   * Every matching event from every reachable relay, deduplicated; how many each relay returned; which could not
   * answer. Each relay has its own byte budget, so one flooding relay is cut off without costing the others' answers.
   */
  async queryAll(filter: RelayFilter): Promise<{ events: SignedEvent[]; counts: Record<string, number>; failed: Record<string, string> }> {
    const byId = new Map<string, SignedEvent>();
    const counts: Record<string, number> = {};
    const failed: Record<string, string> = {};
    await Promise.all(
      [...this.members.entries()].map(async ([url, member]) => {
        try {
          const events = await member.connection.queryAll(filter);
          counts[url] = events.length;
          for (const event of events) {
            if (!byId.has(event.id)) byId.set(event.id, event);
          }
        } catch (error) {
          failed[url] = (error as Error).message;
        }
      }),
    );
    return { events: [...byId.values()], counts, failed };
  }

  /**
   * Reads the given events back from every relay. A relay that said OK but does not return them (it
   * dropped them) is marked with an error and gets them again through its outbox. Returns the number
   * missing per relay.
   */
  async audit(events: SignedEvent[]): Promise<Record<string, number>> {
    const missingByRelay: Record<string, number> = {};
    if (events.length === 0) return missingByRelay;
    await Promise.all(
      [...this.members.entries()].map(async ([url, member]) => {
        try {
          const held = new Set<string>();
          for (let i = 0; i < events.length; i += AUDIT_BATCH) {
            const ids = events.slice(i, i + AUDIT_BATCH).map((e) => e.id);
            for (const event of await member.connection.queryAll({ ids }, AUDIT_BATCH)) held.add(event.id);
          }
          // events still in the outbox have failed visibly already; only silent losses are news
          const missing = events.filter((e) => !held.has(e.id) && !member.outbox.has(e.id));
          missingByRelay[url] = missing.length;
          if (missing.length === 0) {
            if (member.outbox.size === 0) member.connection.reportAudit(null);
            return;
          }
          member.connection.reportAudit(`accepted but does not return ${missing.length} of ${events.length} backup event(s)`);
          for (const event of missing) member.outbox.set(event.id, event);
          this.scheduleRetry(member);
        } catch {
          // unreachable: its connection already says why
        }
      }),
    );
    this.opts.onChange?.();
    return missingByRelay;
  }

  /** One relay alone, for "test this relay". */
  async probe(url: string, filter: RelayFilter): Promise<number> {
    const connection = new RelayConnection(url, { logger: this.opts.logger, timeoutMs: this.opts.timeoutMs ?? 5000, maxQueryBytes: this.opts.maxQueryBytes });
    connection.start();
    try {
      return (await connection.queryPage({ ...filter, limit: 1 })).length;
    } finally {
      await connection.stop();
    }
  }

  private deliver(member: Member, event: SignedEvent): Promise<string | null> {
    const attempt = member.chain.then(async () => {
      if (!member.outbox.has(event.id)) return null;
      try {
        await member.connection.publish(event);
        member.outbox.delete(event.id);
        member.retryDelayMs = this.opts.retryInitialMs ?? 1000;
        return null;
      } catch (error) {
        this.scheduleRetry(member);
        return (error as Error).message;
      }
    });
    member.chain = attempt.then(() => undefined);
    return attempt;
  }

  private scheduleRetry(member: Member): void {
    if (!this.running || member.retryTimer) return;
    const delay = member.retryDelayMs;
    member.retryDelayMs = Math.min(this.opts.retryMaxMs ?? 60_000, member.retryDelayMs * 2);
    member.retryTimer = setTimeout(() => {
      member.retryTimer = null;
      if (!this.running || this.members.get(member.connection.url) !== member) return;
      const pending = [...member.outbox.values()];
      void Promise.all(pending.map((event) => this.deliver(member, event))).then(() => this.opts.onChange?.());
    }, delay);
    member.retryTimer.unref();
  }

  private async retire(member: Member): Promise<void> {
    if (member.retryTimer) clearTimeout(member.retryTimer);
    member.retryTimer = null;
    await member.connection.stop();
  }
}

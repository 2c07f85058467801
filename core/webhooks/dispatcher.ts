/**
 * Sends alerts to the user's webhooks: one queue per webhook (in order, one request at a time), retries with
 * exponential backoff on network errors, timeouts, 408, 425, 429 and 5xx (Retry-After honoured), no retry
 * on other answers. Every request is signed (sign.ts). URLs are logged by host only and secrets never.
 * The queues survive a restart in the outbox (outbox.ts).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { WebhookView } from '../api/integrations';
import type { Alert } from '../api/system';
import type { Logger } from '../../lib/log';
import { type AlertMessage, type DeliveryKind, requestFor } from './payload';
import type { Delivery, WebhookOutbox } from './outbox';
import { SIGNATURE_HEADER, signBody } from './sign';

export interface StoredWebhook {
  id: string;
  name: string;
  url: string;
  format: WebhookView['format'];
  events: WebhookView['events'];
  includeCleared: boolean;
  enabled: boolean;
  secret: string;
}

export type WebhookStatus = WebhookView['status'];

export interface RetryPolicy {
  /** first retry after this long, doubling each time */
  baseMs: number;
  maxMs: number;
  /** attempts in all, the first included */
  attempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 5_000, maxMs: 300_000, attempts: 6 };
const MAX_QUEUED = 100;

export interface DispatcherOptions {
  webhooks: () => StoredWebhook[];
  /** names this Axewallet in every message */
  instance: () => string;
  version: string;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** where unsent deliveries are kept across restarts; without one they live in memory only */
  outbox?: WebhookOutbox;
}

type Outcome = { ok: true; status: number; attempts: number } | { ok: false; status: number | null; attempts: number; error: string };

interface Lane {
  queue: Delivery[];
  busy: boolean;
  timer?: NodeJS.Timeout;
  status: WebhookStatus;
}

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

export interface DispatcherEvents {
  status: [id: string, status: WebhookStatus];
}

export class WebhookDispatcher extends EventEmitter<DispatcherEvents> {
  private readonly lanes = new Map<string, Lane>();
  private readonly retry: RetryPolicy;
  private stopped = false;

  constructor(private readonly opts: DispatcherOptions) {
    super();
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    // what the last run could not deliver goes first, with its delivery id and the attempts already spent
    const left = opts.outbox?.load() ?? [];
    for (const delivery of left) this.lane(delivery.webhookId).queue.push(delivery);
    if (left.length > 0) opts.logger.info('webhook deliveries left from the last run are sent again', { count: left.length });
    for (const id of this.lanes.keys()) this.pump(id);
  }

  /** Queues the alert for every enabled webhook that asked for its kind. */
  onAlert(alert: Alert): void {
    if (this.stopped) return;
    const kind: DeliveryKind = alert.clearedAt ? 'alert.cleared' : 'alert';
    for (const hook of this.opts.webhooks()) {
      if (!hook.enabled || !(hook.events as string[]).includes(alert.kind) || (kind === 'alert.cleared' && !hook.includeCleared)) continue;
      this.enqueue({ id: randomBytes(8).toString('hex'), webhookId: hook.id, message: this.message(kind, alert), attempts: 0 });
    }
  }

  /** Sends a test alert now, beside the queue (up to three quick attempts), and says what the receiver answered. */
  async test(id: string): Promise<Outcome> {
    const hook = this.opts.webhooks().find((h) => h.id === id);
    if (!hook) return { ok: false, status: null, attempts: 0, error: 'no such webhook' };
    const alert: Alert = {
      id: `test-${Date.now().toString(36)}`,
      source: 'device',
      kind: 'overheat',
      severity: 'warning',
      title: 'This is a test',
      message: 'Axewallet can reach this webhook. Real alerts arrive here the same way.',
      at: new Date().toISOString(),
    };
    const delivery: Delivery = { id: randomBytes(8).toString('hex'), webhookId: id, message: this.message('test', alert), attempts: 0 };
    const lane = this.lane(id);
    for (;;) {
      delivery.attempts += 1;
      lane.status.lastAttemptAt = new Date().toISOString();
      try {
        const status = await this.post(hook, delivery);
        lane.status = { ...lane.status, lastOk: true, lastStatus: status, lastError: null };
        this.emit('status', id, this.status(id));
        return { ok: true, status, attempts: delivery.attempts };
      } catch (error) {
        const failure = error as WebhookError;
        lane.status = { ...lane.status, lastOk: false, lastStatus: failure.status, lastError: failure.message };
        this.emit('status', id, this.status(id));
        if (!failure.retryable || delivery.attempts >= 3) return { ok: false, status: failure.status, attempts: delivery.attempts, error: failure.message };
        await new Promise((r) => setTimeout(r, Math.min(this.retry.baseMs, 1000) * delivery.attempts));
      }
    }
  }

  status(id: string): WebhookStatus {
    return { ...this.lane(id).status, pending: this.lane(id).queue.length };
  }

  /** Drops a removed webhook's queue, in the outbox too. */
  forget(id: string): void {
    const lane = this.lanes.get(id);
    if (!lane) return;
    if (lane.timer) clearTimeout(lane.timer);
    this.lanes.delete(id);
    this.persist();
  }

  /** Stops sending; what is still queued stays in the outbox for the next start. */
  stop(): void {
    this.stopped = true;
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    this.lanes.clear();
  }

  private message(kind: DeliveryKind, alert: Alert): AlertMessage {
    return { kind, alert, sentAt: new Date().toISOString(), instance: this.opts.instance() };
  }

  private lane(id: string): Lane {
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = { queue: [], busy: false, status: { lastAttemptAt: null, lastOk: null, lastStatus: null, lastError: null, pending: 0 } };
      this.lanes.set(id, lane);
    }
    return lane;
  }

  private enqueue(delivery: Delivery): void {
    const lane = this.lane(delivery.webhookId);
    lane.queue.push(delivery);
    if (lane.queue.length > MAX_QUEUED) {
      const dropped = lane.queue.splice(1, lane.queue.length - MAX_QUEUED);
      this.opts.logger.warn('webhook queue full: oldest alerts dropped', { webhook: delivery.webhookId, dropped: dropped.length });
    }
    this.persist();
    this.pump(delivery.webhookId);
  }

  private persist(): void {
    // after stop() the lanes are gone but their deliveries are not: the outbox keeps what it last saved
    if (this.stopped || !this.opts.outbox) return;
    this.opts.outbox.save([...this.lanes.values()].flatMap((lane) => lane.queue));
  }

  private pump(id: string): void {
    const lane = this.lanes.get(id);
    if (!lane || lane.busy || lane.timer || this.stopped) return;
    const delivery = lane.queue[0];
    if (!delivery) return;
    lane.busy = true;
    void this.attempt(lane, delivery).finally(() => {
      lane.busy = false;
      this.pump(id);
    });
  }

  private async attempt(lane: Lane, delivery: Delivery): Promise<void> {
    const hook = this.opts.webhooks().find((h) => h.id === delivery.webhookId);
    if (!hook) {
      lane.queue.shift();
      this.persist();
      return;
    }
    delivery.attempts += 1;
    lane.status.lastAttemptAt = new Date().toISOString();
    try {
      const status = await this.post(hook, delivery);
      lane.queue.shift();
      lane.status = { ...lane.status, lastOk: true, lastStatus: status, lastError: null };
      this.emit('status', hook.id, this.status(hook.id));
    } catch (error) {
      const failure = error instanceof WebhookError ? error : new WebhookError((error as Error).message, null, true);
      lane.status = { ...lane.status, lastOk: false, lastStatus: failure.status, lastError: failure.message };
      const host = new URL(hook.url).host;
      if (failure.retryable && delivery.attempts < this.retry.attempts) {
        const backoff = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (delivery.attempts - 1));
        const wait = Math.min(this.retry.maxMs, Math.max(backoff, failure.retryAfterMs ?? 0));
        this.opts.logger.warn('webhook delivery failed; retrying', { webhook: hook.name, host, attempt: delivery.attempts, error: failure.message, retryInSeconds: Math.round(wait / 1000) });
        lane.timer = setTimeout(() => {
          lane.timer = undefined;
          this.pump(hook.id);
        }, wait);
        lane.timer.unref();
      } else {
        lane.queue.shift();
        this.opts.logger.warn('webhook delivery given up', { webhook: hook.name, host, attempts: delivery.attempts, error: failure.message });
      }
      this.emit('status', hook.id, this.status(hook.id));
    }
    this.persist();
  }

  /** One signed POST; resolves with the status of a 2xx answer, throws WebhookError otherwise. */
  private async post(hook: StoredWebhook, delivery: Delivery): Promise<number> {
    const request = requestFor(hook.format, hook.url, delivery.message);
    const host = new URL(request.url).host;
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        headers: {
          'content-type': request.contentType,
          'user-agent': `Axewallet/${this.opts.version}`,
          'x-axewallet-event': delivery.message.kind,
          'x-axewallet-delivery': delivery.id,
          [SIGNATURE_HEADER]: signBody(hook.secret, request.body),
        },
        body: request.body,
      });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      const reason = e.name === 'TimeoutError' ? 'no answer within the time limit' : (e.cause?.code ?? e.message);
      throw new WebhookError(`${host}: ${reason}`, null, true);
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return response.status;
    const retryable = response.status === 408 || response.status === 425 || response.status === 429 || response.status >= 500;
    const retryAfter = Number(response.headers.get('retry-after'));
    const redirect = response.status >= 300 && response.status < 400 ? ' (webhooks do not follow redirects: give the final address)' : '';
    throw new WebhookError(
      `${host} answered ${response.status} ${response.statusText}${redirect}`.trim(),
      response.status,
      retryable,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    );
  }
}

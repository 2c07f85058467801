/**
 * The one alert pipeline: subscribes to the proxy, the backup, the wallet's quotes and the devices, runs
 * each through its rules, and keeps the result in one AlertCenter that the API, desktop notifications,
 * MQTT and webhooks all read.
 */
import type { Alert } from '../api/system';
import type { DeviceManagerEvent } from '../devices';
import type { Logger } from '../../lib/log';
import type { QuoteEvent } from '../../lib/protocol/ehash/quote';
import type { WalletEvent } from '../wallet';
import type { AlertCenter } from './center';
import { type AlertThresholds, DEFAULT_THRESHOLDS, deviceAlerts } from './device-rules';
import { type BackupView, backupAlerts, type ExpiringEhash, expiryAlerts, noMintAlert, spentElsewhereAlert, type UpstreamChange, upstreamAlerts } from './system-rules';

/** The proxy events alerts read (the proxy's 'upstream' and 'quote'). */
export interface ProxyFeed {
  /** the state before the first event arrives */
  snapshot(): { upstream: { url: string | null; state: UpstreamChange['state']; activeIndex: number | null; lastError: string | null } };
  on(event: 'upstream', listener: (change: UpstreamChange) => void): unknown;
  on(event: 'quote', listener: (quote: Pick<QuoteEvent, 'upstream' | 'error'>) => void): unknown;
  off(event: 'upstream', listener: (change: UpstreamChange) => void): unknown;
  off(event: 'quote', listener: (quote: Pick<QuoteEvent, 'upstream' | 'error'>) => void): unknown;
}

/** Every source is optional: a part that is not running has nothing to say. */
export interface AlertSources {
  proxy?: ProxyFeed;
  backup?: { status(): BackupView; onStatus(listener: (status: BackupView) => void): () => void };
  devices?: { subscribe(listener: (event: DeviceManagerEvent) => void): () => void };
  /** false when the upstream that paid a quote has no mint to collect it at */
  mintConfigured?: (upstream: string) => boolean;
  /** ehash held in keysets with an end date; looked at every `expiryCheckMs` */
  expiringEhash?: () => Promise<ExpiringEhash[]>;
  /** the wallet's own alarms: ehash spent elsewhere, a keyset nearing its end (expiry is looked at again then) */
  wallet?: { subscribe(listener: (event: WalletEvent) => void): () => void };
}

export interface AlertPipelineOptions {
  logger: Logger;
  thresholds?: Partial<AlertThresholds>;
  /** default one hour */
  expiryCheckMs?: number;
}

export interface AlertPipeline {
  /** looks for expiring ehash now (also runs on its own every hour) */
  checkExpiry(): Promise<void>;
  stop(): void;
}

/** Feeds every source through its rules into `center`; returns a handle that stops listening. */
export function startAlertPipeline(center: AlertCenter, sources: AlertSources, opts: AlertPipelineOptions): AlertPipeline {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
  const log = opts.logger;
  const logAlert = (alert: Alert) => {
    const fields = { kind: alert.kind, ...(alert.subject ? { device: alert.subject } : {}) };
    if (alert.clearedAt) log.info(`alert over: ${alert.title}`, fields);
    else if (alert.severity === 'info') log.info(`alert: ${alert.title}`, fields);
    else log.warn(`alert: ${alert.title}`, fields);
  };
  center.on('alert', logAlert);

  const onUpstream = (change: UpstreamChange) => center.apply(upstreamAlerts(change));
  const onQuote = (quote: Pick<QuoteEvent, 'upstream' | 'error'>) => {
    if (!quote.error && sources.mintConfigured?.(quote.upstream) === false) center.apply({ states: [noMintAlert()], notes: [] });
  };
  const stops: Array<() => void> = [];
  const { proxy, backup, devices } = sources;
  if (proxy) {
    proxy.on('upstream', onUpstream);
    proxy.on('quote', onQuote);
    stops.push(() => {
      proxy.off('upstream', onUpstream);
      proxy.off('quote', onQuote);
    });
    // what happened before the pipeline listened
    const { upstream } = proxy.snapshot();
    onUpstream({ url: upstream.url, state: upstream.state, onPrimary: upstream.activeIndex === 0, detail: upstream.lastError });
  }
  if (backup) {
    stops.push(backup.onStatus((status) => center.apply(backupAlerts(status))));
    center.apply(backupAlerts(backup.status()));
  }
  if (devices) {
    stops.push(
      devices.subscribe((event) => {
        if (event.type === 'device.observed') center.apply(deviceAlerts({ id: event.id, name: event.name }, event.observation, event.baseline, thresholds));
        else if (event.type === 'device.removed') center.clearAll(`device:${event.id}:`);
      }),
    );
  }

  const checkExpiry = async () => {
    if (!sources.expiringEhash) return;
    try {
      center.apply(expiryAlerts(await sources.expiringEhash(), Date.now()));
    } catch (error) {
      log.warn('could not check ehash expiry', { error: (error as Error).message });
    }
  };
  if (sources.wallet) {
    stops.push(
      sources.wallet.subscribe((event) => {
        if (event.type !== 'wallet.alert') return;
        if (event.kind === 'keyset-expiry') void checkExpiry();
        else center.note(spentElsewhereAlert(event.message));
      }),
    );
  }
  const expiryTimer = setInterval(() => void checkExpiry(), opts.expiryCheckMs ?? 3_600_000);
  expiryTimer.unref();
  void checkExpiry();

  return {
    checkExpiry,
    stop() {
      clearInterval(expiryTimer);
      center.off('alert', logAlert);
      for (const stop of stops.splice(0)) stop();
    },
  };
}

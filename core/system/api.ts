/**
 * Binds the system part of the contract (core/api/system.ts) every shell needs: `status.get`, `settings.get` /
 * `settings.update` (saved, then applied to the running services) and `logs.recent`; settings changes are
 * forwarded as `settings` events. Alerts have their own binding (core/alerts).
 */
import type { ApiHost } from '../api/host';
import type { Settings, SettingsPatch, Status } from '../api/system';
import type { SettingsStore } from '../config/settings-store';
import type { Logger, LogRing } from '../../lib/log';
import { VERSION } from '../version';

export interface StatusSource {
  mode: Status['mode'];
  home: string;
  startedAt: number;
  demo: boolean;
  /** where the Stratum port listens; undefined when it could not be opened */
  stratum: () => Status['stratum'];
  /** the demo network's simulated Bitaxes (AxeOS addresses), filled as they start */
  demoDevices: readonly string[];
}

/** What `status.get` answers, as of now. */
export function statusOf(source: StatusSource): Status {
  const { demo, demoDevices } = source;
  const status: Status = {
    version: VERSION,
    mode: source.mode,
    home: source.home,
    uptimeSeconds: Math.round((Date.now() - source.startedAt) / 1000),
    demo,
    network: { label: demo ? 'Demo network (devnet on this machine)' : 'Your pool' },
  };
  const stratum = source.stratum();
  if (stratum) status.stratum = stratum;
  if (demoDevices.length > 0) status.demoDevices = [...demoDevices];
  return status;
}

export interface SystemApiOptions {
  status: () => Status;
  settings: SettingsStore;
  logs: LogRing;
  /** applies a saved change to the running services (upstreams, relays, backup delay) */
  applySettings: (patch: SettingsPatch, next: Settings) => Promise<void>;
  logger: Logger;
}

/** Registers the system commands and forwards settings changes; returns the unsubscribe. */
export function registerSystemApi(host: ApiHost, opts: SystemApiOptions): () => void {
  const { settings, logger } = opts;
  host.handle('status.get', () => opts.status());
  host.handle('settings.get', () => settings.get());
  host.handle('settings.update', async (patch) => {
    const next = settings.update(patch);
    logger.info('settings saved', { fields: Object.keys(patch) });
    await opts.applySettings(patch, next);
    return next;
  });
  host.handle('logs.recent', ({ limit, level }) => ({ records: opts.logs.recent(limit, level) }));
  // every page sees every change, whoever made it (Settings, or the Backup page's relay list)
  return settings.subscribe((next) => host.emit({ type: 'settings', settings: next }));
}

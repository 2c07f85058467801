/**
 * Composition root: configuration in, services wired, nothing else.
 * The same engine runs inside Electron's main process and behind the headless server.
 */
import { join } from 'node:path';
import type { Alert, Settings, Status } from './api/system';
import { ApiHost } from './api/host';
import { ensureHome } from './config/home';
import { SettingsStore } from './config/settings-store';
import { createLogger, type Logger, type LogSink } from './log';
import { fileSink, LogRing, stderrSink } from './logging';
import { VERSION } from './version';

export interface EngineOptions {
  home: string;
  mode: 'electron' | 'headless';
  /** force the embedded demo network even when upstreams are configured */
  demo?: boolean;
  /** flags win over saved settings for this run; they are not saved */
  overrides?: Partial<Pick<Settings, 'upstreams' | 'stratumPort' | 'mintUrl' | 'relays'>>;
  logToStderr?: boolean;
  extraLogSinks?: LogSink[];
  /** the desktop shell's OS keychain (Electron safeStorage); headless mode uses a passphrase instead */
  seedVault?: OsSeedVault;
}

export interface OsSeedVault {
  encrypt(text: string): Buffer;
  decrypt(data: Buffer): string;
}

export interface Engine {
  host: ApiHost;
  logger: Logger;
  settings: SettingsStore;
  status(): Status;
  stop(): Promise<void>;
}

const MAX_ALERTS = 200;

export async function startEngine(opts: EngineOptions): Promise<Engine> {
  const home = ensureHome(opts.home);
  const host = new ApiHost();
  const ring = new LogRing();
  const sinks: LogSink[] = [ring.sink, fileSink(join(home, 'axewallet.log')), ...(opts.extraLogSinks ?? [])];
  if (opts.logToStderr !== false) sinks.push(stderrSink());
  sinks.push((record) => {
    if (record.level !== 'debug') host.emit({ type: 'log', record });
  });
  const logger = createLogger(sinks);
  const startedAt = Date.now();
  const alerts: Alert[] = [];
  const raise = (alert: Omit<Alert, 'id' | 'at'>) => {
    const full: Alert = { ...alert, id: `${Date.now().toString(36)}-${alerts.length}`, at: new Date().toISOString() };
    alerts.push(full);
    if (alerts.length > MAX_ALERTS) alerts.shift();
    host.emit({ type: 'alert', alert: full });
  };

  const settings = new SettingsStore(home);
  if (settings.problem) {
    logger.error(settings.problem.message);
    raise({ severity: 'critical', source: 'proxy', kind: 'settings-file', title: 'Settings file unreadable', message: settings.problem.message, hint: 'Open Settings and save to write a fresh file; the damaged one was copied aside.' });
  }
  const effective = (): Settings => ({ ...settings.get(), ...opts.overrides });
  const demo = opts.demo === true || effective().upstreams.length === 0;

  const status = (): Status => ({
    version: VERSION,
    mode: opts.mode,
    home,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    demo,
    network: { label: demo ? 'Demo network (devnet on this machine)' : 'Your pool' },
  });

  host.handle('status.get', () => status());
  host.handle('settings.get', () => settings.get());
  host.handle('settings.update', (patch) => {
    const next = settings.update(patch);
    host.emit({ type: 'settings', settings: next });
    logger.info('settings saved', { fields: Object.keys(patch) });
    return next;
  });
  host.handle('logs.recent', ({ limit, level }) => ({ records: ring.recent(limit, level) }));
  host.handle('alerts.recent', () => ({ alerts: [...alerts] }));

  logger.info(`Axewallet ${VERSION} started`, { mode: opts.mode, home, demo });

  return {
    host,
    logger,
    settings,
    status,
    async stop() {
      logger.info('stopping');
    },
  };
}

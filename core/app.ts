/**
 * Composition root: configuration in, services wired, nothing else.
 * The same engine runs inside Electron's main process and behind the headless server.
 */
import { join } from 'node:path';
import { walletPorts } from './backup';
import { createBackup, registerBackupApi } from './backup';
import { ApiHost } from './api/host';
import type { Alert, Settings, Status } from './api/system';
import { parseUpstreamUrl } from './api/upstream-url';
import { ensureHome, makePrivate } from './config/home';
import { SettingsStore } from './config/settings-store';
import { createDeviceManager, registerDevicesApi } from './devices';
import { installPlatformCrypto } from './platform';
import { createLogger, type Logger, type LogSink } from './log';
import { fileSink, LogRing, stderrSink } from './logging';
import { createProxy } from './stratum/proxy';
import { registerMiningApi } from './stratum/mining-api';
import { VERSION } from './version';
import { openWallet, registerWalletApi, type SafeStorageLike } from './wallet';

export interface EngineOptions {
  home: string;
  mode: 'electron' | 'headless';
  /** force the embedded demo network even when upstreams are configured */
  demo?: boolean;
  /** flags win over saved settings for this run; they are not saved */
  overrides?: Partial<Pick<Settings, 'upstreams' | 'stratumPort' | 'mintUrl' | 'relays'>>;
  logToStderr?: boolean;
  extraLogSinks?: LogSink[];
  /** the desktop shell's OS keychain (Electron safeStorage), used where it really protects the seed; else a passphrase */
  seedVault?: SafeStorageLike;
  /** start a simulated Bitaxe with the demo network (default true) */
  demoSimulator?: boolean;
  /** H/s the proxy announces upstream for a miner that suggests no difficulty (default: a Bitaxe Gamma) */
  minerHashrate?: number;
}

export interface Engine {
  host: ApiHost;
  logger: Logger;
  settings: SettingsStore;
  status(): Status;
  stop(): Promise<void>;
}

const MAX_ALERTS = 200;
/**
 * The demo Bitaxe hashes real sha256d on the CPU, about a billion times slower than a Gamma. It sends no
 * suggest_difficulty (0, as the firmware allows) and the demo proxy announces this rate for miners that
 * suggest nothing, so the pool's first target already fits and shares flow within seconds.
 */
const DEMO_HASHES_PER_SECOND = 20_000;

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
  logger.info('crypto backends', installPlatformCrypto());
  const startedAt = Date.now();
  const stops: Array<() => Promise<void> | void> = [];

  const alerts: Alert[] = [];
  const keepAlert = (alert: Alert) => {
    alerts.push(alert);
    if (alerts.length > MAX_ALERTS) alerts.shift();
    host.emit({ type: 'alert', alert });
  };
  const raise = (alert: Omit<Alert, 'id' | 'at'>) => keepAlert({ ...alert, id: `${Date.now().toString(36)}-${alerts.length}`, at: new Date().toISOString() });

  const settings = new SettingsStore(home);
  if (settings.problem) {
    logger.error(settings.problem.message);
    raise({ severity: 'critical', source: 'proxy', kind: 'settings-file', title: 'Settings file unreadable', message: settings.problem.message, hint: 'Open Settings and save to write a fresh file; the damaged one was copied aside.' });
  }
  const saved = settings.get();
  const configured: Settings = { ...saved, ...opts.overrides };
  const demo = opts.demo === true || configured.upstreams.length === 0;

  // ---------------------------------------------------------------- the demo network
  let upstreams = configured.upstreams.map((u) => u.url);
  let mintUrl = configured.mintUrl;
  let relays = configured.relays;
  let demoRelay: string | undefined;
  const demoDevices: string[] = [];
  let devnet: Awaited<ReturnType<typeof import('./demo').startDevnet>> | undefined;
  if (demo) {
    const { startDevnet } = await import('./demo');
    // quick feedback for a newcomer watching the dashboard: a share every 2 s, verdicts and quotes within a second
    devnet = await startDevnet({ home: join(home, 'devnet'), logger: logger.child('devnet'), sharesPerMinute: 30, pool: { successFlushMs: 1000, quotePollMs: 1000 } });
    stops.push(() => devnet!.close());
    upstreams = [`stratum2+tcp://${devnet.pool.sv2.host}:${devnet.pool.sv2.port}/${devnet.pool.authorityPubkey}`];
    mintUrl = devnet.mint.url;
    demoRelay = devnet.relay.url;
    relays = opts.overrides?.relays ?? [devnet.relay.url];
    logger.info('demo network running on this machine', { pool: upstreams[0], mint: mintUrl, relay: demoRelay });
  }

  // ---------------------------------------------------------------- wallet
  const wallet = await openWallet({ home: join(home, 'wallet'), mintUrls: mintUrl ? [mintUrl] : [], vault: opts.seedVault ?? 'passphrase', logger });
  registerWalletApi(host, wallet);
  await wallet.start();
  stops.push(() => wallet.close());

  // ---------------------------------------------------------------- proxy
  const minerHashrate = opts.minerHashrate ?? (demo ? DEMO_HASHES_PER_SECOND : undefined);
  const proxy = createProxy({
    stratumHost: configured.stratumHost,
    stratumPort: configured.stratumPort,
    upstreams: upstreams.map(parseUpstreamUrl),
    verdictTimeoutMs: configured.verdictTimeoutMs,
    silentUpstreamMs: configured.silentUpstreamSeconds * 1000,
    ledgerPath: join(home, 'ledger.sqlite'),
    lockingPubkey: () => wallet.lockingPubkey(),
    logger: logger.child('proxy'),
    ...(minerHashrate ? { nominalHashrate: minerHashrate } : {}),
  });
  registerMiningApi(host, proxy);
  let warnedNoMint = false;
  proxy.on('quote', (quote: { quoteId: string; amount: bigint; minerId: string; error?: { code: number; message: string } }) => {
    if (quote.error) {
      logger.warn('the pool could not create an ehash quote for a share', { quote: quote.quoteId, reason: quote.error.message });
      return;
    }
    if (!mintUrl && !warnedNoMint) {
      warnedNoMint = true;
      raise({ severity: 'critical', source: 'wallet', kind: 'no-mint', title: 'ehash waiting for a mint', message: 'Your pool pays ehash, but no mint is set, so the wallet cannot collect it.', hint: "Enter your pool's mint address in Settings and restart; nothing is lost, the quotes stay at the mint." });
    }
    wallet.onQuoteEvent({ quoteId: quote.quoteId, amount: quote.amount, minerId: quote.minerId });
  });
  let upstreamDown = false;
  proxy.on('upstream', (event: { state: string; url: string | null; onPrimary: boolean; detail: string | null }) => {
    const down = event.state === 'down' || event.state === 'silent' || event.state === 'none';
    if (down && !upstreamDown) {
      raise({ severity: 'critical', source: 'upstream', kind: 'upstream-down', title: 'Pool unreachable', message: event.detail ?? 'No upstream pool is answering.', hint: 'Check your internet connection and the pool addresses in Settings; miners stay connected and resume when a pool answers.' });
    } else if (!down && event.state === 'up' && !event.onPrimary) {
      raise({ severity: 'warning', source: 'upstream', kind: 'failover', title: 'Mining on a backup pool', message: `The primary pool failed; miners now use ${event.url}.`, hint: 'Axewallet returns to the primary by itself when it answers again.' });
    }
    upstreamDown = down;
  });
  let stratum: { host: string; port: number } | undefined;
  try {
    stratum = await proxy.start();
    stops.push(() => proxy.stop());
  } catch (error) {
    const message = `The Stratum port ${configured.stratumPort} could not be opened: ${(error as Error).message}`;
    logger.error(message);
    raise({ severity: 'critical', source: 'proxy', kind: 'stratum-port', title: 'Proxy not running', message, hint: 'Another program (or another Axewallet) uses this port: choose another proxy port in Settings and restart.' });
  }

  // ---------------------------------------------------------------- devices
  const devices = createDeviceManager({
    dbPath: join(home, 'devices.sqlite'),
    proxyEndpoint: () => stratum,
    proxyMiners: () => proxy.snapshot().miners.map((m) => ({ address: m.address, worker: m.worker })),
    logger: logger.child('devices'),
  });
  registerDevicesApi(host, devices, keepAlert);
  devices.start();
  stops.push(() => devices.stop());

  if (devnet && opts.demoSimulator !== false) {
    const { startSimulator } = await import('../device/sim');
    const simulator = await startSimulator({ host: '127.0.0.2', httpPort: 0, model: 'gamma', firmware: 'v2.15', hashesPerSecond: DEMO_HASHES_PER_SECOND, pool: { host: devnet.pool.sv1.host, port: devnet.pool.sv1.port, user: 'demo-bitaxe', suggestedDifficulty: 0 }, logger: logger.child('demo-bitaxe') });
    stops.push(() => simulator.stop());
    demoDevices.push(simulator.http);
    logger.info('demo Bitaxe simulator running', { http: simulator.http });
  }

  // ---------------------------------------------------------------- backup
  const ports = walletPorts(wallet);
  const backup = createBackup({
    source: ports.source,
    restoreTarget: ports.target,
    relays,
    delaySeconds: configured.backupDelaySeconds,
    logger: logger.child('backup'),
    onRelaysChanged: (list) => {
      if (opts.overrides?.relays) return;
      settings.update({ relays: list.filter((url) => url !== demoRelay) });
    },
  });
  registerBackupApi(host, backup, {
    openFromMnemonic: async (mnemonic, passphrase) => {
      await wallet.restore(mnemonic, passphrase);
      return backup;
    },
  });
  let backupFailing = false;
  backup.onStatus((status) => {
    const failing = status.relays.length > 0 && status.relays.every((r) => r.lastError !== null && r.lastError !== undefined);
    if (failing && !backupFailing) {
      raise({ severity: 'warning', source: 'backup', kind: 'backup-failing', title: 'Backup failing', message: 'No nostr relay accepted the latest backup.', hint: 'Check the relays on the Backup page; add another relay if one stays down.' });
    }
    backupFailing = failing;
  });
  const syncBackup = () => {
    const { exists, locked } = wallet.status();
    const run = exists && !locked ? backup.start() : backup.stop();
    run.catch((error: unknown) => logger.warn('backup could not start', { error: (error as Error).message }));
  };
  wallet.subscribe((event) => {
    if (event.type === 'wallet.status') syncBackup();
  });
  syncBackup();
  stops.push(() => backup.stop());

  // ---------------------------------------------------------------- system commands
  const status = (): Status => {
    const s: Status = {
      version: VERSION,
      mode: opts.mode,
      home,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      demo,
      network: { label: demo ? 'Demo network (devnet on this machine)' : 'Your pool' },
    };
    if (stratum) s.stratum = stratum;
    if (demoDevices.length > 0) s.demoDevices = [...demoDevices];
    return s;
  };
  host.handle('status.get', () => status());
  host.handle('settings.get', () => settings.get());
  host.handle('settings.update', async (patch) => {
    const next = settings.update(patch);
    host.emit({ type: 'settings', settings: next });
    logger.info('settings saved', { fields: Object.keys(patch) });
    if (patch.upstreams && !opts.overrides?.upstreams && !demo) proxy.setUpstreams(next.upstreams.map((u) => parseUpstreamUrl(u.url)));
    if (patch.relays && !opts.overrides?.relays) await backup.setRelays(demoRelay ? [demoRelay, ...next.relays] : next.relays);
    if (patch.backupDelaySeconds) backup.setDelaySeconds(next.backupDelaySeconds);
    return next;
  });
  host.handle('logs.recent', ({ limit, level }) => ({ records: ring.recent(limit, level) }));
  host.handle('alerts.recent', () => ({ alerts: [...alerts] }));

  // the databases, logs and files the services just created are private like the ones found at start
  makePrivate(home);
  logger.info(`Axewallet ${VERSION} started`, { mode: opts.mode, home, demo, stratum });

  let stopping: Promise<void> | undefined;
  return {
    host,
    logger,
    settings,
    status,
    stop() {
      stopping ??= (async () => {
        logger.info('stopping');
        for (const stop of stops.splice(0).reverse()) {
          try {
            await stop();
          } catch (error) {
            logger.warn('a service failed to stop cleanly', { error: (error as Error).message });
          }
        }
      })();
      return stopping;
    },
  };
}

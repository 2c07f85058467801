/**
 * Composition root: configuration in, services wired, nothing else.
 * The same engine runs inside Electron's main process and behind the headless server.
 */
import { join } from 'node:path';
import { AlertCenter, registerAlertsApi, settingsFileAlert, startAlertPipeline, stratumPortAlert } from './alerts';
import { walletPorts } from './backup';
import { createBackup, registerBackupApi } from './backup';
import { ApiHost } from './api/host';
import type { Settings, Status } from './api/system';
import { parseUpstreamUrl } from './api/upstream-url';
import { ensureHome, makePrivate } from './config/home';
import { SettingsStore } from './config/settings-store';
import { createDeviceManager, Fleet, FleetStore, registerDevicesApi, registerFleetApi } from './devices';
import { installPlatformCrypto } from '../lib/platform';
import { createLogger, type Logger, type LogSink } from '../lib/log';
import { fileSink, LogRing, stderrSink } from '../lib/log';
import { startIntegrations } from './integrations';
import { startObserve } from './observe';
import type { ObserveEndpoints } from './server/observe-routes';
import { createProxy, type QuoteEvent } from './stratum/proxy';
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
  /** serial ports to treat as Bitaxes besides those found by USB id (`serve --usb-port`) */
  usbPorts?: string[];
}

export interface Engine {
  host: ApiHost;
  logger: Logger;
  settings: SettingsStore;
  /** GET /health and GET /metrics for the headless server */
  observe: ObserveEndpoints;
  status(): Status;
  stop(): Promise<void>;
}

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

  const alerts = new AlertCenter();
  registerAlertsApi(host, alerts);

  const settings = new SettingsStore(home);
  // every page sees every change, whoever made it (Settings, or the Backup page's relay list)
  settings.subscribe((next) => host.emit({ type: 'settings', settings: next }));
  if (settings.problem) {
    logger.error(settings.problem.message);
    alerts.note(settingsFileAlert(settings.problem.message));
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
  // each upstream's quotes are minted at its own mint (an upstream without one uses the mintUrl setting)
  let upstreamMints = new Map<string, string | undefined>();
  const mapUpstreamMints = (list: Settings['upstreams']) => (upstreamMints = new Map(list.map((u) => [parseUpstreamUrl(u.url).url, u.mintUrl])));
  if (!demo) mapUpstreamMints(configured.upstreams);
  const walletMints = [...new Set([mintUrl, ...upstreamMints.values()].filter((u): u is string => u !== undefined))];
  const wallet = await openWallet({ home: join(home, 'wallet'), mintUrls: walletMints, vault: opts.seedVault ?? 'passphrase', logger });
  registerWalletApi(host, wallet);
  await wallet.start();
  stops.push(() => wallet.close());

  // ---------------------------------------------------------------- proxy
  const minerHashrate = opts.minerHashrate ?? (demo ? DEMO_HASHES_PER_SECOND : undefined);
  let knownDeviceHosts: () => string[] = () => [];
  const proxy = createProxy({
    stratumHost: configured.stratumHost,
    stratumPort: configured.stratumPort,
    upstreams: upstreams.map(parseUpstreamUrl),
    verdictTimeoutMs: configured.verdictTimeoutMs,
    silentUpstreamMs: configured.silentUpstreamSeconds * 1000,
    ledgerPath: join(home, 'ledger.sqlite'),
    lockingPubkey: () => wallet.lockingPubkey(),
    knownAddresses: () => knownDeviceHosts(),
    logger: logger.child('proxy'),
    ...(minerHashrate ? { nominalHashrate: minerHashrate } : {}),
  });
  registerMiningApi(host, proxy);
  // a quote the wallet minted proves the pool accepted that share, whatever the proxy could record when its miner left
  stops.push(wallet.subscribe((e) => e.type === 'wallet.proof' && e.headerHash && proxy.settleByQuote(e.headerHash)));
  const mintFor = (upstream: string) => upstreamMints.get(upstream) ?? mintUrl;
  proxy.on('quote', (quote: QuoteEvent) => {
    if (quote.error) {
      logger.warn('the pool could not create an ehash quote for a share', { quote: quote.quoteId, reason: quote.error.message });
      return;
    }
    const quoteMint = mintFor(quote.upstream);
    wallet.onQuoteEvent({ quoteId: quote.quoteId, amount: quote.amount, minerId: quote.minerId, ...(quoteMint ? { mintUrl: quoteMint } : {}) });
  });
  let stratum: { host: string; port: number } | undefined;
  try {
    stratum = await proxy.start();
    stops.push(() => proxy.stop());
  } catch (error) {
    logger.error(`The Stratum port ${configured.stratumPort} could not be opened: ${(error as Error).message}`);
    alerts.apply({ states: [stratumPortAlert(configured.stratumPort, (error as Error).message)], notes: [] });
  }

  // ---------------------------------------------------------------- devices
  const devices = createDeviceManager({
    dbPath: join(home, 'devices.sqlite'),
    proxyEndpoint: () => stratum,
    proxyMiners: () => proxy.snapshot().miners.map((m) => ({ address: m.address, worker: m.worker })),
    logger: logger.child('devices'),
    ...(opts.usbPorts?.length ? { extraUsbPorts: opts.usbPorts } : {}),
  });
  knownDeviceHosts = () => devices.list().map((d) => new URL(d.address).hostname);
  registerDevicesApi(host, devices);
  devices.start();
  stops.push(() => devices.stop());
  const fleetStore = new FleetStore(join(home, 'devices.sqlite'));
  registerFleetApi(host, new Fleet(devices, fleetStore, logger.child('fleet')), devices, (id) => fleetStore.dropDevice(id));
  stops.push(() => fleetStore.close());

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
  registerBackupApi(host, backup, { words: ports.words });
  const alertPipeline = startAlertPipeline(
    alerts,
    {
      proxy,
      backup,
      devices,
      mintConfigured: (upstream) => mintFor(upstream) !== undefined,
      expiringEhash: async () => wallet.pending().expiring.map((e) => ({ mint: e.mint, unit: e.unit, keysetId: e.keysetId, amount: e.amount, expiresAt: e.finalExpiry * 1000 })),
    },
    { logger: logger.child('alerts') },
  );
  stops.push(() => alertPipeline.stop());
  stops.push(
    wallet.subscribe((event) => {
      if (event.type !== 'wallet.alert') return;
      if (event.kind === 'keyset-expiry') void alertPipeline.checkExpiry();
      else alerts.note({ source: 'wallet', kind: event.kind, severity: 'warning', title: 'ehash spent elsewhere', message: event.message, hint: 'If another machine uses the same recovery words, it spent this ehash; nothing else is needed.' });
    }),
  );

  // ---------------------------------------------------------------- health, metrics, MQTT, webhooks
  const observe = startObserve({ info: { version: VERSION, mode: opts.mode, demo }, startedAt, listening: () => !!stratum, proxy, devices, wallet, backup, metricsOpen: () => integrations.metricsOpen() });
  const integrations = startIntegrations({ home, host, alerts, version: VERSION, logger: logger.child('integrations'), devices, bridgeState: () => observe.bridgeState() });
  if (integrations.problem) alerts.note(settingsFileAlert(integrations.problem));
  stops.push(() => observe.close(), () => integrations.stop());
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
    logger.info('settings saved', { fields: Object.keys(patch) });
    if (patch.upstreams && !opts.overrides?.upstreams && !demo) {
      proxy.setUpstreams(next.upstreams.map((u) => parseUpstreamUrl(u.url)));
      mapUpstreamMints(next.upstreams);
    }
    if (patch.relays && !opts.overrides?.relays) await backup.setRelays(demoRelay ? [demoRelay, ...next.relays] : next.relays);
    if (patch.backupDelaySeconds) backup.setDelaySeconds(next.backupDelaySeconds);
    return next;
  });
  host.handle('logs.recent', ({ limit, level }) => ({ records: ring.recent(limit, level) }));

  // the databases, logs and files the services just created are private like the ones found at start
  makePrivate(home);
  logger.info(`Axewallet ${VERSION} started`, { mode: opts.mode, home, demo, stratum });

  let stopping: Promise<void> | undefined;
  return {
    host,
    logger,
    settings,
    observe,
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

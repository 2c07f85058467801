/**
 * Composition root: configuration in, services wired, nothing else.
 * The same engine runs in the desktop app's engine process (electron/engine-process.ts) and behind the headless server.
 */
import { join } from 'node:path';
import { AlertCenter, registerAlertsApi, settingsFileAlert, startAlertPipeline, stratumPortAlert } from './alerts';
import { createBackup, registerBackupApi, walletPorts } from './backup';
import { ApiHost } from './api/host';
import type { Settings, Status } from './api/system';
import { parseUpstreamUrl } from './api/upstream-url';
import { ensureHome, makePrivate } from './config/home';
import { SettingsStore } from './config/settings-store';
import { createDeviceManager, Fleet, FleetStore, registerDevicesApi, registerFleetApi } from './devices';
import { installPlatformCrypto } from '../lib/platform';
import type { Logger, LogSink } from '../lib/log';
import { startIntegrations } from './integrations';
import { startObserve } from './observe';
import { backupFollowsWallet, connectQuoteLoop, engineLog, liveSettings, registerSystemApi, statusOf, StopList, UpstreamMints } from './system';
import type { ObserveEndpoints } from './server/observe-routes';
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
  nominalHashrate?: number;
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

export async function startEngine(opts: EngineOptions): Promise<Engine> {
  const home = ensureHome(opts.home);
  const host = new ApiHost();
  const { logger, ring } = engineLog({ home, host, toStderr: opts.logToStderr !== false, ...(opts.extraLogSinks ? { extraSinks: opts.extraLogSinks } : {}) });
  logger.info('crypto backends', installPlatformCrypto());
  const startedAt = Date.now();
  const stops = new StopList(logger);

  const alerts = new AlertCenter();
  registerAlertsApi(host, alerts);

  const settings = new SettingsStore(home);
  if (settings.problem) {
    logger.error(settings.problem.message);
    alerts.note(settingsFileAlert(settings.problem.message));
  }
  const saved = settings.get();
  const configured: Settings = { ...saved, ...opts.overrides };
  const demo = opts.demo === true || configured.upstreams.length === 0;

  // ---------------------------------------------------------------- the demo network
  const demoNetwork = demo ? await (await import('./demo')).startDemoNetwork(home, logger) : undefined;
  if (demoNetwork) stops.push(() => demoNetwork.close());
  const demoDevices: string[] = [];
  const relays = demoNetwork ? (opts.overrides?.relays ?? [demoNetwork.relay]) : configured.relays;

  // ---------------------------------------------------------------- wallet
  // each upstream's quotes are minted at its own mint (an upstream without one uses the mintUrl setting)
  const upstreamMints = new UpstreamMints(demoNetwork?.mintUrl ?? configured.mintUrl);
  if (!demo) upstreamMints.set(configured.upstreams);
  const wallet = await openWallet({ home: join(home, 'wallet'), mintUrls: upstreamMints.all(), vault: opts.seedVault ?? 'passphrase', logger });
  registerWalletApi(host, wallet);
  await wallet.start();
  stops.push(() => wallet.close());

  // ---------------------------------------------------------------- proxy
  const nominalHashrate = opts.nominalHashrate ?? demoNetwork?.nominalHashrate;
  let knownDeviceHosts: () => string[] = () => [];
  const proxy = createProxy({
    stratumHost: configured.stratumHost,
    stratumPort: configured.stratumPort,
    upstreams: (demoNetwork ? [demoNetwork.upstream] : configured.upstreams.map((u) => u.url)).map(parseUpstreamUrl),
    verdictTimeoutMs: configured.verdictTimeoutMs,
    silentUpstreamMs: configured.silentUpstreamSeconds * 1000,
    ledgerPath: join(home, 'ledger.sqlite'),
    lockingPubkey: () => wallet.lockingPubkey(),
    knownAddresses: () => knownDeviceHosts(),
    logger: logger.child('proxy'),
    ...(nominalHashrate ? { nominalHashrate } : {}),
  });
  registerMiningApi(host, proxy);
  stops.push(connectQuoteLoop({ proxy, wallet, mints: upstreamMints, logger }));
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

  if (demoNetwork && opts.demoSimulator !== false) {
    const simulator = await demoNetwork.startSimulator(logger);
    stops.push(() => simulator.stop());
    demoDevices.push(simulator.http);
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
      settings.update({ relays: list.filter((url) => url !== demoNetwork?.relay) });
    },
  });
  registerBackupApi(host, backup, { words: ports.words });
  const status = () => statusOf({ mode: opts.mode, home, startedAt, demo, stratum: () => stratum, demoDevices });
  const applySettings = liveSettings({ proxy, backup, upstreamMints, overrides: opts.overrides, demoRelay: demoNetwork?.relay, demo });
  registerSystemApi(host, { status, settings, logs: ring, applySettings, logger });
  const alertPipeline = startAlertPipeline(
    alerts,
    {
      proxy,
      backup,
      devices,
      wallet,
      mintConfigured: (upstream) => upstreamMints.mintFor(upstream) !== undefined,
      expiringEhash: async () => wallet.pending().expiring.map((e) => ({ mint: e.mint, unit: e.unit, keysetId: e.keysetId, amount: e.amount, expiresAt: e.finalExpiry * 1000 })),
    },
    { logger: logger.child('alerts') },
  );
  stops.push(() => alertPipeline.stop());
  // ---------------------------------------------------------------- health, metrics, MQTT, webhooks
  const observe = startObserve({
    info: { version: VERSION, mode: opts.mode, demo },
    startedAt,
    listening: () => !!stratum,
    proxy,
    devices,
    wallet,
    backup,
    metricsOpen: () => integrations.metricsOpen(),
  });
  const integrations = startIntegrations({ home, host, alerts, version: VERSION, logger: logger.child('integrations'), devices, bridgeState: () => observe.bridgeState() });
  if (integrations.problem) alerts.note(settingsFileAlert(integrations.problem));
  stops.push(
    () => observe.close(),
    () => integrations.stop(),
  );
  backupFollowsWallet(backup, wallet, logger);
  stops.push(() => backup.stop());

  // the databases, logs and files the services just created are private like the ones found at start
  makePrivate(home);
  logger.info(`Axewallet ${VERSION} started`, { mode: opts.mode, home, demo, stratum });

  return { host, logger, settings, observe, status, stop: () => stops.stopAll() };
}

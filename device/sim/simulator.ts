/**
 * A Bitaxe simulator the rest of Axewallet cannot tell from a device: the AxeOS HTTP API with each
 * model's and firmware's fields, PATCH validation, the pools API (v2.15), restart that drops off the
 * network and comes back, /api/ws/live diffs and /api/ws logs, a firmware-like Stratum V1 client,
 * and a USB console on a pty that answers JSON commands when "patched". With `usb` it is a stock
 * unit whose settings live in a flash NVS partition and whose USB port reaches the ESP32-S3 ROM boot
 * loader (usb-loader.ts): it boots from whatever the flash holds after a write over USB.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../../lib/log';
import { buildNvs } from '../provision/nvs';
import { type AxeosApi, type SimDevice, createAxeosApi } from './axeos-api';
import { type SimFlash, stockFlash } from './flash';
import { buildInfo, type SimRuntime } from './info';
import { type EspLogLevel, type FoundShare, type MinerPool, SimMiner } from './miner';
import { FIRMWARE_VERSIONS, MODELS, type SimFirmware, type SimModel } from './models';
import { factoryEntries, mergeEntries, settingsEntries } from './nvs-settings';
import { type FactoryBoard, NvsStorage } from './nvs-storage';
import type { LoaderChip } from './rom-loader';
import { answerConsoleLine } from './serial-commands';
import { type SerialConsole, openSerialConsole } from './serial-console';
import { MAX_POOLS, type SimPool, type SimSettings, blankPool } from './settings';
import { telemetryTick } from './telemetry';
import { UsbLoader } from './usb-loader';

export interface SimulatorOptions {
  model?: SimModel;
  firmware?: SimFirmware;
  /** loopback address to bind, e.g. 127.0.0.2; several simulators use distinct ones */
  host?: string;
  httpPort?: number;
  pool?: { host: string; port: number; user?: string; suggestedDifficulty?: number };
  fallbackPool?: { host: string; port: number; user?: string; suggestedDifficulty?: number };
  patched?: boolean;
  serial?: boolean;
  hashesPerSecond?: number;
  mac?: string;
  logger?: Logger;
  /** time between POST /restart and going down (firmware: 1 s) */
  restartDelayMs?: number;
  /** how long a reboot keeps the HTTP API away */
  bootMs?: number;
  liveIntervalMs?: number;
  connectRetryMs?: number;
  readErrorRetryMs?: number;
  primaryProbeMs?: number;
  /** a stock unit set up over USB: settings in a flash NVS partition, the ROM loader on the serial pty */
  usb?: {
    /** the NVS partition it starts with (default: its factory CSV after a passed self-test, booted once) */
    nvs?: Uint8Array;
    chip?: LoaderChip;
    /** false: the loader never answers */
    answers?: boolean;
    pullCableAfterFlashBytes?: number;
    corruptFlashWrites?: number;
    memEndDelayMs?: number;
  };
}

export interface SimUsb {
  flash: SimFlash;
  loader: UsbLoader;
  /** the NVS partition as the flash holds it now */
  nvs(): Uint8Array;
  /** the factory board the last boot found in NVS (undefined: none, the firmware runs as an unknown board) */
  readonly board: FactoryBoard | undefined;
  /** the last boot found the partition unusable and erased it, as ESP-Miner's nvs_config_init does */
  readonly erasedAtBoot: boolean;
}

export interface Simulator {
  http: string;
  serial?: string;
  mac: string;
  host: string;
  port: number;
  /** restarts completed so far */
  readonly boots: number;
  /** what the miner is connected to now */
  stratum(): { connected: boolean; usingFallback: boolean; pool?: string; sharesAccepted: number; sharesRejected: number };
  usb?: SimUsb;
  stop(): Promise<void>;
}

const COLORS: Record<EspLogLevel, string> = { E: '\x1b[0;31m', W: '\x1b[0;33m', I: '\x1b[0;32m', D: '' };
const LOG_RING_BYTES = 512 * 1024;

function randomMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0').toUpperCase());
  return ['A0', 'B7', '65', ...tail].join(':');
}

function initialSettings(opts: SimulatorOptions): SimSettings {
  const user = (p?: { user?: string }) => p?.user ?? 'bc1qsimulatedminer0000000000000000000000000.bitaxe';
  // 0 = the firmware sends no mining.suggest_difficulty (a CPU-speed simulator needs the pool's tiny difficulty)
  const suggested = (p?: { suggestedDifficulty?: number }) => (p?.suggestedDifficulty === undefined ? {} : { stratumSuggestedDifficulty: p.suggestedDifficulty });
  const pools: Array<SimPool | undefined> = new Array(MAX_POOLS).fill(undefined);
  pools[0] = opts.pool
    ? blankPool({ stratumURL: opts.pool.host, stratumPort: opts.pool.port, stratumUser: user(opts.pool), ...suggested(opts.pool) })
    : blankPool({ stratumURL: 'public-pool.io', stratumPort: 21496, stratumUser: user() });
  pools[1] = opts.fallbackPool
    ? blankPool({ stratumURL: opts.fallbackPool.host, stratumPort: opts.fallbackPool.port, stratumUser: user(opts.fallbackPool), ...suggested(opts.fallbackPool) })
    : blankPool({ stratumURL: 'solo.ckpool.org', stratumPort: 3333, stratumUser: user() });
  const model = MODELS[opts.model ?? 'gamma'];
  return {
    ssid: 'MyHomeWifi',
    wifiPass: 'password',
    hostname: 'bitaxe',
    pools,
    primaryPoolIndex: 0,
    secondaryPoolIndex: 1,
    useFallbackStratum: 0,
    frequency: model.defaultFrequency,
    coreVoltage: model.defaultVoltage,
    overclockEnabled: 0,
    display: model.display,
    rotation: 0,
    invertscreen: 0,
    displayOffset: 0,
    displayTimeout: -1,
    autofanspeed: 1,
    manualFanSpeed: 100,
    minFanSpeed: 25,
    temptarget: 60,
    overheat_mode: 0,
    useCustomWWW: 0,
    statsFrequency: 0,
  };
}

/** Tests bind loopback only: a pool elsewhere (the factory default public-pool.io) is never dialled. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

function minerPool(pool: SimPool | undefined): MinerPool | undefined {
  if (!pool || !pool.stratumURL) return undefined;
  const host = pool.stratumURL.replace(/^stratum\+tcp:\/\//, '');
  // the simulated firmware speaks Stratum V1 only: a Stratum V2 slot is not mined on
  if (!LOOPBACK.test(host) || pool.stratumProtocol === 'SV2') return undefined;
  return {
    host,
    port: pool.stratumPort,
    user: pool.stratumUser,
    password: pool.stratumPassword,
    suggestedDifficulty: pool.stratumSuggestedDifficulty,
    extranonceSubscribe: pool.stratumExtranonceSubscribe,
  };
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const modelName = opts.model ?? 'gamma';
  const firmware = opts.firmware ?? 'v2.15';
  const model = MODELS[modelName];
  const host = opts.host ?? '127.0.0.1';
  const logger = (opts.logger ?? silentLogger).child(`sim ${host}`);
  const settings = initialSettings(opts);
  const version = FIRMWARE_VERSIONS[firmware];
  const bootMs = opts.bootMs ?? 1500;
  const liveIntervalMs = Math.max(opts.liveIntervalMs ?? 500, 50);

  const rt: SimRuntime = {
    firmware,
    version,
    model,
    settings,
    mac: (opts.mac ?? randomMac()).toUpperCase(),
    ipv4: host,
    uptimeSeconds: 0,
    hashrate: 0,
    hashrate1m: 0,
    hashrate10m: 0,
    hashrate1h: 0,
    temperature: 42,
    vrTemperature: 40,
    power: 3,
    fanRpm: 2000,
    fanPercent: 35,
    sharesAccepted: 0,
    sharesRejected: 0,
    rejectReasons: new Map(),
    bestDiff: 0,
    bestSessionDiff: 0,
    poolDifficulty: 0,
    responseTime: 0,
    miningPaused: false,
    usingFallback: false,
    blockFound: 0,
    workReceived: 0,
    totalHashes: 0,
    identifying: false,
  };

  let bootAt = Date.now();
  let boots = 0;
  let logRing = '';
  const scoreboard: Array<FoundShare & { since: number }> = [];
  const statistics: number[][] = [];
  let serialConsole: SerialConsole | undefined;
  let usbLoader: UsbLoader | undefined;
  let nvs: NvsStorage | undefined;
  let stopped = false;
  let identifyTimer: NodeJS.Timeout | undefined;

  const espLog = (level: EspLogLevel, tag: string, message: string) => {
    const colour = COLORS[level];
    const line = `${colour}${level} (${Date.now() - bootAt}) ${tag}: ${message}${colour ? '\x1b[0m' : ''}\n`;
    logRing += line;
    if (logRing.length > LOG_RING_BYTES) logRing = logRing.slice(logRing.length - LOG_RING_BYTES);
    api?.broadcastLog(line);
    if (!usbLoader?.inLoader) serialConsole?.write(line);
  };

  const miner = new SimMiner({
    pools: () =>
      firmware === 'v2.15'
        ? // useFallbackStratum: the user chose the fallback, and the firmware mines there (protocol_coordinator.c)
          bootPools.useFallback
          ? { primary: minerPool(bootPools.fallback), fallback: minerPool(bootPools.primary) }
          : { primary: minerPool(bootPools.primary), fallback: minerPool(bootPools.fallback) }
        : { primary: minerPool(settings.pools[0]), fallback: minerPool(settings.pools[1]) },
    userAgent: `bitaxe/${model.asicModel}/${version}`,
    localAddress: host,
    hashesPerSecond: opts.hashesPerSecond ?? 4000,
    log: espLog,
    connectRetryMs: opts.connectRetryMs,
    readErrorRetryMs: opts.readErrorRetryMs,
    primaryProbeMs: opts.primaryProbeMs,
    onShareResult: (accepted, reason) => {
      if (accepted) rt.sharesAccepted += 1;
      else {
        rt.sharesRejected += 1;
        const key = reason ?? 'unknown';
        rt.rejectReasons.set(key, (rt.rejectReasons.get(key) ?? 0) + 1);
      }
    },
    onNonce: (share) => {
      if (share.difficulty > rt.bestSessionDiff) rt.bestSessionDiff = share.difficulty;
      if (share.difficulty > rt.bestDiff) {
        rt.bestDiff = share.difficulty;
        espLog('I', 'system', `New best difficulty: ${share.difficulty}`);
      }
      scoreboard.push({ ...share, since: rt.uptimeSeconds });
      scoreboard.sort((a, b) => b.difficulty - a.difficulty);
      scoreboard.length = Math.min(scoreboard.length, 20);
    },
  });

  // v2.15 reads the pool *selection* at boot; edits to the selected slots apply on the next reconnect.
  const bootPools = {
    primaryIndex: settings.primaryPoolIndex,
    secondaryIndex: settings.secondaryPoolIndex,
    useFallback: settings.useFallbackStratum !== 0,
    get primary() {
      return settings.pools[this.primaryIndex];
    },
    get fallback() {
      return settings.pools[this.secondaryIndex];
    },
  };

  /** what a real device reads live from its state rather than from the 1 s sampler */
  const currentInfo = () => {
    rt.uptimeSeconds = Math.floor((Date.now() - bootAt) / 1000);
    rt.poolDifficulty = miner.difficulty;
    rt.responseTime = miner.lastResponseMs;
    rt.usingFallback = miner.usingFallback;
    return buildInfo(rt);
  };

  const tick = () => {
    rt.uptimeSeconds = Math.floor((Date.now() - bootAt) / 1000);
    const mining = miner.authorized && !rt.miningPaused && !halted;
    if (telemetryTick(rt, model, mining, statistics, Date.now() - bootAt)) {
      // ESP-Miner's safe mode: fan to 100 % manual, overheat_mode saved, mining stopped until the user clears it
      Object.assign(settings, { overheat_mode: 1, autofanspeed: 0, [firmware === 'v2.9' ? 'fanspeed' : 'manualFanSpeed']: 100 });
      halted = true;
      miner.paused = true;
      espLog('E', 'power_management', `OVERHEAT! VR: ${rt.vrTemperature}C ASIC: ${rt.temperature}C`);
      espLog('W', 'power_management', 'Entering safe mode due to overheat condition. System operation halted.');
    }
  };
  let halted = false;
  let tickTimer = setInterval(tick, 1000);

  const defaults = structuredClone(settings);
  /** What nvs_config_init and device_config_init make of the partition the flash holds now. */
  const loadFromFlash = (storage: NvsStorage) => {
    storage.load(settings);
    if (storage.erasedAtBoot) espLog('E', 'nvs_config', 'NVS partition unusable (no free page or new version): erasing it');
    const board = storage.board;
    rt.model = board ? { ...model, boardVersion: board.boardVersion } : { ...model, boardVersion: '000', deviceModel: 'unknown', asicModel: '', expectedHashrate: 0 };
  };

  /** Settings changes go to NVS, as nvs_config's save task writes them. */
  const persist = () => {
    if (!nvs) return;
    try {
      nvs.save(settings);
    } catch (error) {
      espLog('E', 'nvs_config', `Failed to save settings: ${(error as Error).message}`);
    }
  };

  const boot = () => {
    bootAt = Date.now();
    if (nvs) loadFromFlash(nvs);
    // a device that overheated stays halted across reboots until overheat_mode is cleared
    halted = settings.overheat_mode !== 0;
    rt.uptimeSeconds = 0;
    rt.sharesAccepted = 0;
    rt.sharesRejected = 0;
    rt.rejectReasons.clear();
    rt.bestSessionDiff = 0;
    rt.miningPaused = false;
    miner.paused = halted;
    rt.hashrate = rt.hashrate1m = rt.hashrate10m = rt.hashrate1h = 0;
    bootPools.primaryIndex = settings.primaryPoolIndex;
    bootPools.secondaryIndex = settings.secondaryPoolIndex;
    bootPools.useFallback = settings.useFallbackStratum !== 0;
    espLog('I', 'bitaxe', `Welcome to the bitaxe - FOSS || GTFO!`);
    if (nvs && !nvs.board) {
      // the factory keys are gone: device_config_init runs it as "custom board 000" with no ASIC it knows
      espLog('I', 'device_config', 'Custom Board Version: 000');
      espLog('E', 'bitaxe', 'ASIC initialization failed: unknown device model and ASIC');
      return;
    }
    espLog('I', 'bitaxe', `Found Device Model: ${rt.model.deviceModel}, Board Version: ${rt.model.boardVersion}, ASIC: ${rt.model.asicModel}`);
    espLog('I', 'wifi_station', `Connected to ap SSID:${settings.ssid}; got ip:${host}`);
    miner.start();
  };

  // ---------------------------------------------------------------- HTTP API
  const scheduleRestart = () => {
    setTimeout(() => void reboot(), opts.restartDelayMs ?? 1000);
  };
  const device: SimDevice = {
    firmware,
    model,
    settings,
    info: currentInfo,
    logs: () => logRing,
    uptimeMs: () => Date.now() - bootAt,
    scoreboard: () => scoreboard,
    statistics: () => statistics,
    log: espLog,
    restartSoon: scheduleRestart,
    saveSettings: persist,
    setMiningPaused: (paused) => {
      rt.miningPaused = paused;
      miner.paused = rt.miningPaused || halted;
    },
    toggleIdentify: () => {
      rt.identifying = !rt.identifying;
      clearTimeout(identifyTimer);
      if (rt.identifying) identifyTimer = setTimeout(() => (rt.identifying = false), 30_000);
      return rt.identifying;
    },
  };
  const api: AxeosApi = createAxeosApi(device, { liveIntervalMs, logger });
  const server = api.server;

  let port = opts.httpPort ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });

  const goDown = async () => {
    miner.stop();
    api.dropClients();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };

  let rebooting: Promise<void> | undefined;
  const reboot = async () => {
    if (stopped || rebooting) return;
    rebooting = (async () => {
      clearInterval(tickTimer);
      await goDown();
      await new Promise((r) => setTimeout(r, bootMs));
      if (stopped) return;
      await listen();
      boots += 1;
      tickTimer = setInterval(tick, 1000);
      boot();
    })().finally(() => {
      rebooting = undefined;
    });
    await rebooting;
  };

  // ---------------------------------------------------------------- USB console
  const handleSerialLine = (line: string) => {
    if (!opts.patched) return; // stock firmware: the console is output-only
    answerConsoleLine(line, device, (payload) => serialConsole?.write(`@BXJ ${JSON.stringify(payload)}\n`));
  };

  if (opts.usb) {
    const image = opts.usb.nvs ?? buildNvs(mergeEntries(factoryEntries(model, settings), settingsEntries(settings)), NvsStorage.partitionSize());
    const unit = stockFlash(image);
    nvs = new NvsStorage(unit, defaults);
    let down: Promise<void> | undefined;
    usbLoader = new UsbLoader({
      flash: unit,
      mac: rt.mac,
      chip: opts.usb.chip,
      answers: opts.usb.answers,
      pullCableAfterFlashBytes: opts.usb.pullCableAfterFlashBytes,
      corruptFlashWrites: opts.usb.corruptFlashWrites,
      memEndDelayMs: opts.usb.memEndDelayMs,
      send: (bytes) => serialConsole?.writeBytes(bytes),
      // reset into the ROM loader: the firmware is gone until the chip boots again
      onEnterLoader: () => {
        clearInterval(tickTimer);
        down = goDown();
      },
      onBootApp: () => {
        void (async () => {
          await down;
          if (stopped) return;
          await listen();
          boots += 1;
          tickTimer = setInterval(tick, 1000);
          boot();
        })().catch((error: Error) => logger.warn('simulated boot failed', { error: error.message }));
      },
    });
  }
  await listen();
  if (opts.serial || opts.usb) serialConsole = await openSerialConsole(handleSerialLine, usbLoader ? (bytes) => usbLoader!.onBytes(bytes) : undefined);
  boot();
  logger.info('simulator ready', { http: `http://${host}:${port}`, model: modelName, firmware });

  return {
    get http() {
      return `http://${host}:${port}`;
    },
    serial: serialConsole?.path,
    mac: rt.mac,
    host,
    get port() {
      return port;
    },
    get boots() {
      return boots;
    },
    usb:
      nvs && usbLoader
        ? {
            flash: nvs.flash,
            loader: usbLoader,
            nvs: () => nvs!.image(),
            get board() {
              return nvs!.board;
            },
            get erasedAtBoot() {
              return nvs!.erasedAtBoot;
            },
          }
        : undefined,
    stratum: () => ({
      connected: miner.authorized,
      usingFallback: miner.usingFallback,
      pool: miner.pool ? `${miner.pool.host}:${miner.pool.port}` : undefined,
      sharesAccepted: rt.sharesAccepted,
      sharesRejected: rt.sharesRejected,
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(tickTimer);
      clearTimeout(identifyTimer);
      await rebooting;
      await goDown();
      api.close();
      usbLoader?.stop();
      await serialConsole?.close();
    },
  };
}

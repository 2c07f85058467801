/**
 * A Bitaxe simulator the rest of Axewallet cannot tell from a device: the AxeOS HTTP API with each
 * model's and firmware's fields, PATCH validation, the pools API (v2.15), restart that drops off the
 * network and comes back, /api/ws/live diffs and /api/ws logs, a firmware-like Stratum V1 client,
 * and a USB console on a pty that answers JSON commands when "patched". With `usb` it is a stock
 * unit whose settings live in a flash NVS partition and whose USB port reaches the ESP32-S3 ROM boot
 * loader (usb-loader.ts): it boots from whatever the flash holds after a write over USB.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { type Logger, silentLogger } from '../../lib/log';
import { buildAsic, buildInfo, diffInfo, type SimRuntime } from './info';
import { type EspLogLevel, type FoundShare, type MinerPool, SimMiner } from './miner';
import { FIRMWARE_VERSIONS, MODELS, type SimFirmware, type SimModel } from './models';
import { buildNvs, nvsHealth, readNvs } from '../provision/nvs';
import { ESP_MINER_PARTITIONS } from '../provision/partition-table';
import { type SimFlash, stockFlash } from './flash';
import { factoryEntries, mergeEntries, settingsEntries, settingsFromNvs } from './nvs-settings';
import type { LoaderChip } from './rom-loader';
import { type SerialConsole, openSerialConsole } from './serial-console';
import { MAX_POOLS, type SimPool, type SimSettings, SettingsRejected, applyPatch, blankPool, poolFromBody } from './settings';
import { UsbLoader } from './usb-loader';
import { thermalStep } from './thermal';

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
  readonly board: { boardVersion: string; deviceModel: string; asicModel: string } | undefined;
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
const MAX_WS_CLIENTS = 10;
const MAX_PATCH_BYTES = 10240;

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
  const wsLogClients = new Set<WebSocket>();
  let serialConsole: SerialConsole | undefined;
  let usbLoader: UsbLoader | undefined;
  let flash: SimFlash | undefined;
  const nvsPart = ESP_MINER_PARTITIONS[0]!;
  let usbBoard: SimUsb['board'];
  let erasedAtBoot = false;
  let stopped = false;
  let identifyTimer: NodeJS.Timeout | undefined;

  const espLog = (level: EspLogLevel, tag: string, message: string) => {
    const colour = COLORS[level];
    const line = `${colour}${level} (${Date.now() - bootAt}) ${tag}: ${message}${colour ? '\x1b[0m' : ''}\n`;
    logRing += line;
    if (logRing.length > LOG_RING_BYTES) logRing = logRing.slice(logRing.length - LOG_RING_BYTES);
    for (const client of wsLogClients) if (client.readyState === WebSocket.OPEN) client.send(line);
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
  const bootPools = { primaryIndex: settings.primaryPoolIndex, secondaryIndex: settings.secondaryPoolIndex, useFallback: settings.useFallbackStratum !== 0, get primary() { return settings.pools[this.primaryIndex]; }, get fallback() { return settings.pools[this.secondaryIndex]; } };

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
    const noise = 1 + (Math.random() - 0.5) * 0.04;
    rt.hashrate = mining ? Math.round(model.expectedHashrate * 1.05 * noise * 100) / 100 : 0;
    const ease = (current: number, k: number) => Math.round((current + (rt.hashrate - current) * k) * 100) / 100;
    rt.hashrate1m = ease(rt.hashrate1m, 0.3);
    rt.hashrate10m = ease(rt.hashrate10m, 0.1);
    rt.hashrate1h = ease(rt.hashrate1h, 0.02);
    const manualFan = Number(settings.manualFanSpeed ?? settings.fanspeed ?? 100);
    const heat = thermalStep({ mining, autoFan: settings.autofanspeed === 1, manualFanPercent: manualFan, tempTarget: settings.temptarget, temperature: rt.temperature, jitter: Math.random() });
    rt.temperature = heat.temperature;
    rt.vrTemperature = Math.round(rt.temperature - 9);
    rt.power = Math.round((mining ? model.power * noise : 3.2) * 100) / 100;
    rt.fanPercent = heat.fanPercent;
    rt.fanRpm = Math.round(heat.fanPercent * 85 + Math.random() * 40);
    if (heat.overheat) {
      // ESP-Miner's safe mode: fan to 100 % manual, overheat_mode saved, mining stopped until the user clears it
      Object.assign(settings, { overheat_mode: 1, autofanspeed: 0, [firmware === 'v2.9' ? 'fanspeed' : 'manualFanSpeed']: 100 });
      halted = true;
      miner.paused = true;
      espLog('E', 'power_management', `OVERHEAT! VR: ${rt.vrTemperature}C ASIC: ${rt.temperature}C`);
      espLog('W', 'power_management', 'Entering safe mode due to overheat condition. System operation halted.');
    }
    rt.totalHashes += (rt.hashrate * 1e9);
    if (settings.statsFrequency > 0 && rt.uptimeSeconds % settings.statsFrequency === 0) {
      statistics.push([rt.hashrate, rt.hashrate1m, rt.hashrate10m, rt.hashrate1h, 0.21, rt.temperature, -1, rt.vrTemperature, settings.coreVoltage, 5109, rt.power, 3468, rt.fanPercent, rt.fanRpm, 0, -57, 8123456, rt.responseTime, Date.now() - bootAt]);
      if (statistics.length > 720) statistics.shift();
    }
  };
  let halted = false;
  let tickTimer = setInterval(tick, 1000);

  const defaults = structuredClone(settings);
  /** What nvs_config_init and device_config_init make of the partition the flash holds now. */
  const loadFromFlash = (target: SimFlash) => {
    let image = target.read(nvsPart.offset, nvsPart.size);
    erasedAtBoot = nvsHealth(image).erasedAtBoot;
    if (erasedAtBoot) {
      espLog('E', 'nvs_config', 'NVS partition unusable (no free page or new version): erasing it');
      target.erase(nvsPart.offset, nvsPart.size);
      image = target.read(nvsPart.offset, nvsPart.size);
    }
    const loaded = settingsFromNvs(image, defaults);
    Object.assign(settings, loaded.settings);
    usbBoard = loaded.board;
    rt.model = usbBoard ? { ...model, boardVersion: usbBoard.boardVersion } : { ...model, boardVersion: '000', deviceModel: 'unknown', asicModel: '', expectedHashrate: 0 };
  };

  /** Settings changes go to NVS, as nvs_config's save task writes them. */
  const persist = () => {
    if (!flash) return;
    try {
      const image = buildNvs(mergeEntries(readNvs(flash.read(nvsPart.offset, nvsPart.size)), settingsEntries(settings)), nvsPart.size);
      flash.erase(nvsPart.offset, nvsPart.size);
      flash.write(nvsPart.offset, image);
    } catch (error) {
      espLog('E', 'nvs_config', `Failed to save settings: ${(error as Error).message}`);
    }
  };

  const boot = () => {
    bootAt = Date.now();
    if (flash) loadFromFlash(flash);
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
    if (flash && !usbBoard) {
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
  const send = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json') => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': type, 'access-control-allow-origin': '*', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const networkAllowed = (req: http.IncomingMessage): boolean => {
    const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    // Loopback stands in for the LAN here: the simulator lives on 127.0.0.x.
    const privateOrLoopback = (ip: string) => /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip);
    const origin = req.headers.origin;
    if (origin === undefined) return privateOrLoopback(client);
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:') return false;
    const originHost = url.hostname;
    if (originHost.endsWith('.local') || !originHost.includes('.') || originHost === settings.hostname) return true;
    return privateOrLoopback(client) && privateOrLoopback(originHost);
  };

  const readBody = (req: http.IncomingMessage, limit: number): Promise<string | undefined> =>
    new Promise((resolve) => {
      let size = 0;
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= limit) chunks.push(chunk);
      });
      req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
      req.on('error', () => resolve(undefined));
    });

  const parseJson = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };

  const scheduleRestart = () => {
    setTimeout(() => void reboot(), opts.restartDelayMs ?? 1000);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (!path.startsWith('/api/')) {
      res.writeHead(302, { location: '/' });
      res.end();
      return;
    }
    if (method === 'OPTIONS') return send(res, 200, '');
    if (!networkAllowed(req)) return send(res, 401, 'Unauthorized', 'text/plain');
    const v214plus = firmware !== 'v2.9';
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /api/system/info':
        return send(res, 200, currentInfo());
      case 'GET /api/system/asic':
        return send(res, 200, buildAsic(model));
      case 'GET /api/system/scoreboard':
        return send(
          res,
          200,
          scoreboard.map((s, rank) => ({ rank, since: s.since, difficulty: s.difficulty, job_id: s.jobId, extranonce2: s.extranonce2, ntime: Number.parseInt(s.ntime, 16), nonce: s.nonce.toUpperCase(), version_bits: s.versionBits.toUpperCase() })),
        );
      case 'GET /api/system/statistics': {
        const labels = ['hashrate', 'hashrate_1m', 'hashrate_10m', 'hashrate_1h', 'errorPercentage', 'asicTemp', 'asicTemp2', 'vrTemp', 'asicVoltage', 'voltage', 'power', 'current', 'fanSpeed', 'fanRpm', 'fan2Rpm', 'wifiRssi', 'freeHeap', 'responseTime'];
        const wanted = url.searchParams.get('columns')?.split(',').filter((c) => labels.includes(c)) ?? labels;
        const indexes = [...wanted.map((c) => labels.indexOf(c)), labels.length];
        return send(res, 200, { currentTimestamp: Date.now() - bootAt, labels: [...wanted, 'timestamp'], statistics: statistics.map((row) => indexes.map((i) => row[i] ?? 0)) });
      }
      case 'GET /api/system/logs':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="bitaxe-logs.txt"' });
        res.end(logRing);
        return;
      case 'POST /api/system/restart':
        espLog('I', 'http_server', 'Restarting System because of API Request');
        send(res, 200, { message: 'System will restart shortly.' });
        scheduleRestart();
        return;
      case 'POST /api/system/identify':
        rt.identifying = !rt.identifying;
        clearTimeout(identifyTimer);
        if (rt.identifying) identifyTimer = setTimeout(() => (rt.identifying = false), 30_000);
        return send(res, 200, { message: rt.identifying ? 'Device will say hi for 30 seconds.' : 'Identify mode stopped.' });
      case 'POST /api/system/pause':
      case 'POST /api/system/resume': {
        if (!v214plus) break;
        rt.miningPaused = path.endsWith('pause');
        miner.paused = rt.miningPaused || halted;
        espLog('I', 'http_server', rt.miningPaused ? 'Mining paused' : 'Mining resumed');
        return send(res, 200, { message: rt.miningPaused ? 'Mining paused' : 'Mining resumed' });
      }
      case 'PATCH /api/system': {
        const text = await readBody(req, MAX_PATCH_BYTES - 1);
        if (text === undefined) return send(res, 500, 'Request too large', 'text/plain');
        const body = parseJson(text);
        try {
          const { hostnameChanged } = applyPatch(settings, body, firmware);
          persist();
          espLog('I', 'http_server', 'Settings updated');
          if (hostnameChanged) return send(res, 200, { status: 'success', redirect: { url: `http://${settings.hostname}.local`, delay: 2000, message: 'Hostname changed' } });
          res.writeHead(200, { 'access-control-allow-origin': '*', 'content-length': 0 });
          res.end();
          return;
        } catch (error) {
          if (error instanceof SettingsRejected) return send(res, 400, 'Wrong API input', 'text/plain');
          throw error;
        }
      }
    }
    const poolRoute = /^\/api\/system\/pools\/(\d+)$/.exec(path);
    if (poolRoute && firmware === 'v2.15' && (method === 'PUT' || method === 'DELETE')) {
      const slot = Number(poolRoute[1]);
      if (slot >= MAX_POOLS) return send(res, 400, 'Invalid pool index', 'text/plain');
      if (method === 'DELETE') {
        if (slot === settings.primaryPoolIndex || slot === settings.secondaryPoolIndex) return send(res, 400, 'Cannot clear the primary or secondary pool', 'text/plain');
        settings.pools[slot] = undefined;
        persist();
        return send(res, 200, { message: 'Pool cleared successfully' });
      }
      const text = await readBody(req, MAX_PATCH_BYTES - 1);
      try {
        settings.pools[slot] = poolFromBody(parseJson(text ?? ''), settings.pools[slot]);
        persist();
      } catch {
        return send(res, 400, 'Invalid pool configuration payload', 'text/plain');
      }
      return send(res, 200, { message: 'Pool updated successfully' });
    }
    return send(res, 404, { error: 'unknown route' });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      logger.warn('simulator request failed', { error: error.message });
      if (!res.headersSent) send(res, 500, 'Internal error', 'text/plain');
    });
  });
  const liveWss = new WebSocketServer({ noServer: true });
  const logWss = new WebSocketServer({ noServer: true });
  const liveTimers = new Map<WebSocket, NodeJS.Timeout>();
  server.on('upgrade', (req, socket: Socket, head) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const reject = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!networkAllowed(req)) return reject('401 Unauthorized');
    if (liveWss.clients.size + logWss.clients.size >= MAX_WS_CLIENTS) return reject('429 Too Many Requests');
    if (path === '/api/ws') {
      logWss.handleUpgrade(req, socket, head, (ws) => {
        wsLogClients.add(ws);
        ws.on('close', () => wsLogClients.delete(ws));
      });
    } else if (path === '/api/ws/live') {
      liveWss.handleUpgrade(req, socket, head, (ws) => {
        let last = currentInfo();
        ws.send(JSON.stringify({ event: 'update', data: last }));
        const timer = setInterval(() => {
          const next = currentInfo();
          const diff = diffInfo(last, next);
          last = next;
          if (Object.keys(diff).length > 0 && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ event: 'update', data: diff }));
        }, liveIntervalMs);
        liveTimers.set(ws, timer);
        ws.on('close', () => {
          clearInterval(timer);
          liveTimers.delete(ws);
        });
      });
    } else reject('404 Not Found');
  });

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
    for (const ws of [...liveWss.clients, ...logWss.clients]) ws.terminate();
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
    const reply = (payload: Record<string, unknown>) => serialConsole?.write(`@BXJ ${JSON.stringify(payload)}\n`);
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      return reply({ ok: false, error: 'invalid JSON' });
    }
    if (!request || typeof request !== 'object' || Array.isArray(request)) return reply({ ok: false, error: 'invalid JSON' });
    const { cmd, id, settings: patch } = request as { cmd?: unknown; id?: unknown; settings?: unknown };
    const base: Record<string, unknown> = { cmd: typeof cmd === 'string' ? cmd : null };
    if (typeof id === 'number' || typeof id === 'string') base.id = id;
    switch (cmd) {
      case 'info':
        return reply({ ...base, ok: true, data: currentInfo() });
      case 'set':
        try {
          applyPatch(settings, patch, firmware);
          persist();
          return reply({ ...base, ok: true });
        } catch {
          return reply({ ...base, ok: false, error: 'Wrong API input' });
        }
      case 'restart':
        reply({ ...base, ok: true });
        scheduleRestart();
        return;
      default:
        return reply({ ...base, ok: false, error: 'unknown command' });
    }
  };

  if (opts.usb) {
    const image = opts.usb.nvs ?? buildNvs(mergeEntries(factoryEntries(model, settings), settingsEntries(settings)), nvsPart.size);
    const unit = stockFlash(image);
    flash = unit;
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
      flash && usbLoader
        ? {
            flash,
            loader: usbLoader,
            nvs: () => flash!.read(nvsPart.offset, nvsPart.size),
            get board() {
              return usbBoard;
            },
            get erasedAtBoot() {
              return erasedAtBoot;
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
      liveWss.close();
      logWss.close();
      usbLoader?.stop();
      await serialConsole?.close();
    },
  };
}

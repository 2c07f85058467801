/**
 * The simulated AxeOS HTTP API: system info per firmware, ASIC, scoreboard, statistics, logs, restart, identify,
 * pause/resume (v2.14+), PATCH with all-or-nothing validation, the v2.15 pools API, and the /api/ws/live diffs and
 * /api/ws log stream, each refused to origins AxeOS refuses.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../lib/log';
import type { FoundShare } from './asic';
import { buildAsic, diffInfo } from './info';
import type { EspLogLevel } from './miner';
import type { ModelSpec, SimFirmware } from './models';
import { MAX_POOLS, type SimSettings, SettingsRejected, applyPatch, poolFromBody } from './settings';

/** What the API reads from and does to the simulated device. */
export interface SimDevice {
  readonly firmware: SimFirmware;
  readonly model: ModelSpec;
  readonly settings: SimSettings;
  info(): Record<string, unknown>;
  /** the log ring, as GET /api/system/logs serves it */
  logs(): string;
  uptimeMs(): number;
  scoreboard(): Array<FoundShare & { since: number }>;
  statistics(): number[][];
  log(level: EspLogLevel, tag: string, message: string): void;
  /** restart after the firmware's delay */
  restartSoon(): void;
  /** settings changed: save them as the firmware does */
  saveSettings(): void;
  setMiningPaused(paused: boolean): void;
  /** starts (true) or stops identify mode */
  toggleIdentify(): boolean;
}

export interface AxeosApi {
  server: http.Server;
  /** sends a log line to every /api/ws client */
  broadcastLog(line: string): void;
  /** drops every websocket client (the device goes down) */
  dropClients(): void;
  close(): void;
}

const MAX_WS_CLIENTS = 10;
const MAX_PATCH_BYTES = 10240;

export function createAxeosApi(device: SimDevice, options: { liveIntervalMs: number; logger: Logger }): AxeosApi {
  const logClients = new Set<WebSocket>();
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
    if (originHost.endsWith('.local') || !originHost.includes('.') || originHost === device.settings.hostname) return true;
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
    const v214plus = device.firmware !== 'v2.9';
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /api/system/info':
        return send(res, 200, device.info());
      case 'GET /api/system/asic':
        return send(res, 200, buildAsic(device.model));
      case 'GET /api/system/scoreboard':
        return send(
          res,
          200,
          device.scoreboard().map((s, rank) => ({
            rank,
            since: s.since,
            difficulty: s.difficulty,
            job_id: s.jobId,
            extranonce2: s.extranonce2,
            ntime: Number.parseInt(s.ntime, 16),
            nonce: s.nonce.toUpperCase(),
            version_bits: s.versionBits.toUpperCase(),
          })),
        );
      case 'GET /api/system/statistics': {
        const labels = [
          'hashrate',
          'hashrate_1m',
          'hashrate_10m',
          'hashrate_1h',
          'errorPercentage',
          'asicTemp',
          'asicTemp2',
          'vrTemp',
          'asicVoltage',
          'voltage',
          'power',
          'current',
          'fanSpeed',
          'fanRpm',
          'fan2Rpm',
          'wifiRssi',
          'freeHeap',
          'responseTime',
        ];
        const wanted =
          url.searchParams
            .get('columns')
            ?.split(',')
            .filter((c) => labels.includes(c)) ?? labels;
        const indexes = [...wanted.map((c) => labels.indexOf(c)), labels.length];
        return send(res, 200, { currentTimestamp: device.uptimeMs(), labels: [...wanted, 'timestamp'], statistics: device.statistics().map((row) => indexes.map((i) => row[i] ?? 0)) });
      }
      case 'GET /api/system/logs':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="bitaxe-logs.txt"' });
        res.end(device.logs());
        return;
      case 'POST /api/system/restart':
        device.log('I', 'http_server', 'Restarting System because of API Request');
        send(res, 200, { message: 'System will restart shortly.' });
        device.restartSoon();
        return;
      case 'POST /api/system/identify':
        return send(res, 200, { message: device.toggleIdentify() ? 'Device will say hi for 30 seconds.' : 'Identify mode stopped.' });
      case 'POST /api/system/pause':
      case 'POST /api/system/resume': {
        if (!v214plus) break;
        const paused = path.endsWith('pause');
        device.setMiningPaused(paused);
        device.log('I', 'http_server', paused ? 'Mining paused' : 'Mining resumed');
        return send(res, 200, { message: paused ? 'Mining paused' : 'Mining resumed' });
      }
      case 'PATCH /api/system': {
        const text = await readBody(req, MAX_PATCH_BYTES - 1);
        if (text === undefined) return send(res, 500, 'Request too large', 'text/plain');
        const body = parseJson(text);
        try {
          const { hostnameChanged } = applyPatch(device.settings, body, device.firmware);
          device.saveSettings();
          device.log('I', 'http_server', 'Settings updated');
          if (hostnameChanged) return send(res, 200, { status: 'success', redirect: { url: `http://${device.settings.hostname}.local`, delay: 2000, message: 'Hostname changed' } });
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
    if (poolRoute && device.firmware === 'v2.15' && (method === 'PUT' || method === 'DELETE')) {
      const slot = Number(poolRoute[1]);
      if (slot >= MAX_POOLS) return send(res, 400, 'Invalid pool index', 'text/plain');
      if (method === 'DELETE') {
        if (slot === device.settings.primaryPoolIndex || slot === device.settings.secondaryPoolIndex) return send(res, 400, 'Cannot clear the primary or secondary pool', 'text/plain');
        device.settings.pools[slot] = undefined;
        device.saveSettings();
        return send(res, 200, { message: 'Pool cleared successfully' });
      }
      const text = await readBody(req, MAX_PATCH_BYTES - 1);
      try {
        device.settings.pools[slot] = poolFromBody(parseJson(text ?? ''), device.settings.pools[slot]);
        device.saveSettings();
      } catch {
        return send(res, 400, 'Invalid pool configuration payload', 'text/plain');
      }
      return send(res, 200, { message: 'Pool updated successfully' });
    }
    return send(res, 404, { error: 'unknown route' });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      options.logger.warn('simulator request failed', { error: error.message });
      if (!res.headersSent) send(res, 500, 'Internal error', 'text/plain');
    });
  });
  const liveWss = new WebSocketServer({ noServer: true });
  const logWss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket: Socket, head) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const reject = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!networkAllowed(req)) return reject('401 Unauthorized');
    if (liveWss.clients.size + logWss.clients.size >= MAX_WS_CLIENTS) return reject('429 Too Many Requests');
    if (path === '/api/ws') {
      logWss.handleUpgrade(req, socket, head, (ws) => {
        logClients.add(ws);
        ws.on('close', () => logClients.delete(ws));
      });
    } else if (path === '/api/ws/live') {
      liveWss.handleUpgrade(req, socket, head, (ws) => {
        let last = device.info();
        ws.send(JSON.stringify({ event: 'update', data: last }));
        const timer = setInterval(() => {
          const next = device.info();
          const diff = diffInfo(last, next);
          last = next;
          if (Object.keys(diff).length > 0 && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ event: 'update', data: diff }));
        }, options.liveIntervalMs);
        ws.on('close', () => clearInterval(timer));
      });
    } else reject('404 Not Found');
  });

  return {
    server,
    broadcastLog: (line) => {
      for (const client of logClients) if (client.readyState === WebSocket.OPEN) client.send(line);
    },
    dropClients: () => {
      for (const ws of [...liveWss.clients, ...logWss.clients]) ws.terminate();
    },
    close: () => {
      liveWss.close();
      logWss.close();
    },
  };
}

/**
 * The headless server: the built renderer and the API on 127.0.0.1, nowhere else.
 * The UI's static files are public (they hold nothing secret); every API request and the event stream
 * need the token, which travels in a header only: Authorization: Bearer, or for the WebSocket the
 * Sec-WebSocket-Protocol offer a browser can set. Never in a cookie (cookies are not scoped by port, so
 * every other local web service would receive it) and never in a URL the server reads (URLs end up in
 * logs and history). Host and Origin must name this loopback server (no DNS rebinding); request bodies
 * must be JSON; a bad request gets a JSON error with a hint and never takes the server down.
 */
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENTS_PROTOCOL, EVENTS_TOKEN_PREFIX } from '../api/bridge';
import { API_PREFIX, commands } from '../api/contract';
import { ApiError, httpStatusOf } from '../api/define';
import type { ApiHost } from '../api/host';
import type { Logger } from '../../lib/log';
import { buildOpenApi } from './openapi';
import { OBSERVE_PATHS, type ObserveEndpoints, serveObserve } from './observe-routes';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiServerOptions {
  host: ApiHost;
  token: string;
  port: number;
  version: string;
  logger: Logger;
  /** the built renderer (index.html + assets); when absent a page says how to build it */
  staticDir?: string;
  maxBodyBytes?: number;
  /** GET /health and GET /metrics (core/observe) */
  observe?: ObserveEndpoints;
}

export interface RunningServer {
  port: number;
  url: string;
  api: string;
  close(): Promise<void>;
}

interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  params: string[];
}

const routes: Route[] = Object.values(commands).map((def) => {
  const params: string[] = [];
  const pattern = new RegExp(
    `^${API_PREFIX}${def.path.replace(/:([A-Za-z]+)/g, (_m, p: string) => {
      params.push(p);
      return '([^/]+)';
    })}$`,
  );
  return { name: def.name, method: def.method, pattern, params };
});

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** No inline scripts, no remote content: the same policy the Electron window enforces. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

function offeredProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The event stream's token: the subprotocol offer (browsers) or a bearer header (scripts). */
function eventsToken(req: IncomingMessage): string | undefined {
  return (
    offeredProtocols(req)
      .find((p) => p.startsWith(EVENTS_TOKEN_PREFIX))
      ?.slice(EVENTS_TOKEN_PREFIX.length) ?? bearerToken(req)
  );
}

/** A body is JSON or nothing: a form or text/plain post (what another page can send without asking) is refused. */
function checkContentType(req: IncomingMessage): ApiError | undefined {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return undefined;
  return new ApiError('unsupported_media_type', `Request bodies must be JSON, not ${type || 'an undeclared type'}.`, 'Send the body as JSON with Content-Type: application/json.');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, httpStatusOf[error.code], error.toBody());
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new ApiError('payload_too_large', `Request body over ${limit} bytes.`, 'Send less data in one request.'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ApiError('payload_too_large', `Request body over ${limit} bytes.`, 'Send less data in one request.'));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startApiServer(opts: ApiServerOptions): Promise<RunningServer> {
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const log = opts.logger;
  let port = opts.port;
  const openapi = buildOpenApi(opts.version);

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** DNS rebinding and cross-site requests: the Host must be ours, an Origin (when sent) too. */
  function checkOrigin(req: IncomingMessage): ApiError | undefined {
    if (!req.headers.host || !allowedHosts().has(req.headers.host)) {
      return new ApiError('forbidden', 'Requests must be addressed to 127.0.0.1 or localhost.', `Open http://127.0.0.1:${port}/ instead.`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      return new ApiError('forbidden', `Requests from ${origin} are not allowed.`, 'Only the Axewallet page itself may use this API.');
    }
    return undefined;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!sameToken(bearerToken(req), opts.token)) {
      throw new ApiError(
        'unauthorized',
        'Missing or wrong API token (Axewallet makes a new one at every start).',
        'Open Axewallet with the URL printed at start (it carries the token), or send Authorization: Bearer <token>.',
      );
    }
    if (url.pathname === `${API_PREFIX}/openapi.json` && req.method === 'GET') {
      sendJson(res, 200, openapi);
      return;
    }
    const candidates = routes.filter((r) => r.pattern.test(url.pathname));
    if (candidates.length === 0) throw new ApiError('not_found', `No API route ${url.pathname}.`, `See ${API_PREFIX}/openapi.json for the routes.`);
    // a literal path wins over a parameter: GET /devices/usb is devices.usb, not devices.get with id "usb"
    const route = candidates.filter((r) => r.method === req.method).sort((a, b) => a.params.length - b.params.length)[0];
    if (!route) throw new ApiError('bad_request', `${req.method} is not allowed on ${url.pathname}.`, `Use ${candidates.map((r) => r.method).join(' or ')}.`);

    let input: Record<string, unknown> = {};
    if (req.method === 'GET') {
      for (const [k, v] of url.searchParams) input[k] = v;
    } else {
      const unsupported = checkContentType(req);
      if (unsupported) throw unsupported;
      const text = await readBody(req, limit);
      if (text.trim().length > 0) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new ApiError('bad_request', 'The request body is not valid JSON.', 'Send a JSON object.');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new ApiError('bad_request', 'The request body must be a JSON object.', 'Send a JSON object.');
        }
        input = parsed as Record<string, unknown>;
      }
    }
    const match = route.pattern.exec(url.pathname)!;
    for (const [i, name] of route.params.entries()) {
      try {
        input[name] = decodeURIComponent(match[i + 1]!);
      } catch {
        throw new ApiError('bad_request', `The ${name} in the address is not valid URL encoding.`, 'Check the address you called.', name);
      }
    }
    sendJson(res, 200, await opts.host.call(route.name, input));
  }

  /** The UI's files, public: the page reads the token from its own address (see renderer/src/api.ts). */
  function serveStatic(res: ServerResponse, url: URL): void {
    const headers: Record<string, string> = {
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    };
    const root = opts.staticDir;
    if (!root || !existsSync(join(root, 'index.html'))) {
      res.writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end('The Axewallet UI has not been built yet. Run `npm run build:renderer`, then reload. The API works meanwhile.');
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      throw new ApiError('not_found', 'No such file.');
    }
    const relative = normalize(decoded).replace(/^([/\\])+/, '');
    let file = join(root, relative);
    if (!file.startsWith(root + sep) && file !== root) throw new ApiError('not_found', 'No such file.');
    if (!existsSync(file) || !statSync(file).isFile()) file = join(root, 'index.html'); // single-page app routes
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { ...headers, 'content-type': type, 'cache-control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600' });
    createReadStream(file).pipe(res);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (opts.observe && OBSERVE_PATHS.has(url.pathname)) {
      serveObserve(req, res, url.pathname, opts.observe, sameToken(bearerToken(req), opts.token)).catch((error: unknown) => {
        log.error('request failed', { path: url.pathname, error: (error as Error)?.message });
        sendError(res, new ApiError('internal', 'The server failed to answer.', 'Try again; the Logs page has details.'));
      });
      return;
    }
    const rejected = checkOrigin(req);
    const work = rejected ? Promise.reject(rejected) : url.pathname.startsWith(`${API_PREFIX}/`) ? handleApi(req, res, url) : Promise.resolve().then(() => serveStatic(res, url));
    work.catch((error: unknown) => {
      const apiError = error instanceof ApiError ? error : new ApiError('internal', 'The server failed to answer.', 'Try again; the Logs page has details.');
      if (!(error instanceof ApiError)) log.error('request failed', { path: url.pathname, error: (error as Error)?.message });
      sendError(res, apiError);
    });
  });
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (_error, socket) => socket.destroy());

  // the answer names only the stream's protocol, never the token offer
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, handleProtocols: (offered) => (offered.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false) });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rejected = checkOrigin(req);
    const authorized = sameToken(eventsToken(req), opts.token);
    if (rejected || !authorized || url.pathname !== `${API_PREFIX}/events`) {
      socket.end(`HTTP/1.1 ${rejected ? '403 Forbidden' : authorized ? '404 Not Found' : '401 Unauthorized'}\r\nconnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const unsubscribe = opts.host.subscribe((event) => {
        // a slow consumer must not grow memory without bound: drop it instead
        if (ws.bufferedAmount > 8 * 1024 * 1024) ws.terminate();
        else ws.send(JSON.stringify(event));
      });
      ws.on('close', unsubscribe);
      ws.on('error', unsubscribe);
      ws.on('message', () => undefined);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    port,
    url: `${base}/?token=${opts.token}`,
    api: `${base}${API_PREFIX}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

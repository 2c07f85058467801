/**
 * The mint's HTTP face (node:http): routes, body size limits, bigint-safe JSON both ways, errors as
 * {detail, code}, and the fault hooks (offline, a 503 every Nth request, scripted refusals, lookup routes
 * switched off). Anything a client sends that breaks a rule ends as a 4xx answer; an unexpected failure ends
 * as a 500 with no internals in it, and the server keeps running. There is no route to create a quote: as
 * at hashpool's later mint, quotes come only from the pool (POST /v1/mint/quote/ehash answers 404).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { JSONInt } from '@cashu/cashu-ts';
import type { Logger } from '../../lib/log';
import { ErrorCode, MintErrorResponse } from './errors';
import type { LookupRoute } from './lookup';
import { METHOD, type Mint } from './mint';

export const MAX_BODY_BYTES = 512 * 1024;

type Handler = (mint: Mint, body: unknown, params: string[]) => unknown;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: Handler;
  /** a quote lookup route, answered only while the lookupRoutes hook lists it */
  lookup?: LookupRoute;
}

const ID = '([A-Za-z0-9_-]{1,128})';

function methodParam(method: string): string {
  if (method !== METHOD) throw new MintErrorResponse(ErrorCode.BAD_REQUEST, `payment method ${method} is not supported`, 400);
  return method;
}

const routes: Route[] = [
  { method: 'GET', pattern: /^\/v1\/info$/, handler: (m) => m.info() },
  { method: 'GET', pattern: /^\/v1\/keys$/, handler: (m) => m.keysJson() },
  { method: 'GET', pattern: new RegExp(`^/v1/keys/${ID}$`), handler: (m, _b, [id]) => m.keysJson(id) },
  { method: 'GET', pattern: /^\/v1\/keysets$/, handler: (m) => m.keysetsJson() },
  { method: 'POST', pattern: /^\/v1\/mint\/quote\/pubkey$/, lookup: 'pubkey', handler: (m, b) => m.lookupByPubkey('pubkey', b) },
  { method: 'POST', pattern: new RegExp(`^/v1/mint/quote/${ID}/pubkey$`), lookup: 'method', handler: (m, b, [method]) => m.lookupByPubkey('method', b, method) },
  { method: 'POST', pattern: new RegExp(`^/v1/mint/quote/${ID}/check$`), handler: (m, b, [method]) => (methodParam(method!), m.checkQuotes(b)) },
  { method: 'GET', pattern: new RegExp(`^/v1/mint/quote/${ID}/${ID}$`), handler: (m, _b, [method, id]) => (methodParam(method!), m.getQuote(id!)) },
  { method: 'POST', pattern: new RegExp(`^/v1/mint/${ID}/batch$`), handler: (m, b, [method]) => m.mintBatch(methodParam(method!), b) },
  { method: 'POST', pattern: new RegExp(`^/v1/mint/${ID}$`), handler: (m, b, [method]) => m.mint(methodParam(method!), b) },
  { method: 'POST', pattern: /^\/v1\/swap$/, handler: (m, b) => m.swap(b) },
  { method: 'POST', pattern: /^\/v1\/checkstate$/, handler: (m, b) => m.checkState(b) },
  { method: 'POST', pattern: /^\/v1\/restore$/, handler: (m, b) => m.restore(b) },
];

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSONInt.stringify(value) ?? 'null';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new MintErrorResponse(ErrorCode.BAD_REQUEST, `request body larger than ${MAX_BODY_BYTES} bytes`, 413));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new MintErrorResponse(ErrorCode.BAD_REQUEST, `request body larger than ${MAX_BODY_BYTES} bytes`, 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createMintServer(mint: Mint, logger: Logger): Server {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const every = mint.hooks.failEvery;
    if (every && requests % every === 0) {
      req.resume();
      send(res, 503, { detail: 'mint is overloaded', code: 0 });
      return;
    }
    void handle(mint, logger, req, res);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // CDK's server (hyper) keeps an idle connection until the client closes it; closing it after Node's 5 s default
  // races clients that reuse it (undici resets a POST sent on a socket the server just closed)
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(mint: Mint, logger: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const offline = mint.hooks.offline;
  if (offline === 'drop') {
    req.socket.destroy();
    return;
  }
  if (offline === 'refuse') {
    send(res, 503, { detail: 'mint is offline', code: 0 });
    return;
  }
  const path = (req.url ?? '/').split('?')[0]!;
  const refusal = mint.hooks.refuse?.find((r) => (typeof r.path === 'string' ? r.path === path : r.path.test(path)) && (r.times === undefined || r.times > 0));
  if (refusal) {
    if (refusal.times !== undefined) refusal.times--;
    req.resume();
    send(res, refusal.status ?? 400, { detail: `refused by a test hook (${refusal.code})`, code: refusal.code });
    return;
  }
  const enabled = mint.hooks.lookupRoutes ?? ['pubkey', 'method'];
  try {
    const route = routes.find((r) => r.method === req.method && r.pattern.test(path) && (!r.lookup || enabled.includes(r.lookup)));
    if (!route) {
      const known = routes.some((r) => r.pattern.test(path) && (!r.lookup || enabled.includes(r.lookup)));
      send(res, known ? 405 : 404, { detail: known ? 'method not allowed' : 'not found', code: ErrorCode.BAD_REQUEST });
      return;
    }
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req);
      try {
        body = JSONInt.parse(text);
      } catch {
        throw new MintErrorResponse(ErrorCode.BAD_REQUEST, 'request body is not valid JSON');
      }
    }
    const params = route.pattern.exec(path)!.slice(1);
    send(res, 200, route.handler(mint, body, params));
  } catch (error) {
    if (error instanceof MintErrorResponse) {
      logger.debug('request rejected', { path, code: error.code, detail: error.detail });
      if (!res.headersSent) send(res, error.status, { detail: error.detail, code: error.code });
      if (error.status === 413) res.once('finish', () => req.socket.destroy());
      return;
    }
    logger.error('request failed', { path, error: error as Error });
    if (!res.headersSent) send(res, 500, { detail: 'internal error', code: 0 });
  }
}

/**
 * One HTTP exchange with a peer we do not trust with our memory or our time: the answer's body is capped while it
 * arrives (a declared length over the cap is refused before reading), the whole exchange has a deadline (and
 * optionally a limit on silence), and redirects are never followed (the caller sees the 3xx). Node's own http, not
 * fetch: fetch's streams cost a mint pass ~0.6 ms of CPU per request (measured in docs/SPEED.md, 2026-12-06).
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** false when the peer broke off the body: `body` is what arrived */
  complete: boolean;
  /** the address this side used (a LAN device's refusal may depend on it) */
  localAddress?: string;
}

export type HttpFailureKind = 'unreachable' | 'timeout' | 'too-large';

export class HttpFailure extends Error {
  constructor(
    readonly kind: HttpFailureKind,
    message: string,
    /** the errno code of an unreachable peer (ECONNREFUSED, ...) */
    readonly code?: string,
    /** the status of an answer refused as too large */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

export interface HttpExchangeOptions {
  method: string;
  /** JSON text, sent with its length */
  json?: string;
  /** the whole exchange, from connecting to the body's last byte */
  deadlineMs: number;
  /** the longest the peer may stay silent (default: only the deadline) */
  silenceMs?: number;
  maxBodyBytes: number;
  /** a keep-alive agent, or false for a connection of its own */
  agent: http.Agent | false;
}

/** Keep-alive agents for peers asked again and again (a mint every pass). */
export function keepAliveAgent(protocol: string): http.Agent {
  return protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
}

export function httpExchange(url: string, options: HttpExchangeOptions): Promise<HttpReply> {
  const send = url.startsWith('https:') ? https.request : http.request;
  const payload = options.json === undefined ? undefined : Buffer.from(options.json, 'utf8');
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: HttpReply | HttpFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (outcome instanceof HttpFailure) reject(outcome);
      else resolve(outcome);
    };
    const fail = (failure: HttpFailure) => {
      settle(failure);
      req.destroy();
    };
    const req = send(
      url,
      {
        method: options.method,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        agent: options.agent,
        ...(options.silenceMs === undefined ? {} : { timeout: options.silenceMs }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const tooLarge = () => new HttpFailure('too-large', `more than ${options.maxBodyBytes} bytes`, undefined, status);
        if (Number(res.headers['content-length'] ?? NaN) > options.maxBodyBytes) return fail(tooLarge());
        const chunks: Buffer[] = [];
        let size = 0;
        const reply = (complete: boolean): HttpReply => {
          const out: HttpReply = { status, headers: res.headers, body: Buffer.concat(chunks, size).toString('utf8'), complete };
          const localAddress = req.socket?.localAddress;
          if (localAddress) out.localAddress = localAddress;
          return out;
        };
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBodyBytes) return fail(tooLarge());
          chunks.push(chunk);
        });
        res.on('end', () => settle(reply(true)));
        res.on('aborted', () => settle(reply(false)));
        res.on('error', () => settle(reply(false)));
      },
    );
    const timedOut = () => fail(new HttpFailure('timeout', `no answer within ${(options.silenceMs ?? options.deadlineMs) / 1000} s`));
    req.on('timeout', timedOut);
    const deadline = setTimeout(() => fail(new HttpFailure('timeout', `no whole answer within ${options.deadlineMs / 1000} s`)), options.deadlineMs);
    req.on('error', (error: NodeJS.ErrnoException) => settle(new HttpFailure('unreachable', error.code ?? error.message, error.code)));
    req.end(payload);
  });
}

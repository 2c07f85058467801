/**
 * The capped HTTP exchange against real servers on loopback that behave the way a broken or hostile peer could:
 * a body trickled byte by byte forever, one broken off halfway, a redirect, a certificate nobody vouches for, nobody
 * listening. (Caps are exercised through the mint and AxeOS clients' own tests.)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures';
import { HttpFailure, httpExchange, keepAliveAgent } from './http';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const exchange = { method: 'GET', deadlineMs: 10_000, maxBodyBytes: 1024 * 1024, agent: false as const };

describe('httpExchange', () => {
  it('sends JSON with its length and reads the answer over a kept-alive connection, twice', async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.headers['content-length']} ${body} ${req.socket.remotePort}`);
        res.end('{"ok":true}');
      });
    });
    const agent = keepAliveAgent('http:');
    for (let i = 0; i < 2; i++) {
      const reply = await httpExchange(`${url}/x`, { ...exchange, method: 'POST', json: '{"a":"é"}', agent });
      expect(reply).toMatchObject({ status: 200, body: '{"ok":true}', complete: true });
    }
    expect(seen[0]).toMatch(/^POST 10 \{"a":"é"\} \d+$/);
    // the same client port both times: one connection
    expect(seen[1]!.split(' ').at(-1)).toBe(seen[0]!.split(' ').at(-1));
    agent.destroy();
  });

  it('a body trickled a byte at a time, never silent for long, still ends at the deadline', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    });
    const failure = await httpExchange(url, { ...exchange, deadlineMs: 300, silenceMs: 200 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HttpFailure);
    expect(failure).toMatchObject({ kind: 'timeout', message: expect.stringContaining('no whole answer within 0.3 s') });
  });

  it('a peer silent past the silence limit is a timeout before the deadline', async () => {
    const url = await serve(() => undefined);
    await expect(httpExchange(url, { ...exchange, silenceMs: 100 })).rejects.toMatchObject({ kind: 'timeout', message: 'no answer within 0.1 s' });
  });

  it('a body broken off halfway comes back marked incomplete, with what arrived', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"half":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(await httpExchange(url, exchange)).toMatchObject({ status: 200, body: '{"half":', complete: false });
  });

  it('a redirect is handed back, not followed', async () => {
    let followed = false;
    const target = await serve((_req, res) => {
      followed = true;
      res.end('{}');
    });
    const url = await serve((_req, res) => {
      res.writeHead(307, { location: `${target}/v1/info` });
      res.end();
    });
    const reply = await httpExchange(url, exchange);
    expect(reply.status).toBe(307);
    expect(reply.headers.location).toBe(`${target}/v1/info`);
    expect(followed).toBe(false);
  });

  it('https: a mint behind TLS is asked over TLS, and a certificate nobody vouches for is refused, not trusted', async () => {
    const [cert, key] = [readFixture('tls', 'loopback.crt'), readFixture('tls', 'loopback.key')];
    const server = createHttpsServer({ cert, key }, (_req, res) => res.end('{"name":"tls mint"}'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/info`;
    const trusting = new HttpsAgent({ ca: cert });
    expect(await httpExchange(url, { ...exchange, agent: trusting })).toMatchObject({ status: 200, body: '{"name":"tls mint"}' });
    trusting.destroy();
    // the agent the mint client uses checks certificates against the system's authorities
    const failure = await httpExchange(url, { ...exchange, agent: keepAliveAgent('https:') }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ kind: 'unreachable', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('nobody listening: unreachable, with the errno code', async () => {
    const url = await serve(() => undefined);
    servers[0]!.close();
    await new Promise((r) => setTimeout(r, 20));
    await expect(httpExchange(url, exchange)).rejects.toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED' });
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Engine, startEngine } from '../app';
import { apiTokenForStart } from '../config/home';
import { type RunningServer, startApiServer } from './server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

describe('headless server', () => {
  let home: string;
  let engine: Engine;
  let server: RunningServer;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}` });
  const json = () => ({ ...auth(), 'content-type': 'application/json' });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'axw-server-'));
    engine = await startEngine({ home, mode: 'headless', logToStderr: false, overrides: { stratumPort: 0 } });
    token = apiTokenForStart(home, false);
    const staticDir = join(home, 'ui');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Axewallet</title>');
    server = await startApiServer({ host: engine.host, token, port: 0, version: 'test', logger: engine.logger, staticDir });
  });

  afterAll(async () => {
    await server.close();
    await engine.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('answers status with the token', async () => {
    const reply = await send(server.port, { path: '/api/v1/status', headers: auth() });
    expect(reply.status).toBe(200);
    const status = JSON.parse(reply.body);
    expect(status).toMatchObject({ mode: 'headless', home, demo: true });
    expect(typeof status.uptimeSeconds).toBe('number');
  });

  it('refuses API requests without the bearer token or with a wrong one (401), a token in a cookie or the URL included', async () => {
    expect((await send(server.port, { path: '/api/v1/status' })).status).toBe(401);
    const wrong = await send(server.port, { path: '/api/v1/status', headers: { authorization: `Bearer ${'0'.repeat(64)}` } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error.hint).toMatch(/URL printed at start/);
    expect((await send(server.port, { path: `/api/v1/status?token=${token}` })).status).toBe(401);
    expect((await send(server.port, { path: '/api/v1/status', headers: { cookie: `axewallet_token=${token}` } })).status).toBe(401);
  });

  it("serves the UI's files to anyone and never sets a cookie, with or without the token in the address", async () => {
    for (const path of ['/', `/?token=${token}`, '/wallet']) {
      const reply = await send(server.port, { path });
      expect(reply.status, path).toBe(200);
      expect(reply.body).toContain('<title>Axewallet</title>');
      expect(reply.headers['set-cookie'], path).toBeUndefined();
      expect(reply.body).not.toContain(token);
      expect(String(reply.headers['content-security-policy'])).toMatch(/default-src 'self'/);
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('takes request bodies as JSON only (415 otherwise); a request without a body needs no type', async () => {
    const body = JSON.stringify({ theme: 'dark' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const headers: Record<string, string> = { ...auth(), ...(type ? { 'content-type': type } : {}) };
      const reply = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers, body });
      expect(reply.status, String(type)).toBe(415);
      expect(JSON.parse(reply.body).error).toMatchObject({ code: 'unsupported_media_type', hint: expect.stringMatching(/application\/json/) });
    }
    const read = JSON.parse((await send(server.port, { path: '/api/v1/settings', headers: auth() })).body);
    expect(read.theme).not.toBe('dark');
    const typed = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: { ...auth(), 'content-type': 'application/json; charset=utf-8' }, body });
    expect(typed.status).toBe(200);
    expect((await send(server.port, { method: 'POST', path: '/api/v1/wallet/lock', headers: auth() })).status).not.toBe(415);
  });

  it('refuses foreign Origin and Host headers (403), even with the token', async () => {
    const origin = await send(server.port, { path: '/api/v1/status', headers: { ...auth(), origin: 'http://evil.example' } });
    expect(origin.status).toBe(403);
    const host = await send(server.port, { path: '/api/v1/status', headers: { ...auth(), host: `rebind.example:${server.port}` } });
    expect(host.status).toBe(403);
    const sameOrigin = await send(server.port, { path: '/api/v1/status', headers: { ...auth(), origin: `http://127.0.0.1:${server.port}` } });
    expect(sameOrigin.status).toBe(200);
  });

  it('answers malformed JSON and schema violations with 400 and a message', async () => {
    const malformed = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: { ...auth(), 'content-type': 'application/json' }, body: '{"stratumPort":' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error.message).toMatch(/not valid JSON/);
    const invalid = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: json(), body: JSON.stringify({ stratumPort: 'eighty' }) });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error).toMatchObject({ code: 'bad_request', field: 'stratumPort' });
    const badUpstream = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: json(), body: JSON.stringify({ upstreams: [{ url: 'http://pool' }] }) });
    expect(badUpstream.status).toBe(400);
    expect(JSON.parse(badUpstream.body).error.message).toMatch(/stratum2\+tcp/);
    const badHost = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: json(), body: JSON.stringify({ stratumHost: 'every interface please' }) });
    expect(badHost.status).toBe(400);
    expect(JSON.parse(badHost.body).error).toMatchObject({ field: 'stratumHost', message: expect.stringMatching(/host name or an IP address/) });
    const unknownField = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: json(), body: JSON.stringify({ nonsense: 1 }) });
    expect(unknownField.status).toBe(400);
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const reply = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: json(), body: big }).catch(() => ({ status: 413 }) as Reply);
    expect(reply.status).toBe(413);
    expect((await send(server.port, { path: '/api/v1/status', headers: auth() })).status).toBe(200);
  });

  it('saves settings and reads them back', async () => {
    const saved = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: json(), body: JSON.stringify({ stratumPort: 3333, theme: 'dark' }) });
    expect(saved.status).toBe(200);
    const read = JSON.parse((await send(server.port, { path: '/api/v1/settings', headers: auth() })).body);
    expect(read).toMatchObject({ stratumPort: 3333, theme: 'dark' });
  });

  it('refuses a static locking key without the passphrase that opens the wallet, so a lock never strands it', async () => {
    const post = (path: string, body: unknown) => send(server.port, { method: 'POST', path: `/api/v1${path}`, headers: json(), body: JSON.stringify(body) });
    expect((await post('/wallet/create', { passphrase: 'the right passphrase' })).status).toBe(200);
    const privkey = '11'.repeat(32);
    const wrong = await post('/wallet/locking-key', { privkey, passphrase: 'some other passphrase' });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body).error).toMatchObject({ field: 'passphrase' });
    expect((await post('/wallet/locking-key', { privkey })).status).toBe(423);
    expect(JSON.parse((await send(server.port, { path: '/api/v1/wallet', headers: auth() })).body)).toMatchObject({ lockingKeyMode: 'derived' });

    const right = await post('/wallet/locking-key', { privkey, passphrase: 'the right passphrase' });
    expect(right.status).toBe(200);
    expect(JSON.parse(right.body)).toMatchObject({ lockingKeyMode: 'static' });
    expect((await post('/wallet/lock', {})).status).toBe(200);
    const unlocked = await post('/wallet/unlock', { passphrase: 'the right passphrase' });
    expect(unlocked.status).toBe(200);
    expect(JSON.parse(unlocked.body)).toMatchObject({ locked: false, lockingKeyMode: 'static' });
  });

  it('publishes an OpenAPI document generated from the contract', async () => {
    const reply = await send(server.port, { path: '/api/v1/openapi.json', headers: auth() });
    expect(reply.status).toBe(200);
    const doc = JSON.parse(reply.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/status'].get.operationId).toBe('status.get');
    expect(doc.paths['/api/v1/settings'].put.requestBody).toBeDefined();
  });

  it('answers unknown routes, wrong methods and broken URL encoding with JSON errors', async () => {
    expect((await send(server.port, { path: '/api/v1/nope', headers: auth() })).status).toBe(404);
    expect((await send(server.port, { method: 'POST', path: '/api/v1/devices/%E0%A4%A/restart', headers: auth() })).status).toBe(400);
    expect((await send(server.port, { method: 'DELETE', path: '/api/v1/status', headers: auth() })).status).toBe(400);
  });

  it('streams events over a WebSocket to same-origin clients with the token in a header, never in the URL', async () => {
    const base = `ws://127.0.0.1:${server.port}/api/v1/events`;
    const refusal = (url: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, protocols, options);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await refusal(base)).toBe(401);
    expect(await refusal(`${base}?token=${token}`)).toBe(401);
    expect(await refusal(base, [], { headers: { cookie: `axewallet_token=${token}` } })).toBe(401);
    expect(await refusal(base, ['axewallet.v1', `axewallet.token.${'0'.repeat(64)}`])).toBe(401);
    expect(await refusal(base, ['axewallet.v1', `axewallet.token.${token}`], { origin: 'http://evil.example' })).toBe(403);
    expect(await refusal(base, ['axewallet.v1', `axewallet.token.${token}`], { origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
    // a script may send the bearer header instead
    expect(await refusal(base, [], { headers: auth() })).toBe(101);

    // what the browser does: the token as a subprotocol offer; the answer names only the stream's protocol
    const ws = new WebSocket(base, ['axewallet.v1', `axewallet.token.${token}`], { origin: `http://127.0.0.1:${server.port}` });
    await new Promise((resolve) => ws.once('open', resolve));
    expect(ws.protocol).toBe('axewallet.v1');
    const got = new Promise<{ type: string }>((resolve) =>
      ws.on('message', (data) => {
        const event = JSON.parse(String(data));
        if (event.type === 'settings') resolve(event);
      }),
    );
    await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: json(), body: JSON.stringify({ theme: 'light' }) });
    expect((await got).type).toBe('settings');
    ws.close();
  });
});

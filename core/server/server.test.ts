import { mkdtempSync, rmSync } from 'node:fs';
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

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'axw-server-'));
    engine = await startEngine({ home, mode: 'headless', logToStderr: false, overrides: { stratumPort: 0 } });
    token = apiTokenForStart(home, false);
    server = await startApiServer({ host: engine.host, token, port: 0, version: 'test', logger: engine.logger });
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

  it('refuses requests without a token or with a wrong one (401)', async () => {
    expect((await send(server.port, { path: '/api/v1/status' })).status).toBe(401);
    const wrong = await send(server.port, { path: '/api/v1/status', headers: { authorization: `Bearer ${'0'.repeat(64)}` } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error.hint).toMatch(/URL printed at start/);
    expect((await send(server.port, { path: '/' })).status).toBe(401);
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
    const invalid = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: auth(), body: JSON.stringify({ stratumPort: 'eighty' }) });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error).toMatchObject({ code: 'bad_request', field: 'stratumPort' });
    const badUpstream = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: auth(), body: JSON.stringify({ upstreams: [{ url: 'http://pool' }] }) });
    expect(badUpstream.status).toBe(400);
    expect(JSON.parse(badUpstream.body).error.message).toMatch(/stratum2\+tcp/);
    const badHost = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: auth(), body: JSON.stringify({ stratumHost: 'every interface please' }) });
    expect(badHost.status).toBe(400);
    expect(JSON.parse(badHost.body).error).toMatchObject({ field: 'stratumHost', message: expect.stringMatching(/host name or an IP address/) });
    const unknownField = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: auth(), body: JSON.stringify({ nonsense: 1 }) });
    expect(unknownField.status).toBe(400);
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const reply = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: auth(), body: big }).catch(() => ({ status: 413 }) as Reply);
    expect(reply.status).toBe(413);
    expect((await send(server.port, { path: '/api/v1/status', headers: auth() })).status).toBe(200);
  });

  it('saves settings and reads them back', async () => {
    const saved = await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: auth(), body: JSON.stringify({ stratumPort: 3333, theme: 'dark' }) });
    expect(saved.status).toBe(200);
    const read = JSON.parse((await send(server.port, { path: '/api/v1/settings', headers: auth() })).body);
    expect(read).toMatchObject({ stratumPort: 3333, theme: 'dark' });
  });

  it('refuses a static locking key without the passphrase that opens the wallet, so a lock never strands it', async () => {
    const json = { ...auth(), 'content-type': 'application/json' };
    const post = (path: string, body: unknown) => send(server.port, { method: 'POST', path: `/api/v1${path}`, headers: json, body: JSON.stringify(body) });
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

  it('sets an HttpOnly cookie from the token URL and serves the page with a strict CSP', async () => {
    const reply = await send(server.port, { path: `/?token=${token}` });
    expect(String(reply.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(String(reply.headers['content-security-policy'])).toMatch(/default-src 'self'/);
  });

  it('streams events over a WebSocket only to authorized same-origin clients', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/events`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(401);
    const foreign = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/events?token=${token}`, { origin: 'http://evil.example' });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(foreign).toBe(403);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/v1/events?token=${token}`);
    await new Promise((resolve) => ws.once('open', resolve));
    const got = new Promise<{ type: string }>((resolve) => ws.on('message', (data) => {
      const event = JSON.parse(String(data));
      if (event.type === 'settings') resolve(event);
    }));
    await send(server.port, { method: 'PUT', path: '/api/v1/settings', headers: auth(), body: JSON.stringify({ theme: 'light' }) });
    expect((await got).type).toBe('settings');
    ws.close();
  });
});

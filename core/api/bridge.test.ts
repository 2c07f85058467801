/** The HTTP bridge's own error: Axewallet not reachable at all is the typed code `offline`, not a message to compare. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpBridge } from './bridge';

/** a loopback port that was just free and has nobody listening on it now */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('the HTTP bridge', () => {
  it('says offline, with what to do next, when nothing answers', async () => {
    const bridge = createHttpBridge({ baseUrl: `http://127.0.0.1:${await closedPort()}`, token: () => 'a'.repeat(64) });
    const error = await bridge.call('status.get', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ApiError', code: 'offline', message: 'Axewallet is not answering.' });
    expect((error as { hint?: string }).hint).toMatch(/still running/);
  });

  it('an engine that answers with an error keeps its own code (a part not running is unavailable, not offline)', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: '"mining.get" is not available right now.' } }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const bridge = createHttpBridge({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: () => 'a'.repeat(64) });
      await expect(bridge.call('mining.get', {})).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});

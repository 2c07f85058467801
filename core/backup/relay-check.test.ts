/** "Test this relay" against real relays on loopback, each kind of failure in plain words. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { silentLogger } from '../../lib/log';
import { checkRelay, plainRelayError } from './relay-check';

describe('relay test before adding', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  const relay = async () => {
    const r: RunningRelay = await startRelay();
    closers.push(() => r.close());
    return r;
  };
  const check = (url: string) => checkRelay(url, { logger: silentLogger, timeoutMs: 3000 });

  it('a working relay: NIP-11 read, an event written and read back', async () => {
    const r = await relay();
    const result = await check(r.url);
    expect(result).toMatchObject({ ok: true, name: 'axewallet devnet relay' });
    expect(result.checks.map((c) => [c.check, c.ok])).toEqual([
      ['info', true],
      ['connect', true],
      ['write', true],
      ['read', true],
    ]);
  });

  it('nothing listening: says so, and what to check', async () => {
    const r = await relay();
    await r.close();
    const result = await check(r.url);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^Nothing answers at 127\.0\.0\.1:\d+\.$/);
    expect(result.hint).toMatch(/down or the address/);
    expect(result.error).not.toMatch(/ECONNREFUSED/);
  });

  it('a web server that is not a relay', async () => {
    const http = createServer((_req, res) => {
      res.writeHead(404);
      res.end('not here');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const result = await check(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/nostr`);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/answers, but not as a nostr relay \(HTTP 404\)/);
  });

  it('a relay that refuses writes, and one that says OK but keeps nothing', async () => {
    const refusing = await relay();
    refusing.hooks.refuseEvent = () => 'restricted: members only';
    const refused = await check(refusing.url);
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/does not accept events from this wallet: members only/) });
    expect(refused.checks.find((c) => c.check === 'write')?.ok).toBe(false);

    const dropping = await relay();
    dropping.hooks.dropEvents = true;
    const dropped = await check(dropping.url);
    expect(dropped).toMatchObject({ ok: false, error: 'The relay said it stored the test event but does not return it.' });
    expect(dropped.hint).toMatch(/lose your backup/);
  });

  it('socket-level messages become words a user can act on', () => {
    const url = 'wss://relay.example.invalid';
    expect(plainRelayError(url, `${url}: cannot connect: getaddrinfo ENOTFOUND relay.example.invalid`)).toEqual({
      message: 'There is no server named relay.example.invalid.',
      hint: 'Check the spelling of the relay address.',
    });
    expect(plainRelayError(url, `${url}: cannot connect: self-signed certificate`).message).toBe('relay.example.invalid has no valid security certificate.');
    expect(plainRelayError(url, `${url}: no end of stored events in time`).message).toBe('relay.example.invalid did not answer in time.');
    expect(plainRelayError(url, 'accepted but does not return 2 of 3 backup event(s)').message).toMatch(/said it stored 2 of 3 backup event\(s\) but does not return them/);
  });
});

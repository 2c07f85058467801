import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../test/fixtures';
import { type Simulator, startSimulator } from '../sim/simulator';
import { AxeosClient, AxeosError, explainUnauthorized, normalizeAddress } from './client';
import { subscribeLive, subscribeLogs } from './live';
import { capabilitiesOf, mergeLiveDiff, normalizeInfo, parseDifficulty, parseFirmwareVersion } from './normalize';
import { until } from '../../test/until';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function sim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator({ bootMs: 200, restartDelayMs: 50, liveIntervalMs: 50, ...opts });
  cleanups.push(() => s.stop());
  return s;
}

describe('normalising AxeOS versions', () => {
  it('reads the real v2.15 example', () => {
    const info = normalizeInfo(readFixtureJson('axeos', 'research-bitaxe', 'system_info_example.json'));
    expect(info.mac).toBe('A0:B7:65:12:34:56');
    expect(info.firmware).toMatchObject({ major: 2, minor: 15, patch: 0 });
    expect(info.capabilities).toEqual({ poolsApi: true, pauseResume: true, fanSpeedKey: 'manualFanSpeed' });
    expect(info.bestDiff).toBe(2839541243);
    expect(info.poolDifficulty).toBe(1024);
    expect(info.usingFallback).toBe(false);
    expect(info.pools.map((p) => `${p.slot}:${p.url}:${p.port}`)).toEqual(['0:public-pool.io:3333', '1:solo.ckpool.org:3333']);
    expect(info.pools[0]?.password).toBeUndefined(); // "*****" is a mask, not a password
    expect(info.rejectReasons).toEqual([
      { message: 'Above target', count: 3 },
      { message: 'Stale', count: 1 },
    ]);
  });

  it('reads the AxeOS web UI mock (booleans where the firmware sends integers)', () => {
    const info = normalizeInfo(readFixtureJson('axeos', 'mock', 'system_info.mock.json'));
    expect(info.mac).toBe('2C:54:91:88:C9:E3');
    expect(info.hashrate1m).toBe(476);
    expect(info.pools[0]?.tls).toBe(0);
  });

  it('parses suffixed difficulties, old pool-difficulty names and flat pools', () => {
    expect(parseDifficulty('4.29G')).toBeCloseTo(4.29e9);
    expect(parseDifficulty('512')).toBe(512);
    expect(parseDifficulty('garbage')).toBe(0);
    const old = normalizeInfo({
      macAddr: 'aa:bb:cc:dd:ee:ff',
      version: 'v2.5.1',
      stratumDiff: 512,
      bestDiff: '1.50M',
      stratumURL: 'p.example',
      stratumPort: 3333,
      stratumUser: 'u',
      fallbackStratumURL: 'f.example',
      fallbackStratumPort: 4444,
      fallbackStratumUser: 'u',
    });
    expect(old.poolDifficulty).toBe(512);
    expect(old.bestDiff).toBe(1.5e6);
    expect(old.capabilities).toEqual({ poolsApi: false, pauseResume: false, fanSpeedKey: 'fanspeed' });
    expect(old.pools.map((p) => p.url)).toEqual(['p.example', 'f.example']);
    expect(capabilitiesOf(parseFirmwareVersion('v2.14.0b1')).pauseResume).toBe(true);
    expect(() => normalizeInfo({ hello: 'world' })).toThrow(/macAddr/);
  });

  it('merges live diffs: nested objects key by key, arrays whole', () => {
    const merged = mergeLiveDiff({ a: 1, nested: { x: 1, y: 2 }, list: [1, 2] }, { nested: { y: 3 }, list: [9] });
    expect(merged).toEqual({ a: 1, nested: { x: 1, y: 3 }, list: [9] });
  });

  it('accepts the usual ways to write an address and refuses the rest', () => {
    expect(normalizeAddress('192.168.1.42')).toBe('http://192.168.1.42');
    expect(normalizeAddress('http://127.0.0.2:8080/')).toBe('http://127.0.0.2:8080');
    expect(() => normalizeAddress('https://x.local')).toThrow(/plain http/);
    expect(() => normalizeAddress('http://x.local/admin')).toThrow(/path/);
  });

  it('explains a 401 by the network rule that failed', () => {
    expect(explainUnauthorized('203.0.113.9', 'bitaxe').message).toMatch(/203\.0\.113\.9 is not in a private range/);
    expect(explainUnauthorized('fe80::1', 'bitaxe').message).toMatch(/IPv6/);
    expect(explainUnauthorized('192.168.1.5', 'bitaxe').message).toMatch(/origin/);
  });
});

describe.each(['v2.9', 'v2.14', 'v2.15'] as const)('AxeOS client against a simulated %s', (firmware) => {
  it('reads info, asic, scoreboard, statistics and logs; writes pools the way this firmware understands', async () => {
    const s = await sim({ firmware, model: 'supra' });
    const client = new AxeosClient(s.http);
    const { info } = await client.info();
    expect(info.mac).toBe(s.mac);
    expect(info.asicModel).toBe('BM1368');
    expect(info.firmware.raw.startsWith(firmware)).toBe(true);
    expect(info.capabilities.poolsApi).toBe(firmware === 'v2.15');
    expect(await client.asic()).toMatchObject({ deviceModel: 'Supra' });
    expect(Array.isArray(await client.scoreboard())).toBe(true);
    expect(await client.statistics(['hashrate', 'power'])).toMatchObject({ labels: ['hashrate', 'power', 'timestamp'] });
    expect(await client.logText()).toContain('Found Device Model: Supra');

    const primary = { slot: 2, url: '127.0.0.1', port: 34255, user: 'w.1', password: 'x', protocol: 'SV1' as const, tls: 0 };
    const fallback = info.pools[0];
    await client.writePools(info, primary, fallback && { ...fallback, slot: info.primaryPool }, { primary: 2, secondary: info.primaryPool });
    const after = (await client.info()).info;
    const selected = after.pools.find((p) => p.slot === after.primaryPool);
    const second = after.pools.find((p) => p.slot === after.secondaryPool);
    expect(selected?.url).toBe('127.0.0.1');
    expect(selected?.port).toBe(34255);
    expect(second?.url).toBe('public-pool.io');

    if (firmware === 'v2.9') {
      await expect(client.pause(info.firmware.raw)).rejects.toMatchObject({ kind: 'unsupported' });
    } else {
      await client.pause(info.firmware.raw);
      expect((await client.info()).info.miningPaused).toBe(true);
      await client.resume(info.firmware.raw);
      expect((await client.info()).info.miningPaused).toBe(false);
    }
    await expect(client.patch({ temptarget: 99 })).rejects.toMatchObject({ kind: 'rejected', status: 400 });
  });

  it('keeps a full state from ws/live across a restart and streams logs', async () => {
    const s = await sim({ firmware });
    const states: Array<Record<string, unknown>> = [];
    const connected: boolean[] = [];
    const live = subscribeLive(s.http, (state) => states.push(state), { retryDelayMs: 100, onStatus: (c) => connected.push(c) });
    cleanups.push(() => live.close());
    const lines: string[] = [];
    const logs = subscribeLogs(s.http, (line) => lines.push(line), { retryDelayMs: 100 });
    cleanups.push(() => logs.close());
    await until(() => states.length >= 2, 'two live frames');
    expect(Object.keys(states.at(-1) ?? {}).length).toBeGreaterThan(80);
    await new AxeosClient(s.http).restart();
    await until(() => connected.filter((c) => c).length >= 2, 'live stream reconnected after restart');
    await until(async () => {
      await new AxeosClient(s.http).patch({ temptarget: 58 });
      return lines.some((l) => l.includes('Settings updated'));
    }, 'a log line after the restart');
    expect(states.at(-1)?.macAddr).toBe(s.mac);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });
});

describe('bad replies become clear errors', () => {
  async function fakeDevice(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(r);
        }),
    );
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const cases: Array<[string, http.RequestListener, string, RegExp]> = [
    ['HTML instead of JSON', (_q, s) => s.end('<html><body>Router login</body></html>'), 'not-json', /web page/],
    ['truncated JSON', (_q, s) => s.end('{"power":17.8,"macAddr":"A0:B'), 'truncated', /incomplete/],
    [
      'a connection cut mid-body',
      (_q, s) => {
        s.writeHead(200, { 'content-length': '500' });
        s.write('{"power":1');
        setTimeout(() => s.socket?.destroy(), 20);
      },
      'truncated',
      /incomplete/,
    ],
    [
      '401',
      (_q, s) => {
        s.writeHead(401);
        s.end('Unauthorized');
      },
      'unauthorized',
      /refused the request \(401\)/,
    ],
    [
      '500',
      (_q, s) => {
        s.writeHead(500);
        s.end('boom');
      },
      'http-error',
      /HTTP 500/,
    ],
    ['JSON that is not AxeOS', (_q, s) => s.end('{"hello":"world"}'), 'not-axeos', /macAddr/],
    ['no answer at all', () => undefined, 'timeout', /did not answer within 0.3 s/],
    [
      'a reply trickled byte by byte forever',
      (_q, s) => {
        s.writeHead(200);
        const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write(' ')), 50);
        s.on('close', () => clearInterval(timer));
      },
      'timeout',
      /did not answer/,
    ],
  ];

  it.each(cases)('%s', async (_name, handler, kind, message) => {
    const url = await fakeDevice(handler);
    const error = await new AxeosClient(url, { timeoutMs: 300 }).info().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AxeosError);
    expect((error as AxeosError).kind).toBe(kind);
    expect((error as AxeosError).message).toMatch(message);
    expect((error as AxeosError).hint.length).toBeGreaterThan(10);
  });

  it('a device that went away', async () => {
    const url = await fakeDevice((_q, s) => s.end('{}'));
    const port = new URL(url).port;
    await cleanups.pop()?.();
    const error = (await new AxeosClient(`127.0.0.1:${port}`, { timeoutMs: 300 }).info().catch((e: unknown) => e)) as AxeosError;
    expect(error.kind).toBe('unreachable');
    expect(error.hint).toMatch(/discovery/);
  });
});

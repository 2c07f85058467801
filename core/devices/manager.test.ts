import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../device/sim/simulator';
import { type DevnetPool, startPool } from '../../devnet/pool/pool';
import type { ApiEvent } from '../api/contract';
import { ApiError } from '../api/define';
import { ApiHost } from '../api/host';
import { silentLogger } from '../../lib/log';
import { type DeviceManager, type DeviceManagerOptions, deviceIdOf } from './manager';
import { testDeviceManager } from './testing/test-manager';
import { registerDevicesApi } from './api';
import { AlertCenter, registerAlertsApi, startAlertPipeline } from '../alerts';
import { until } from '../../test/until';
import { testProxy } from '../stratum/testing/test-proxy';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'axw-devices-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function sim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator({ bootMs: 400, restartDelayMs: 50, liveIntervalMs: 100, ...opts });
  cleanups.push(() => s.stop());
  return s;
}

/** The devnet pool's Stratum V1 port at a difficulty a CPU-speed simulator meets a few times a second (the firmware's suggestion of 1000 ignored, as some pools do). */
async function sv1Pool(): Promise<DevnetPool> {
  const p = await startPool({ sv1StartDifficulty: 1e-6, sv1HonoursSuggestedDifficulty: false });
  cleanups.push(() => p.close());
  return p;
}

/** the simulated miners the pool is serving now */
const minersOn = (p: DevnetPool) => p.stats().channels.filter((c) => c.open);

function setup(extra: Partial<DeviceManagerOptions> = {}, dir = tempDir()): { manager: DeviceManager; host: ApiHost; events: ApiEvent[]; dbPath: string } {
  const dbPath = join(dir, 'devices.sqlite');
  const manager = testDeviceManager(dir, {
    sampleIntervalMs: 100,
    requestTimeoutMs: 1000,
    confirmTimeoutMs: 15_000,
    rebootTimeoutMs: 15_000,
    ...extra,
  });
  cleanups.push(() => manager.stop());
  const host = new ApiHost();
  const events: ApiEvent[] = [];
  registerDevicesApi(host, manager);
  const alerts = new AlertCenter();
  registerAlertsApi(host, alerts);
  const pipeline = startAlertPipeline(alerts, { devices: manager }, { logger: silentLogger });
  cleanups.push(() => pipeline.stop());
  host.subscribe((e) => events.push(e));
  return { manager, host, events, dbPath };
}

describe('device manager through the API', () => {
  it('adds a device by address, keeps live state, history, logs, and controls it', async () => {
    const s = await sim({ firmware: 'v2.15', model: 'gamma', host: '127.0.0.30' });
    const { manager, host, events } = setup();
    const { device } = await host.invoke('devices.add', { address: s.http });
    expect(device.id).toBe(deviceIdOf(s.mac));
    expect(device).toMatchObject({ status: 'online', asicModel: 'BM1370', firmware: 'v2.15.0', capabilities: { poolsApi: true, pauseResume: true } });
    manager.start();
    await until(async () => (await host.invoke('devices.history', { id: device.id, range: '1h' })).samples.length >= 3, 'three history points');
    await host.invoke('devices.identify', { id: device.id });
    await host.invoke('devices.setPools', { id: device.id, primary: { url: '127.0.0.1', port: 1, user: 'x' } }).catch(() => undefined);
    await until(async () => (await host.invoke('devices.logs', { id: device.id, limit: 50 })).lines.some((l) => l.includes('Settings updated')), 'device log lines');
    expect((await host.invoke('devices.pause', { id: device.id })).device.miningPaused).toBe(true);
    expect((await host.invoke('devices.resume', { id: device.id })).device.miningPaused).toBe(false);
    expect(events.some((e) => e.type === 'device.state')).toBe(true);
    expect(events.some((e) => e.type === 'device.log' && !e.line.includes('\x1b'))).toBe(true);
    expect((await host.invoke('devices.list', {})).devices).toHaveLength(1);
    expect(await host.invoke('devices.remove', { id: device.id })).toEqual({ removed: true });
    await expect(host.invoke('devices.get', { id: device.id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps devices and history across a restart of Axewallet', async () => {
    const s = await sim();
    const dir = tempDir();
    const first = setup({}, dir);
    const { device } = await first.host.invoke('devices.add', { address: s.http });
    first.manager.start();
    await until(() => first.manager.history(device.id, '1h').length >= 2, 'history points');
    await first.manager.stop();
    const second = setup({}, dir);
    expect(second.manager.list().map((d) => d.id)).toEqual([device.id]);
    expect(second.manager.history(device.id, '24h').length).toBeGreaterThanOrEqual(2);
  });

  it('on v2.9 pause is refused with a clear reason', async () => {
    const s = await sim({ firmware: 'v2.9' });
    const { host } = setup();
    const { device } = await host.invoke('devices.add', { address: s.http });
    await expect(host.invoke('devices.pause', { id: device.id })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/v2.14 or newer/) });
  });
});

describe.each(['v2.15', 'v2.14'] as const)('point a simulated %s at Axewallet', (firmware) => {
  it('mines through the proxy with the old pool as fallback, and undo restores it', async () => {
    // the proxy's upstream: a plain Sv1 pool (the proxy treats it like any Sv1 pool)
    const upstream = await sv1Pool();
    const dir = tempDir();
    const proxy = testProxy([`stratum+tcp://${upstream.sv1.host}:${upstream.sv1.port}`], join(dir, 'ledger.sqlite'));
    cleanups.push(() => proxy.stop());
    const endpoint = await proxy.start();
    const oldPool = await sv1Pool();
    const s = await sim({ firmware, host: firmware === 'v2.15' ? '127.0.0.31' : '127.0.0.32', pool: { ...oldPool.sv1, user: 'bc1qme.bitaxe' } });
    await until(() => minersOn(oldPool).length === 1, 'device mining on its old pool');

    const { host, manager } = setup({ proxyEndpoint: () => endpoint, proxyMiners: () => proxy.snapshot().miners, confirmTimeoutMs: 30_000, rebootTimeoutMs: 30_000 }, dir);
    const { device } = await host.invoke('devices.add', { address: s.http });
    const { device: pointed, proxy: target } = await host.invoke('devices.useProxy', { id: device.id });
    expect(target).toEqual({ host: '127.0.0.1', port: endpoint.port });
    const miner = proxy.snapshot().miners.find((m) => m.address.startsWith(`${s.host}:`));
    expect(miner?.worker).toBe('bc1qme.bitaxe');
    expect(miner?.userAgent).toMatch(/^bitaxe\/BM1370\/v2\.1[45]/);
    // the proxy lists a miner from its authorize on; the device counts itself connected once answered
    await until(() => s.stratum().connected, 'device authorized by the proxy');
    expect(s.stratum()).toMatchObject({ usingFallback: false, pool: `127.0.0.1:${endpoint.port}` });
    expect(pointed.viaAxewallet).toBe(true);
    expect(pointed.canUndoProxy).toBe(true);
    const fallback = pointed.pools.find((p) => p.slot === pointed.secondaryPool);
    expect(`${fallback?.url}:${fallback?.port}`).toBe(`${oldPool.sv1.host}:${oldPool.sv1.port}`);
    await until(() => minersOn(oldPool).length === 0, 'old pool left');

    const { device: restored } = await host.invoke('devices.undoProxy', { id: device.id });
    expect(restored.canUndoProxy).toBe(false);
    expect(restored.viaAxewallet).toBe(false);
    await until(() => minersOn(oldPool).length === 1, 'back on the old pool');
    expect(s.stratum().pool).toBe(`${oldPool.sv1.host}:${oldPool.sv1.port}`);
    if (firmware === 'v2.15') expect(restored.pools.map((p) => p.slot).sort()).toEqual([0, 1]); // the proxy slot is cleared again
    await expect(host.invoke('devices.undoProxy', { id: device.id })).rejects.toMatchObject({ code: 'conflict' });
    expect(manager.get(device.id).status).toBe('online');
  });
});

describe('use-proxy when something is wrong', () => {
  it('says so when the proxy is not running or the device never connects', async () => {
    const s = await sim({ host: '127.0.0.33' });
    const { host } = setup({ proxyEndpoint: () => undefined });
    const { device } = await host.invoke('devices.add', { address: s.http });
    await expect(host.invoke('devices.useProxy', { id: device.id })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Stratum port is not running/) });
    const silent = setup({ proxyEndpoint: () => ({ host: '127.0.0.1', port: 1 }), proxyMiners: () => [], confirmTimeoutMs: 1500 });
    await silent.host.invoke('devices.add', { address: s.http });
    const error = (await silent.host.invoke('devices.useProxy', { id: device.id }).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('upstream_error');
    expect(error.hint).toMatch(/firewall/);
    expect((await silent.host.invoke('devices.get', { id: device.id })).device.canUndoProxy).toBe(true);
  });
});

describe('bad devices give a clear state, never a crash', () => {
  async function fake(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const close = () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
    cleanups.push(close);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
  }

  it.each([
    ['HTML', (_q: http.IncomingMessage, s: http.ServerResponse) => s.end('<!doctype html><html></html>'), 'upstream_error', /web page/],
    ['truncated JSON', (_q: http.IncomingMessage, s: http.ServerResponse) => s.end('{"macAddr":"A0:'), 'upstream_error', /incomplete/],
    [
      '401',
      (_q: http.IncomingMessage, s: http.ServerResponse) => {
        s.writeHead(401);
        s.end();
      },
      'forbidden',
      /401/,
    ],
    [
      '500',
      (_q: http.IncomingMessage, s: http.ServerResponse) => {
        s.writeHead(500);
        s.end();
      },
      'upstream_error',
      /HTTP 500/,
    ],
    ['silence', () => undefined, 'unavailable', /did not answer/],
  ] as const)('adding a device that answers with %s', async (_name, handler, code, message) => {
    const device = await fake(handler);
    const { host } = setup();
    const error = (await host.invoke('devices.add', { address: device.url }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.hint).toBeTruthy();
  });

  it('a known device that starts answering badly, then goes away, then changes IP', async () => {
    let mode: 'sim' | 'html' | '401' = 'sim';
    const s = await sim({ host: '127.0.0.34', mac: 'A0:B7:65:00:00:11' });
    const proxyTo = async (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (mode === 'html') return res.end('<html>captive portal</html>');
      if (mode === '401') {
        res.writeHead(401);
        return res.end();
      }
      const upstream = await fetch(`${s.http}${req.url}`);
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(await upstream.text());
    };
    const front = await fake((req, res) => void proxyTo(req, res));
    const { host, manager, events } = setup({ offlineAfterFailures: 2, streamLogs: false });
    const { device } = await host.invoke('devices.add', { address: front.url });
    manager.start();
    mode = 'html';
    await until(() => manager.get(device.id).status === 'error', 'error state');
    expect(manager.get(device.id).problem?.kind).toBe('not-json');
    mode = '401';
    await until(() => manager.get(device.id).status === 'refused', 'refused state');
    expect(manager.get(device.id).problem?.hint).toMatch(/same private network/);
    await front.close();
    await until(() => manager.get(device.id).status === 'offline', 'offline state');
    expect(events.some((e) => e.type === 'alert' && e.alert.kind === 'offline')).toBe(true);

    // The device comes back on another address; discovery follows its MAC there.
    const moved = await sim({ host: '127.0.0.35', mac: 'A0:B7:65:00:00:11' });
    const { scanId } = await host.invoke('devices.discover', { hosts: ['127.0.0.35-36'], port: moved.port });
    await until(() => events.some((e) => e.type === 'device.discovery' && e.progress.scanId === scanId && e.progress.done), 'scan done');
    const done = events.filter((e) => e.type === 'device.discovery' && e.progress.done).at(-1);
    expect(done?.type === 'device.discovery' && done.progress.found.map((f) => f.known)).toEqual([true]);
    await until(() => manager.get(device.id).status === 'online', 'online at the new address');
    expect(manager.get(device.id).address).toBe(moved.http);
    // the offline alert is over once the device answers again
    expect(events.some((e) => e.type === 'alert' && e.alert.kind === 'offline' && e.alert.clearedAt)).toBe(true);
  });

  it('follows a device that went offline to its new address on the same /24 by itself', async () => {
    const before = await startSimulator({ host: '127.0.0.41', mac: 'A0:B7:65:00:00:21' });
    const { host, manager, events } = setup({ offlineAfterFailures: 2, streamLogs: false });
    const { device } = await host.invoke('devices.add', { address: before.http });
    const port = before.port;
    await before.stop();
    const after = await sim({ host: '127.0.0.42', httpPort: port, mac: 'A0:B7:65:00:00:21' });
    manager.start();
    await until(() => manager.get(device.id).address === after.http && manager.get(device.id).status === 'online', 'device followed to 127.0.0.42');
    expect(events.some((e) => e.type === 'alert' && e.alert.kind === 'offline')).toBe(true);
  });

  it('discovery reports progress and can be cancelled', async () => {
    const { host, events } = setup();
    const { scanId, total } = await host.invoke('devices.discover', { hosts: ['127.0.0.20-60'], port: 9 });
    expect(total).toBe(41);
    expect(await host.invoke('devices.cancelDiscover', { scanId })).toEqual({ cancelled: true });
    await until(() => events.some((e) => e.type === 'device.discovery' && e.progress.done), 'scan ends');
    await expect(host.invoke('devices.discover', { hosts: ['10.0.0.0/8'] })).rejects.toMatchObject({ code: 'bad_request', field: 'hosts' });
  });
});

import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readFixtureJson } from '../../test/fixtures';
import { incrementBitmask } from './asic';
import { type Simulator, startSimulator } from './simulator';
import { type DevnetPool, startPool } from '../../devnet/pool/pool';
import { until } from '../../test/until';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function sim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator({ bootMs: 200, restartDelayMs: 50, liveIntervalMs: 50, ...opts });
  cleanups.push(() => s.stop());
  return s;
}

/** The devnet pool's Stratum V1 port at a difficulty a CPU-speed simulator meets a few times a second (the firmware's suggestion of 1000 ignored, as some pools do). */
async function pool(opts: Parameters<typeof startPool>[0] = {}): Promise<DevnetPool> {
  const p = await startPool({ sv1StartDifficulty: 1e-6, sv1HonoursSuggestedDifficulty: false, ...opts });
  cleanups.push(() => p.close());
  return p;
}

/** the simulated miners the pool is serving now */
const minersOn = (p: DevnetPool) => p.stats().channels.filter((c) => c.open);

/**
 * A relay in front of a pool that keeps every line each connection sends, and the address it came from, so a test
 * reads exactly what the firmware put on the wire.
 */
async function recordingRelay(target: DevnetPool): Promise<{ port: number; connections: Array<{ address: string; lines: string[] }> }> {
  const connections: Array<{ address: string; lines: string[] }> = [];
  const server = net.createServer((client) => {
    const seen = { address: (client.remoteAddress ?? '').replace(/^::ffff:/, ''), lines: [] as string[] };
    connections.push(seen);
    const upstream = net.connect(target.sv1);
    let partial = '';
    client.on('data', (data: Buffer) => {
      upstream.write(data);
      const text = partial + data.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      seen.lines.push(...lines.filter(Boolean));
    });
    upstream.on('data', (data: Buffer) => client.write(data));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { port: (server.address() as net.AddressInfo).port, connections };
}

function request(url: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const getInfo = async (s: Simulator) => JSON.parse((await request(`${s.http}/api/system/info`)).text) as Record<string, unknown>;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

describe('simulator HTTP API', () => {
  it('v2.15 system info has every field of the real example with the same types', async () => {
    const example = readFixtureJson<Record<string, unknown>>('axeos', 'research-bitaxe', 'system_info_example.json');
    const info = await getInfo(await sim({ firmware: 'v2.15' }));
    for (const [key, value] of Object.entries(example)) {
      expect(info, key).toHaveProperty(key);
      expect(typeName(info[key]), key).toBe(typeName(value));
    }
    const examplePool = (example.pools as Array<Record<string, unknown>>)[0] ?? {};
    const simPool = (info.pools as Array<Record<string, unknown>>)[0] ?? {};
    for (const [key, value] of Object.entries(examplePool)) expect(typeName(simPool[key]), `pools[0].${key}`).toBe(typeName(value));
    expect(simPool.stratumPassword).toBe('*****');
  });

  it('shapes info per firmware: v2.14 flat pools, v2.9 suffixed bestDiff and no pause', async () => {
    const v214 = await getInfo(await sim({ firmware: 'v2.14' }));
    expect(v214.pools).toBeUndefined();
    expect(v214.stratumURL).toBe('public-pool.io');
    expect(v214.miningPaused).toBe(false);
    const old = await sim({ firmware: 'v2.9', model: 'ultra' });
    const v29 = await getInfo(old);
    expect(typeof v29.bestDiff).toBe('string');
    expect(v29.ASICModel).toBe('BM1366');
    expect(v29.miningPaused).toBeUndefined();
    expect((await request(`${old.http}/api/system/pause`, 'POST')).status).toBe(404);
  });

  it('PATCH refuses the whole body when one field is wrong and saves nothing', async () => {
    const s = await sim();
    const bad = await request(`${s.http}/api/system`, 'PATCH', JSON.stringify({ hostname: 'newname', temptarget: 99 }));
    expect(bad).toEqual({ status: 400, text: 'Wrong API input' });
    expect((await getInfo(s)).hostname).toBe('bitaxe');
    const good = await request(`${s.http}/api/system`, 'PATCH', JSON.stringify({ temptarget: 55, unknownKey: 1, stratumURL: 'ignored.example' }));
    expect(good.status).toBe(200);
    const info = await getInfo(s);
    expect(info.temptarget).toBe(55);
    expect(info.stratumURL).toBe('public-pool.io'); // flat pool fields are ignored on v2.15
    expect((await request(`${s.http}/api/system`, 'PATCH', 'x'.repeat(11_000))).status).toBe(500);
  });

  it('pools API: PUT validates, DELETE refuses a selected slot', async () => {
    const s = await sim();
    expect((await request(`${s.http}/api/system/pools/3`, 'PUT', JSON.stringify({ stratumURL: 'a.example' }))).status).toBe(400);
    expect((await request(`${s.http}/api/system/pools/3`, 'PUT', JSON.stringify({ stratumURL: 'a.example', stratumPort: 3333, stratumUser: 'u' }))).status).toBe(200);
    const pools = (await getInfo(s)).pools as Array<{ id: number; stratumURL: string }>;
    expect(pools.find((p) => p.id === 3)?.stratumURL).toBe('a.example');
    expect((await request(`${s.http}/api/system/pools/0`, 'DELETE')).status).toBe(400);
    expect((await request(`${s.http}/api/system/pools/3`, 'DELETE')).status).toBe(200);
    expect((await request(`${s.http}/api/nope`)).text).toBe('{"error":"unknown route"}');
  });

  it('answers 401 to a non-http Origin, like AxeOS', async () => {
    const s = await sim();
    expect((await request(`${s.http}/api/system/info`, 'GET', undefined, { origin: 'file://' })).status).toBe(401);
    expect((await request(`${s.http}/api/system/info`, 'GET', undefined, { origin: 'http://bitaxe.local' })).status).toBe(200);
  });

  it('streams ws/live (full state, then diffs) and ws logs', async () => {
    const p = await pool();
    const s = await sim({ pool: p.sv1 });
    const frames: Array<{ event: string; data: Record<string, unknown> }> = [];
    const live = new WebSocket(`${s.http.replace('http', 'ws')}/api/ws/live`);
    cleanups.push(() => live.terminate());
    live.on('message', (d) => frames.push(JSON.parse(d.toString())));
    const lines: string[] = [];
    const logs = new WebSocket(`${s.http.replace('http', 'ws')}/api/ws`);
    cleanups.push(() => logs.terminate());
    logs.on('message', (d) => lines.push(d.toString()));
    await until(() => frames.length >= 2 && lines.some((l) => l.includes('stratum_api: tx:')), 'live frames and log lines');
    expect(Object.keys(frames[0]?.data ?? {}).length).toBeGreaterThan(100);
    expect(Object.keys(frames[1]?.data ?? {}).length).toBeLessThan(40);
    // eslint-disable-next-line no-control-regex -- the ANSI colour is the point
    expect(lines.join('')).toMatch(/\x1b\[0;32mI \(\d+\) stratum_api: tx: \{"id":\d+,"method":"mining\.\w+"/);
  });
});

describe('simulator Stratum client', () => {
  it('increment_bitmask matches the firmware transcript', () => {
    expect(incrementBitmask(0x20000000, 0x1fffe000).toString(16)).toBe('20002000');
    expect(incrementBitmask(0x3fffe000, 0x1fffe000).toString(16)).toBe('20000000');
  });

  it('sends the firmware message order and mines real shares the pool accepts', async () => {
    const p = await pool();
    const relay = await recordingRelay(p);
    const s = await sim({ pool: { host: '127.0.0.1', port: relay.port, user: 'bc1qexample.worker1' }, hashesPerSecond: 20_000 });
    await until(() => s.stratum().sharesAccepted >= 3, 'three accepted shares');
    const lines = relay.connections[0]?.lines ?? [];
    const methods = lines.map((l) => (JSON.parse(l) as { method: string }).method);
    expect(methods.slice(0, 4)).toEqual(['mining.configure', 'mining.subscribe', 'mining.authorize', 'mining.suggest_difficulty']);
    expect(JSON.parse(lines[1] ?? '{}').params).toEqual(['bitaxe/BM1370/v2.15.0']);
    const submit = JSON.parse(lines.find((l) => l.includes('mining.submit')) ?? '{}') as { params: string[] };
    expect(submit.params).toHaveLength(6);
    expect(submit.params[0]).toBe('bc1qexample.worker1');
    expect(submit.params[2]).toMatch(/^[0-9a-f]{2}0{14}$/); // little-endian counter, the pool's 8 bytes
    expect(minersOn(p)[0]?.rejected).toEqual({});
    expect(p.stats().accepted).toBeGreaterThanOrEqual(3);
    expect(relay.connections[0]?.address).toBe('127.0.0.1');
    const info = await getInfo(s);
    expect(info.sharesAccepted).toBeGreaterThanOrEqual(3);
    expect(info.poolDifficulty).toBe(0.000001);
  });

  it('answers mining.ping with pong and ignores client.reconnect host/port', async () => {
    const received: string[] = [];
    const server = net.createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        received.push(...d.split('\n').filter(Boolean));
        if (received.length === 3) socket.write('{"id":42,"method":"mining.ping","params":[]}\n');
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as net.AddressInfo).port;
    const s = await sim({ pool: { host: '127.0.0.1', port } });
    await until(() => received.some((l) => l.includes('pong')), 'pong');
    expect(received.find((l) => l.includes('pong'))).toBe('{"id":42,"method":"pong","params":[]}');
    await s.stop();
  });

  it('falls back after 3 failed connects and returns to the primary when the probe sees a notify', async () => {
    const fallback = await pool();
    // a port with nothing listening
    const dead = await pool();
    const deadPort = dead.sv1.port;
    await dead.close();
    const s = await sim({ pool: { host: '127.0.0.1', port: deadPort }, fallbackPool: fallback.sv1, connectRetryMs: 50, primaryProbeMs: 300 });
    await until(() => s.stratum().usingFallback && s.stratum().connected, 'fallback connection');
    expect((await getInfo(s)).isUsingFallbackStratum).toBe(1);
    const primary = await pool({ sv1Port: deadPort });
    await until(() => !s.stratum().usingFallback && s.stratum().connected && minersOn(primary).length === 1, 'back on primary');
    expect(s.stratum().pool).toBe(`127.0.0.1:${deadPort}`);
  });

  it('restart drops the API, comes back, and reconnects the miner to the newly selected pool', async () => {
    const a = await pool();
    const b = await pool();
    const s = await sim({ pool: a.sv1 });
    await until(() => minersOn(a).length === 1, 'miner on pool A');
    expect((await request(`${s.http}/api/system/pools/2`, 'PUT', JSON.stringify({ stratumURL: b.sv1.host, stratumPort: b.sv1.port, stratumUser: 'w' }))).status).toBe(200);
    expect((await request(`${s.http}/api/system`, 'PATCH', JSON.stringify({ primaryPoolIndex: 2, secondaryPoolIndex: 0 }))).status).toBe(200);
    expect(minersOn(a)).toHaveLength(1); // selection is read at boot
    expect((await request(`${s.http}/api/system/restart`, 'POST')).status).toBe(200);
    await until(() => s.boots === 1, 'reboot');
    await until(() => minersOn(b).length === 1 && minersOn(a).length === 0, 'miner on pool B');
    expect((await getInfo(s)).uptimeSeconds).toBeLessThan(5);
  });
});

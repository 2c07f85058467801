/**
 * Device layer figures, each against a baseline measured in the same run:
 * - AxeOS client info() (HTTP + parse + normalise) vs a bare http GET of the same URL;
 * - normalizeInfo vs JSON.parse of the same body;
 * - subnet scan of 64 addresses (a simulator plus silent hosts) at concurrency 32 vs one by one;
 * - NVS builder and reader vs copying the same partition.
 */
import http from 'node:http';
import net from 'node:net';
import { AxeosClient } from '../device/axeos/client';
import { normalizeInfo } from '../device/axeos/normalize';
import { scanHosts } from '../device/discovery/scan';
import { buildNvs, readNvs } from '../device/provision/nvs';
import { startSimulator } from '../device/sim/simulator';
import { opsPerSecond, round } from './measure';

function bareGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

export async function run(): Promise<Record<string, unknown>> {
  const sim = await startSimulator({ host: '127.0.0.2', serial: false });
  const sockets = new Set<net.Socket>();
  const silentHosts: net.Server[] = [];
  try {
    const client = new AxeosClient(sim.http);
    const rawPerSecond = await opsPerSecond(() => bareGet(`${sim.http}/api/system/info`), 1500);
    const clientPerSecond = await opsPerSecond(() => client.info(), 1500);

    const body = await bareGet(`${sim.http}/api/system/info`);
    const parsePerSecond = await opsPerSecond(() => JSON.parse(body), 500);
    const normalisePerSecond = await opsPerSecond(() => normalizeInfo(JSON.parse(body)), 500);

    // 64 addresses: the simulator answers, 8 silent hosts hold a connection until the timeout, the rest refuse.
    const hosts = Array.from({ length: 64 }, (_, i) => `127.0.0.${i + 2}`);
    for (let i = 3; i < 11; i++) {
      const silent = net.createServer((s) => {
        sockets.add(s);
        s.on('error', () => undefined);
      });
      await new Promise<void>((r) => silent.listen(sim.port, `127.0.0.${i}`, r));
      silentHosts.push(silent);
    }
    const timed = async (concurrency: number) => {
      const start = performance.now();
      const result = await scanHosts({ hosts, port: sim.port, concurrency, timeoutMs: 300 });
      return { ms: performance.now() - start, found: result.found.length };
    };
    const serial = await timed(1);
    const parallel = await timed(32);

    const partition = buildNvs(Array.from({ length: 60 }, (_, i) => ({ namespace: 'main', key: `key${i}`, type: 'str' as const, value: `value number ${i} `.repeat(4) })));
    const copyPerSecond = await opsPerSecond(() => new Uint8Array(partition), 500);
    const readPerSecond = await opsPerSecond(() => readNvs(partition), 500);
    const entries = readNvs(partition);
    const buildPerSecond = await opsPerSecond(() => buildNvs(entries), 500);

    return {
      infoRequestsPerSecond: { bareHttp: rawPerSecond, axeosClient: clientPerSecond, ratio: round(clientPerSecond / rawPerSecond) },
      normalise: { jsonParsePerSecond: parsePerSecond, parseAndNormalisePerSecond: normalisePerSecond, ratio: round(normalisePerSecond / parsePerSecond) },
      scan64Hosts: { oneByOneMs: Math.round(serial.ms), concurrency32Ms: Math.round(parallel.ms), speedup: round(serial.ms / parallel.ms, 1), found: parallel.found },
      nvs: { copyPerSecond, readPerSecond, buildPerSecond, readVsCopy: round(readPerSecond / copyPerSecond, 4), buildVsCopy: round(buildPerSecond / copyPerSecond, 4) },
    };
  } finally {
    for (const s of sockets) s.destroy();
    for (const server of silentHosts) server.close();
    await sim.stop();
  }
}

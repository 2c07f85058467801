/**
 * The one ESP-Miner-like client, against a scripted pool on loopback: what the firmware does with what a pool
 * sends (components/stratum/stratum_api.c, main/tasks/stratum_v1_task.c at bitaxeorg/ESP-Miner 5c277131), and
 * how a test drives one connection.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { notifyParams } from '../../lib/protocol/sv1/job';
import { until } from '../../test/until';
import { minerFor, type SimMiner } from './miner';
import { sampleJob } from './testing/jobs';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const line = (message: object) => `${JSON.stringify(message)}\n`;

/** A pool that answers the handshake (authorize as told), then lets the test write to each connection. */
async function scriptedPool(authorize: true | string = true): Promise<{ port: number; connections: net.Socket[]; lines: string[] }> {
  const connections: net.Socket[] = [];
  const lines: string[] = [];
  const server = net.createServer((socket) => {
    connections.push(socket);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      for (const text of chunk.split('\n').filter(Boolean)) {
        lines.push(text);
        const { id, method } = JSON.parse(text) as { id: number; method: string };
        if (method === 'mining.subscribe') socket.write(line({ id, result: [[], 'aabbccdd', 4], error: null }));
        else if (method === 'mining.authorize') {
          socket.write(authorize === true ? line({ id, result: true, error: null }) : line({ id, result: null, error: [24, authorize, null] }));
          if (authorize === true)
            socket.write(line({ id: null, method: 'mining.set_difficulty', params: [1e-6] }) + line({ id: null, method: 'mining.notify', params: notifyParams(sampleJob('a', true)) }));
        } else if (method !== 'pong' && id !== undefined && !('result' in JSON.parse(text))) socket.write(line({ id, result: true, error: null }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of connections) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as net.AddressInfo).port, connections, lines };
}

function miner(port: number): SimMiner {
  const m = minerFor({ host: '127.0.0.1', port, user: 'bc1qtest.w' });
  cleanups.push(() => m.close());
  return m;
}

describe('the ESP-Miner-like client', () => {
  it('ignores a notify for a job it already holds; a clean notify clears the list first', async () => {
    const pool = await scriptedPool();
    const m = miner(pool.port);
    await m.connect();
    const socket = pool.connections[0]!;
    socket.write(line({ id: null, method: 'mining.notify', params: notifyParams(sampleJob('b', false)) }));
    await until(() => m.job?.jobId === 'b', 'job b');
    socket.write(line({ id: null, method: 'mining.notify', params: notifyParams(sampleJob('a', false)) }));
    socket.write(line({ id: null, method: 'mining.notify', params: notifyParams(sampleJob('c', false)) }));
    await until(() => m.job?.jobId === 'c', 'job c');
    expect(m.jobs.map((j) => j.job.jobId)).toEqual(['a', 'b', 'c']);
    socket.write(line({ id: null, method: 'mining.notify', params: notifyParams(sampleJob('a', true)) }));
    await until(() => m.job?.jobId === 'a', 'job a again, clean');
    expect(m.jobs.map((j) => j.job.jobId)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('answers client.get_version with its firmware version and mining.ping with pong, as the firmware writes them', async () => {
    const pool = await scriptedPool();
    const m = miner(pool.port);
    await m.connect();
    pool.connections[0]!.write(line({ id: 7, method: 'client.get_version', params: [] }) + line({ id: 8, method: 'mining.ping', params: [] }));
    await until(() => pool.lines.some((l) => l.includes('pong')), 'pong');
    expect(pool.lines).toContain('{"id":7,"result":"v2.15.0","error":null}');
    expect(pool.lines).toContain('{"id":8,"method":"pong","params":[]}');
  });

  it('connect() says why the pool refused it', async () => {
    const pool = await scriptedPool('Unauthorized worker');
    await expect(miner(pool.port).connect(2000)).rejects.toThrow('authorize failed: Unauthorized worker');
  });

  it('follows client.reconnect to its own pool, whatever host the pool names', async () => {
    const pool = await scriptedPool();
    const m = miner(pool.port);
    await m.connect();
    pool.connections[0]!.write(line({ id: null, method: 'client.reconnect', params: ['198.51.100.7', 3333, 0] }));
    await until(() => pool.connections.length === 2 && m.job !== undefined, 'the second connection, to the configured pool', 5000);
    expect(m.reconnects).toBe(1);
    expect(pool.lines.filter((l) => l.includes('mining.authorize'))).toHaveLength(2);
  });
});

import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ShareLedger } from '../core/stratum/ledger';
import { forwardStratum } from './stratum-floor';

const NOTIFY = '{"id":null,"method":"mining.notify","params":["j1"]}';

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

function linesOf(socket: Socket, count: number): Promise<string[]> {
  socket.setEncoding('utf8');
  let text = '';
  return new Promise((resolve) => {
    socket.on('data', (chunk: string) => {
      text += chunk;
      const lines = text.split('\n').filter((line) => line.length > 0);
      if (lines.length >= count) resolve(lines);
    });
  });
}

describe('the Stratum floor (what the proxy bench measures the least a Stratum proxy costs with)', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it("renumbers the miner's requests for the pool and answers the miner under its own ids, passing notifications on and dropping what is not JSON", async () => {
    // a pool that answers each request under the id it was sent with and, after the first, sends a notify
    const seenByPool: Array<{ id: number | string; method?: string; params?: unknown[] }> = [];
    const pool = createServer((socket) => {
      socket.setEncoding('utf8');
      let rest = '';
      socket.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          const request = JSON.parse(line) as { id: number | string; method?: string; params?: unknown[] };
          seenByPool.push(request);
          if (request.method === undefined) continue;
          socket.write(`{"id":${request.id},"result":true,"error":null}\n`);
          if (seenByPool.length === 1) socket.write(`${NOTIFY}\n`);
        }
      });
    });
    servers.push(pool);
    const poolPort = await listen(pool);
    const floor = createServer((miner) => forwardStratum(miner, poolPort));
    servers.push(floor);
    const miner = connect({ host: '127.0.0.1', port: await listen(floor) });
    const answers = linesOf(miner, 3);
    // a worker's name that is not ASCII, its two-byte character split between two writes, a line across them, and a
    // line that is not JSON, dropped
    const authorize = Buffer.from('{"id":"a","method":"mining.authorize","params":["bc1q.wörker","x"]}\nnot json\n{"id":7,"method":"mining.sub');
    const split = authorize.indexOf(Buffer.from('ö')) + 1;
    miner.write(authorize.subarray(0, split));
    await new Promise((resolve) => setTimeout(resolve, 20));
    miner.write(Buffer.concat([authorize.subarray(split), Buffer.from('mit","params":["bc1q.wörker","j1","00","00","01"]}\n{"id":"ping-1","result":"pong","error":null}\n')]));

    expect((await answers).map((line) => JSON.parse(line))).toEqual([{ id: 'a', result: true, error: null }, JSON.parse(NOTIFY), { id: 7, result: true, error: null }]);
    // the miner's answer to a ping of the pool's goes back under the pool's id
    await vi.waitFor(() => expect(seenByPool).toHaveLength(3));
    expect(seenByPool.map((request) => [request.id, request.method, request.params?.[0]])).toEqual([
      [1, 'mining.authorize', 'bc1q.wörker'],
      [2, 'mining.submit', 'bc1q.wörker'],
      ['ping-1', undefined, undefined],
    ]);
    miner.destroy();
  });

  it("given the proxy's share ledger, records each submit there with the pool's verdict, and nothing else", async () => {
    // a pool that accepts the first submit and rejects the second as the standard's low-difficulty error
    let submits = 0;
    const pool = createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter((l) => l.length > 0)) {
          const request = JSON.parse(line) as { id: number; method: string };
          const rejected = request.method === 'mining.submit' && ++submits === 2;
          socket.write(`{"id":${request.id},"result":${!rejected},"error":${rejected ? '[23,"Low difficulty share",null]' : 'null'}}\n`);
        }
      });
    });
    servers.push(pool);
    const poolPort = await listen(pool);
    const dir = mkdtempSync(join(tmpdir(), 'axw-floor-ledger-'));
    const ledger = new ShareLedger(join(dir, 'ledger.sqlite'));
    const floor = createServer((miner) => forwardStratum(miner, poolPort, ledger));
    servers.push(floor);
    const miner = connect({ host: '127.0.0.1', port: await listen(floor) });
    const answers = linesOf(miner, 3);
    miner.write('{"id":1,"method":"mining.authorize","params":["bc1q.w1","x"]}\n');
    miner.write('{"id":2,"method":"mining.submit","params":["bc1q.w1","j1","00","00","01"]}\n');
    miner.write('{"id":3,"method":"mining.submit","params":["bc1q.w1","j2","00","00","02"]}\n');
    await answers;
    expect(ledger.counts()).toEqual({ accepted: 1, rejected: 1, awaiting: 0, rejectReasons: { 'Low difficulty share': 1 } });
    expect(ledger.recent(10).map((share) => [share.worker, share.jobId, share.verdict])).toEqual([
      ['bc1q.w1', 'j2', 'rejected'],
      ['bc1q.w1', 'j1', 'accepted'],
    ]);
    miner.destroy();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

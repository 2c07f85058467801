import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type LogRecord } from '../../lib/log';
import { until } from '../../test/until';
import { Sv1UpstreamLink } from './sv1-upstream';
import type { UpstreamChannel } from './upstream';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PREVHASH = '11'.repeat(32);
const BRANCH = '22'.repeat(32);

function notifyLine(jobId: string, prevHash = PREVHASH): string {
  return `${JSON.stringify({ id: null, method: 'mining.notify', params: [jobId, prevHash, 'aa01', 'bb02', [BRANCH], '20000000', '1d00ffff', '65000000', true] })}\n`;
}

/**
 * A Stratum V1 pool on loopback that gives each connection an extranonce1 of its own (`e1-0`, `e1-1`, ... as hex) and
 * sends what the test broadcasts to all of them in the same words, as pools send a new job.
 */
async function scriptedPool(): Promise<{ port: number; extranonce1Of: (connection: number) => string; broadcast: (line: string) => void }> {
  const sockets: Socket[] = [];
  const extranonce1Of = (connection: number) => (0xe100 + connection).toString(16).padStart(8, '0');
  const server = createServer((socket) => {
    const connection = sockets.push(socket) - 1;
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const request = JSON.parse(buffer.slice(0, nl)) as { id: number; method: string };
        buffer = buffer.slice(nl + 1);
        const result = request.method === 'mining.subscribe' ? [[], extranonce1Of(connection), 4] : true;
        socket.write(`${JSON.stringify({ id: request.id, result, error: null })}\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  cleanups.push(() => sockets.forEach((s) => s.destroy()));
  return { port: (server.address() as AddressInfo).port, extranonce1Of, broadcast: (line) => sockets.forEach((s) => s.write(line)) };
}

async function channels(port: number, count: number, logs: LogRecord[]): Promise<UpstreamChannel[]> {
  const link = new Sv1UpstreamLink({ host: '127.0.0.1', port, url: `stratum+tcp://127.0.0.1:${port}`, logger: createLogger([(r) => logs.push(r)]), silentMs: 60_000 });
  cleanups.push(() => link.close(true));
  const opened: UpstreamChannel[] = [];
  for (let i = 0; i < count; i++) {
    opened.push(await link.openChannel({ worker: `w${i}`, password: '', userIdentity: `w${i}`, minExtranonceSize: 4, nominalHashrate: 1, versionMask: 0 }));
  }
  return opened;
}

describe('Sv1 upstream jobs', () => {
  it("gives each connection the job a pool sent all of them in the same words, on that connection's own extranonce1", async () => {
    const pool = await scriptedPool();
    const logs: LogRecord[] = [];
    const [first, second] = await channels(pool.port, 2, logs);
    pool.broadcast(notifyLine('a1'));
    await until(() => first!.currentJob?.jobId === 'a1' && second!.currentJob?.jobId === 'a1');
    expect(first!.currentJob!.coinbasePrefix).toBe(`aa01${pool.extranonce1Of(0)}`);
    expect(second!.currentJob!.coinbasePrefix).toBe(`aa01${pool.extranonce1Of(1)}`);
    for (const channel of [first!, second!]) {
      expect(channel.currentJob).toMatchObject({ prevHash: PREVHASH, coinbaseSuffix: 'bb02', merkleBranches: [BRANCH], ntime: '65000000', cleanJobs: true });
    }
  });

  it('ignores an invalid notify on every connection, with a warning, each time it comes', async () => {
    const pool = await scriptedPool();
    const logs: LogRecord[] = [];
    const opened = await channels(pool.port, 2, logs);
    const jobs = opened.map((channel) => {
      const seen: string[] = [];
      channel.on('job', (job) => seen.push(job.jobId));
      return seen;
    });
    for (const line of [notifyLine('a1'), notifyLine('bad', 'abcd'), notifyLine('b1'), notifyLine('bad', 'abcd'), notifyLine('c1')]) pool.broadcast(line);
    await until(() => jobs.every((seen) => seen.at(-1) === 'c1'));
    expect(jobs).toEqual([
      ['a1', 'b1', 'c1'],
      ['a1', 'b1', 'c1'],
    ]);
    expect(logs.filter((r) => r.message === 'pool sent an invalid mining.notify; ignored').length).toBeGreaterThan(0);
    expect(opened[1]!.currentJob!.coinbasePrefix).toBe(`aa01${pool.extranonce1Of(1)}`);
  });
});

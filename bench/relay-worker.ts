/**
 * A bare TCP pass-through relay on its own thread for bench/proxy.bench.ts: each miner connection piped to a
 * connection of its own to the pool, nothing parsed. The floor any relay in the proxy's position pays; asked 'cpu',
 * it says how long its thread has been on a CPU (µs, and that as user and kernel time), to set the proxy's work per
 * submit against, and how long it waited for a core.
 */
import { connect, createServer } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { RelayCpu } from './proxy-harness';
import { threadSchedule, threadUserSystemUs } from './thread-cpu';

const { poolPort } = workerData as { poolPort: number };
const server = createServer((miner) => {
  miner.setNoDelay(true);
  const pool = connect({ host: '127.0.0.1', port: poolPort, noDelay: true });
  miner.pipe(pool);
  pool.pipe(miner);
  miner.on('error', () => pool.destroy());
  pool.on('error', () => miner.destroy());
  miner.on('close', () => pool.destroy());
});
parentPort!.on('message', (message: string) => {
  if (message === 'cpu') parentPort!.postMessage({ schedule: threadSchedule(), thread: threadUserSystemUs() } satisfies RelayCpu);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  parentPort!.postMessage({ port: typeof address === 'object' && address ? address.port : 0 });
});

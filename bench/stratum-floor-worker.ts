/**
 * bench/stratum-floor.ts on a thread of its own, as the bare relay runs (bench/relay-worker.ts): asked 'cpu', it says
 * how long its thread has been on a CPU, as user and kernel time, and how long it waited for a core.
 */
import { createServer } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { RelayCpu } from './proxy-harness';
import { forwardStratum } from './stratum-floor';
import { threadSchedule, threadUserSystemUs } from './thread-cpu';

const { poolPort } = workerData as { poolPort: number };
const server = createServer((miner) => forwardStratum(miner, poolPort));
parentPort!.on('message', (message: string) => {
  if (message === 'cpu') parentPort!.postMessage({ schedule: threadSchedule(), thread: threadUserSystemUs() } satisfies RelayCpu);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  parentPort!.postMessage({ port: typeof address === 'object' && address ? address.port : 0 });
});

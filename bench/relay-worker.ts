/**
 * A forwarder on its own thread for bench/proxy.bench.ts, each miner connection on a connection of its own to the
 * pool: the bare TCP pass-through (`bytes`: piped, nothing parsed, the floor any relay in the proxy's position pays)
 * or the least a Stratum proxy does (`stratum`, bench/stratum-floor.ts). Asked 'cpu', it says how long its thread has
 * been on a CPU (µs, and that as user and kernel time), to set the proxy's work per submit against, and how long it
 * waited for a core.
 */
import { connect, createServer, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { Forwarder, RelayCpu } from './proxy-harness';
import { forwardStratum } from './stratum-floor';
import { threadSchedule, threadUserSystemUs } from './thread-cpu';

function forwardBytes(miner: Socket, poolPort: number): void {
  miner.setNoDelay(true);
  const pool = connect({ host: '127.0.0.1', port: poolPort, noDelay: true });
  miner.pipe(pool);
  pool.pipe(miner);
  miner.on('error', () => pool.destroy());
  pool.on('error', () => miner.destroy());
  miner.on('close', () => pool.destroy());
}

const FORWARDERS: Record<Forwarder, (miner: Socket, poolPort: number) => void> = { bytes: forwardBytes, stratum: forwardStratum };

const { poolPort, forwarder } = workerData as { poolPort: number; forwarder: Forwarder };
const server = createServer((miner) => FORWARDERS[forwarder](miner, poolPort));
parentPort!.on('message', (message: string) => {
  if (message === 'cpu') parentPort!.postMessage({ schedule: threadSchedule(), thread: threadUserSystemUs() } satisfies RelayCpu);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  parentPort!.postMessage({ port: typeof address === 'object' && address ? address.port : 0 });
});

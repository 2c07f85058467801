/**
 * A forwarder on its own thread for bench/proxy.bench.ts, each miner connection on a connection of its own to the pool:
 * the bare TCP pass-through (`bytes`: piped, nothing parsed, the floor any relay in the proxy's position pays) or the
 * least a Stratum proxy does (`stratum`, bench/stratum-floor.ts), also keeping the proxy's share ledger at `ledgerPath`
 * (`stratumWithLedger`; the ledger's writer is a thread of its own). Asked 'cpu', it says how long its thread has been
 * on a CPU (µs, and that as user and kernel time), to set the proxy's work per submit against, and how long it waited
 * for a core. Forked as a process instead (bench/instructions.bench.ts runs it under callgrind), it takes the same
 * input as its first argument, says its port over IPC, and what its heap allocated between 'allocation-start' and
 * 'allocation-stop'.
 */
import { connect, createServer, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { ShareLedger } from '../core/stratum/ledger';
import type { Forwarder, RelayCpu } from './proxy-harness';
import { answerAllocationMessage } from './heap-allocation';
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

export interface RelayInput {
  poolPort: number;
  forwarder: Forwarder;
  /** where `stratumWithLedger` keeps its ledger */
  ledgerPath?: string;
}

const { poolPort, forwarder, ledgerPath } = (parentPort ? workerData : JSON.parse(process.argv[2]!)) as RelayInput;
const ledger = forwarder === 'stratumWithLedger' ? new ShareLedger(ledgerPath!) : undefined;
const FORWARDERS: Record<Forwarder, (miner: Socket, poolPort: number) => void> = {
  bytes: forwardBytes,
  stratum: forwardStratum,
  stratumWithLedger: (miner, port) => forwardStratum(miner, port, ledger),
};
const reply = (message: unknown) => (parentPort ? parentPort.postMessage(message) : process.send!(message));
const server = createServer((miner) => FORWARDERS[forwarder](miner, poolPort));
(parentPort ?? process).on('message', (message: string) => {
  if (message === 'cpu') reply({ schedule: threadSchedule(), thread: threadUserSystemUs() } satisfies RelayCpu);
  answerAllocationMessage(message, reply);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  reply({ port: typeof address === 'object' && address ? address.port : 0 });
});

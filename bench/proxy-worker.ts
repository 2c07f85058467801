/**
 * Runs one Stratum proxy on its own thread for bench/proxy.bench.ts, so its event loop does not share
 * a core with the pool and the load generators it is measured against.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseUpstreamUrl } from '../core/api/upstream-url';
import { silentLogger } from '../lib/log';
import { createProxy } from '../core/stratum/proxy';

interface Input {
  upstreams: string[];
  ledgerPath: string;
  attachTimeoutMs?: number;
}

const input = workerData as Input;
const proxy = createProxy({
  stratumHost: '127.0.0.1',
  stratumPort: 0,
  upstreams: input.upstreams.map(parseUpstreamUrl),
  verdictTimeoutMs: 2000,
  ledgerPath: input.ledgerPath,
  lockingPubkey: () => undefined,
  logger: silentLogger,
  // every bench client connects from 127.0.0.1
  limits: { maxConnections: 5000, perAddress: 5000, submitsPerSecond: 1e6, submitBurst: 1e6 },
  nominalHashrate: 1,
  attachTimeoutMs: input.attachTimeoutMs,
});

parentPort!.on('message', (message: string) => {
  if (message === 'snapshot') parentPort!.postMessage({ snapshot: proxy.snapshot() });
  if (message === 'stop') void proxy.stop().then(() => parentPort!.postMessage({ stopped: true }));
});

void proxy.start().then(({ port }) => parentPort!.postMessage({ port }));

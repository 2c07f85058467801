/**
 * The devnet pool on its own thread for bench/proxy.bench.ts: the pool under test must not share an event loop
 * with the proxy or the load generators, or the bench measures the pool.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { installPlatformCrypto } from '../lib/platform';
import { startPool, type PoolOptions } from '../devnet/pool/pool';

installPlatformCrypto();
const pool = await startPool(workerData as PoolOptions);
parentPort!.on('message', (message: string) => {
  if (message === 'stop') void pool.close().then(() => parentPort!.postMessage({ stopped: true }));
  if (message === 'refresh') {
    pool.refreshTemplate();
    parentPort!.postMessage({ refreshed: true });
  }
});
parentPort!.postMessage({ sv1Port: pool.sv1.port, sv2Port: pool.sv2.port, authorityPubkey: pool.authorityPubkey });

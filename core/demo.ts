/**
 * The one place core reaches into devnet/: the embedded demo network that `serve` runs when no
 * upstream is configured (a devnet pool, mint and relay, and a simulated Bitaxe mining on it), and the
 * `axewallet devnet` command.
 */
import { join } from 'node:path';
import type { Logger } from '../lib/log';
import { startDevnet } from '../devnet/index';

export { startDevnet } from '../devnet/index';
export { runDevnetCli } from '../devnet/cli';

/**
 * The demo Bitaxe hashes real sha256d on the CPU, about a billion times slower than a Gamma. It sends no
 * suggest_difficulty (0, as the firmware allows) and the demo proxy announces this rate for miners that
 * suggest nothing, so the pool's first target already fits and shares flow within seconds.
 */
export const DEMO_HASHES_PER_SECOND = 20_000;

export interface DemoNetwork {
  /** the devnet pool as the one upstream (Sv2 + Noise) */
  upstream: string;
  mintUrl: string;
  relay: string;
  /** the rate the proxy announces for a miner that suggests no difficulty */
  nominalHashrate: number;
  /** starts a simulated Bitaxe mining on the devnet pool's Sv1 port; returns its AxeOS address */
  startSimulator(logger: Logger): Promise<{ http: string; stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startDemoNetwork(home: string, logger: Logger): Promise<DemoNetwork> {
  // quick feedback for a newcomer watching the dashboard: a share every 2 s, verdicts and quotes within a second
  const devnet = await startDevnet({ home: join(home, 'devnet'), logger: logger.child('devnet'), sharesPerMinute: 30, pool: { successFlushMs: 1000, quotePollMs: 1000 } });
  const { pool } = devnet;
  const upstream = `stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}`;
  logger.info('demo network running on this machine', { pool: upstream, mint: devnet.mint.url, relay: devnet.relay.url });
  return {
    upstream,
    mintUrl: devnet.mint.url,
    relay: devnet.relay.url,
    nominalHashrate: DEMO_HASHES_PER_SECOND,
    async startSimulator(simLogger) {
      const { startSimulator } = await import('../device/sim');
      const simulator = await startSimulator({
        host: '127.0.0.2',
        httpPort: 0,
        model: 'gamma',
        firmware: 'v2.15',
        hashesPerSecond: DEMO_HASHES_PER_SECOND,
        pool: { host: pool.sv1.host, port: pool.sv1.port, user: 'demo-bitaxe', suggestedDifficulty: 0 },
        logger: simLogger,
      });
      simLogger.info('demo Bitaxe simulator running', { http: simulator.http });
      return { http: simulator.http, stop: () => simulator.stop() };
    },
    close: () => devnet.close(),
  };
}

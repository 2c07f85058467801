/**
 * The whole reference upstream on loopback in one call: the Sv2/Sv1 pool, the cashu mint it
 * quotes every share at, and a nostr relay for backups. Used by `axewallet devnet`, by `serve --demo`
 * and by integration tests.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../lib/log';
import { installPlatformCrypto } from '../lib/platform';
import { startMint, type DevnetMint } from './mint/index';
import { startPool, type DevnetPool, type PoolOptions } from './pool/pool';
import { startRelay } from './relay/relay';

export { DEVNET_POOL_LOCKING_SECRET, startPool, type DevnetPool, type PoolOptions } from './pool/pool';
export type { PoolStats, ChannelStats } from './pool/stats';
export type { ShareRejectReason } from './pool/shares';

export interface DevnetOptions {
  /** state directory (mint and relay databases); a temp dir removed at close() when absent */
  home?: string;
  blockIntervalSeconds?: number;
  sharesPerMinute?: number;
  /** ehash minimum difficulty in leading zero bits; also the easiest share target */
  minimumDifficulty?: number;
  shareBatchSize?: number;
  logger?: Logger;
  /** enable the mint's test hooks (unpaid quotes, dropped/delayed 0xC0, ...) */
  testHooks?: boolean;
  /** any other pool setting (retargetSeconds, successFlushMs, quotePollMs, ...) */
  pool?: Omit<PoolOptions, 'mint' | 'logger' | 'host'>;
}

export interface Devnet {
  home: string;
  pool: DevnetPool;
  mint: DevnetMint;
  relay: { url: string };
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** A block a minute: often enough to watch jobs turn over in a demo. */
const DEMO_BLOCK_INTERVAL_SECONDS = 60;

export async function startDevnet(opts: DevnetOptions = {}): Promise<Devnet> {
  installPlatformCrypto();
  const logger = opts.logger ?? silentLogger;
  const temporary = opts.home === undefined;
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'axewallet-devnet-'));
  mkdirSync(home, { recursive: true });
  const cleanups: Array<() => Promise<void> | void> = [];
  if (temporary) cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        logger.warn('devnet part failed to close', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  try {
    const mint = await startMint({ dbPath: join(home, 'mint.sqlite'), host: HOST, port: 0, logger, testHooks: opts.testHooks ?? false });
    cleanups.push(() => mint.close());
    const relay = await startRelay({ dbPath: join(home, 'relay.sqlite'), host: HOST, port: 0, logger });
    cleanups.push(() => relay.close());
    const pool = await startPool({
      ...opts.pool,
      host: HOST,
      blockIntervalSeconds: opts.blockIntervalSeconds ?? opts.pool?.blockIntervalSeconds ?? DEMO_BLOCK_INTERVAL_SECONDS,
      sharesPerMinute: opts.sharesPerMinute ?? opts.pool?.sharesPerMinute,
      minimumDifficulty: opts.minimumDifficulty ?? opts.pool?.minimumDifficulty,
      shareBatchSize: opts.shareBatchSize ?? opts.pool?.shareBatchSize,
      mint,
      logger,
    });
    cleanups.push(() => pool.close());
    return { home, pool, mint, relay: { url: relay.url }, close };
  } catch (error) {
    await close();
    throw error;
  }
}

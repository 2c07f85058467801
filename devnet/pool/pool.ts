/**
 * The devnet pool: a synthetic chain, an Sv2 port (Noise) with hashpool's ehash flow, and a plain
 * Sv1 port with the same jobs and validation. stop()/start() simulate an outage on the same ports.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { silentLogger, type Logger } from '../../lib/log';
import { SyntheticChain, type BlockTemplate, type ChainOptions } from './chain';
import { createPoolContext, type PoolContext, type PoolSession, type PoolSettings, type ShareQuoteMint } from './context';
import { ShareBook } from './shares';
import { StatsBook, type PoolStats } from './stats';
import { Sv1PoolSession } from './sv1-session';
import { startSv2Listener, type Sv2Listener } from './sv2-listener';
import { floorTargetForBits } from './vardiff';

export interface PoolOptions {
  host?: string;
  /** 0 or absent = a free port, kept across stop()/start() */
  sv2Port?: number;
  sv1Port?: number;
  blockIntervalSeconds?: number;
  /** new template on the same prevhash (more transactions, newer ntime); 0 = never */
  templateRefreshSeconds?: number;
  sharesPerMinute?: number;
  retargetSeconds?: number;
  /** ehash minimum difficulty in leading zero bits (hashpool dev: 0); also the easiest share target */
  minimumDifficulty?: number;
  shareBatchSize?: number;
  successFlushMs?: number;
  sv1ExtranonceSize?: number;
  sv1StartDifficulty?: number;
  /** false: the Sv1 port answers mining.configure with "version-rolling": false, like pools that allow none */
  sv1VersionRolling?: boolean;
  /** false: the Sv1 port acknowledges mining.suggest_difficulty and keeps its own difficulty, like pools that ignore it */
  sv1HonoursSuggestedDifficulty?: boolean;
  /** compressed pubkey hex for channels that announce no locking key */
  lockingKey?: string;
  /** 32-byte authority secret; default: hashpool's published dev authority key */
  authoritySecretKey?: Uint8Array;
  /** the devnet mint (or anything shaped like it); without one, shares are validated but not quoted */
  mint?: ShareQuoteMint;
  /** how often quotes held UNPAID are checked again (hashpool: 5000) */
  quotePollMs?: number;
  chain?: ChainOptions;
  maxConnections?: number;
  logger?: Logger;
}

export interface DevnetPool {
  sv2: { host: string; port: number };
  sv1: { host: string; port: number };
  /** base58check authority public key clients pin */
  authorityPubkey: string;
  /** the key quotes are locked to when a channel announces none */
  lockingKey: string;
  chain: SyntheticChain;
  stats(): PoolStats;
  /** a block was found: every connection gets new work on a new prevhash */
  findBlock(): BlockTemplate;
  /** a fresher template on the same prevhash */
  refreshTemplate(): BlockTemplate;
  /** sends Sv2 Reconnect to every Sv2 client (empty host / port 0 = same pool) */
  reconnectSv2Clients(newHost?: string, newPort?: number): void;
  /** closes both ports and drops every connection; state is kept */
  stop(): Promise<void>;
  /** listens again on the same ports */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Dev-only key the pool locks quotes to when a channel announces none (never a real wallet's key). */
export const DEVNET_POOL_LOCKING_SECRET = sha256(utf8ToBytes('axewallet devnet pool locking key'));

const DEFAULTS = {
  blockIntervalSeconds: 600,
  templateRefreshSeconds: 30,
  sharesPerMinute: 10,
  retargetSeconds: 30,
  minimumDifficulty: 0,
  shareBatchSize: 10,
  successFlushMs: 0,
  sv1ExtranonceSize: 8,
  maxConnections: 256,
  maxChannelsPerConnection: 64,
  quotePollMs: 5000,
};

export async function startPool(options: PoolOptions = {}): Promise<DevnetPool> {
  const host = options.host ?? '127.0.0.1';
  const logger = (options.logger ?? silentLogger).child('pool');
  const settings: PoolSettings = {
    sharesPerMinute: positive(options.sharesPerMinute, DEFAULTS.sharesPerMinute, 'sharesPerMinute'),
    retargetSeconds: positive(options.retargetSeconds, DEFAULTS.retargetSeconds, 'retargetSeconds'),
    minimumDifficulty: options.minimumDifficulty ?? DEFAULTS.minimumDifficulty,
    shareBatchSize: Math.max(1, Math.floor(options.shareBatchSize ?? DEFAULTS.shareBatchSize)),
    successFlushMs: options.successFlushMs ?? DEFAULTS.successFlushMs,
    sv1ExtranonceSize: options.sv1ExtranonceSize ?? DEFAULTS.sv1ExtranonceSize,
    sv1StartDifficulty: options.sv1StartDifficulty,
    sv1VersionRolling: options.sv1VersionRolling ?? true,
    sv1HonoursSuggestedDifficulty: options.sv1HonoursSuggestedDifficulty ?? true,
    lockingKey: options.lockingKey ?? bytesToHex(secp256k1.getPublicKey(DEVNET_POOL_LOCKING_SECRET, true)),
    maxChannelsPerConnection: DEFAULTS.maxChannelsPerConnection,
    quotePollMs: positive(options.quotePollMs, DEFAULTS.quotePollMs, 'quotePollMs'),
  };
  if (settings.sv1ExtranonceSize < 1 || settings.sv1ExtranonceSize > 24) throw new RangeError('sv1ExtranonceSize must be 1..24');
  const chain = new SyntheticChain(options.chain);
  const shares = new ShareBook(chain);
  const stats = new StatsBook();
  const timers = new Set<NodeJS.Timeout>();
  const ctx: PoolContext = createPoolContext({
    settings,
    chain,
    shares,
    stats,
    logger,
    floorTarget: floorTargetForBits(settings.minimumDifficulty),
    mint: options.mint,
    timers,
    serverId: 1,
  });
  const sessions = new Set<PoolSession>();
  const maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;

  const broadcast = (template: BlockTemplate, newBlock: boolean) => {
    shares.remember(template);
    for (const session of sessions) {
      try {
        session.onTemplate(template, newBlock);
      } catch (error) {
        logger.error('session failed to take a job', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  const findBlock = () => {
    const template = chain.advanceBlock(Math.floor(Date.now() / 1000));
    logger.info('new block', { height: template.height });
    broadcast(template, true);
    return template;
  };
  const refreshTemplate = () => {
    const template = chain.refreshTemplate(Math.floor(Date.now() / 1000));
    broadcast(template, false);
    return template;
  };

  const sv1Sockets = new Set<Socket>();
  let sv1Server: Server | null = null;
  let sv2Listener: Sv2Listener | null = null;
  let sv1Port = options.sv1Port ?? 0;
  let sv2Port = options.sv2Port ?? 0;
  let running: NodeJS.Timeout[] = [];

  const startSv1 = async (): Promise<void> => {
    const server = createServer((socket) => {
      if (sv1Sockets.size >= maxConnections) {
        socket.destroy();
        return;
      }
      sv1Sockets.add(socket);
      const session = new Sv1PoolSession(ctx, socket);
      sessions.add(session);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sv1Sockets.delete(socket);
        sessions.delete(session);
        session.destroy();
      });
    });
    await listen(server, host, sv1Port);
    sv1Port = (server.address() as { port: number }).port;
    sv1Server = server;
  };

  const startTimers = () => {
    const blockMs = positive(options.blockIntervalSeconds, DEFAULTS.blockIntervalSeconds, 'blockIntervalSeconds') * 1000;
    running.push(setInterval(findBlock, blockMs));
    const refreshSeconds = options.templateRefreshSeconds ?? DEFAULTS.templateRefreshSeconds;
    if (refreshSeconds > 0) running.push(setInterval(refreshTemplate, refreshSeconds * 1000));
    // Ticks drive vardiff windows and partial-batch flushes: often enough for the flush delay asked for.
    const tickMs = settings.successFlushMs > 0 ? Math.min(1000, Math.max(20, settings.successFlushMs / 2)) : 1000;
    running.push(
      setInterval(() => {
        const now = Date.now();
        for (const session of sessions) session.tick(now);
      }, tickMs),
    );
    for (const timer of running) timer.unref();
  };

  const start = async () => {
    if (sv1Server) return;
    sv2Listener = await startSv2Listener(ctx, {
      host,
      port: sv2Port,
      maxConnections,
      authoritySecretKey: options.authoritySecretKey,
      sessions,
    });
    sv2Port = sv2Listener.port;
    await startSv1();
    startTimers();
  };

  const stop = async () => {
    for (const timer of running) clearInterval(timer);
    running = [];
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const server = sv1Server;
    sv1Server = null;
    for (const socket of sv1Sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    const listener = sv2Listener;
    sv2Listener = null;
    if (listener) await listener.close();
    for (const session of sessions) session.destroy();
    sessions.clear();
  };

  await start();
  const authorityPubkey = sv2Listener!.authorityPubkey;
  logger.info('pool listening', { sv2: `${host}:${sv2Port}`, sv1: `${host}:${sv1Port}`, authorityPubkey });

  return {
    get sv2() {
      return { host, port: sv2Port };
    },
    get sv1() {
      return { host, port: sv1Port };
    },
    authorityPubkey,
    lockingKey: settings.lockingKey,
    chain,
    stats: () => stats.snapshot(),
    findBlock,
    refreshTemplate,
    reconnectSv2Clients: (newHost = '', newPort = 0) => sv2Listener?.reconnectAll(newHost, newPort),
    stop,
    start,
    close: stop,
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a positive number`);
  return v;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

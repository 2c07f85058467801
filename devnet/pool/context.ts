/**
 * What both ports of the pool share: the chain and its jobs, share validation, accounting,
 * extranonce prefixes and the mint. Sessions get this and nothing else.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Logger } from '../../core/log';
import { ehashAmount } from '../../core/protocol/ehash/amount';
import type { BlockTemplate, SyntheticChain } from './chain';
import type { ShareBook } from './shares';
import type { ChannelStats, StatsBook } from './stats';

/** The part of the devnet mint the pool uses: one quote per valid share. */
export interface ShareQuoteMint {
  createShareQuote(request: { amount: bigint; unit?: string; headerHash: string; pubkey: string }): Promise<{ quoteId: string }> | { quoteId: string };
}

/** Decides whether and when a quote notification (0xC0) goes out; hashpool treats them as unreliable. */
export type NotificationPolicy = (quoteId: string) => { drop?: boolean; delayMs?: number } | undefined;

export interface PoolSettings {
  sharesPerMinute: number;
  retargetSeconds: number;
  /** ehash minimum difficulty in leading zero bits; also the easiest share target the pool accepts */
  minimumDifficulty: number;
  shareBatchSize: number;
  /** flush a partial SubmitShares.Success batch after this long without new shares; 0 = only full batches (hashpool) */
  successFlushMs: number;
  sv1ExtranonceSize: number;
  /** Sv1 difficulty before any suggestion or retarget; undefined = the floor */
  sv1StartDifficulty: number | undefined;
  /** compressed pubkey hex quotes are locked to when a channel announces none */
  lockingKey: string;
  maxChannelsPerConnection: number;
  unit: string;
}

/** A connection on either port, told about new work and the passing of time. */
export interface PoolSession {
  onTemplate(template: BlockTemplate, newBlock: boolean): void;
  tick(nowMs: number): void;
  destroy(): void;
}

export interface PoolContext {
  readonly settings: PoolSettings;
  readonly chain: SyntheticChain;
  readonly shares: ShareBook;
  readonly stats: StatsBook;
  readonly logger: Logger;
  /** easiest target any channel may get */
  readonly floorTarget: bigint;
  nextConnectionId(): number;
  /** 8 bytes, unique across both ports for the life of the pool */
  allocateExtranoncePrefix(): Uint8Array;
  /**
   * Quotes a valid share at the mint and calls `notify` when the notification may go out.
   * Never throws: a failing mint is counted and logged.
   */
  quoteShare(channel: ChannelStats, headerHash: Uint8Array, lockingKey: string, notify: (quoteId: string, amount: bigint) => void): void;
}

export const EXTRANONCE_PREFIX_BYTES = 8;

export interface ContextDeps {
  settings: PoolSettings;
  chain: SyntheticChain;
  shares: ShareBook;
  stats: StatsBook;
  logger: Logger;
  floorTarget: bigint;
  mint: ShareQuoteMint | undefined;
  notificationPolicy: NotificationPolicy | undefined;
  /** timers created for delayed notifications, so the pool can cancel them at close */
  timers: Set<NodeJS.Timeout>;
  serverId: number;
}

export function createPoolContext(deps: ContextDeps): PoolContext {
  let connections = 0;
  let prefixes = 0n;
  return {
    settings: deps.settings,
    chain: deps.chain,
    shares: deps.shares,
    stats: deps.stats,
    logger: deps.logger,
    floorTarget: deps.floorTarget,
    nextConnectionId: () => ++connections,
    allocateExtranoncePrefix: () => {
      // hashpool's layout: a 2-byte server id, then a counter (big-endian).
      prefixes += 1n;
      const out = new Uint8Array(EXTRANONCE_PREFIX_BYTES);
      const view = new DataView(out.buffer);
      view.setUint16(0, deps.serverId);
      view.setUint16(2, Number((prefixes >> 32n) & 0xffffn));
      view.setUint32(4, Number(prefixes & 0xffffffffn));
      return out;
    },
    quoteShare: (channel, headerHash, lockingKey, notify) => {
      const amount = ehashAmount(headerHash, deps.settings.minimumDifficulty);
      const mint = deps.mint;
      if (amount === 0n || !mint) return;
      const headerHashHex = bytesToHex(headerHash);
      void (async () => {
        try {
          const { quoteId } = await mint.createShareQuote({ amount, unit: deps.settings.unit, headerHash: headerHashHex, pubkey: lockingKey });
          channel.quotes += 1;
          channel.ehash += amount;
          const policy = deps.notificationPolicy?.(quoteId);
          if (policy?.drop) return;
          const delay = policy?.delayMs ?? 0;
          if (delay <= 0) {
            notify(quoteId, amount);
            return;
          }
          const timer = setTimeout(() => {
            deps.timers.delete(timer);
            notify(quoteId, amount);
          }, delay);
          deps.timers.add(timer);
        } catch (error) {
          channel.quoteErrors += 1;
          deps.logger.warn('mint refused a share quote', { error: error instanceof Error ? error.message : String(error), headerHash: headerHashHex.slice(0, 16) });
        }
      })();
    },
  };
}

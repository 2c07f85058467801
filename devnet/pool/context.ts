/**
 * What both ports of the pool share: the chain and its jobs, share validation, accounting,
 * extranonce prefixes and the mint. Sessions get this and nothing else.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Logger } from '../../lib/log';
import { ehashAmount } from '../../lib/protocol/ehash/amount';
import type { BlockTemplate, SyntheticChain } from './chain';
import type { ShareBook } from './shares';
import type { ChannelStats, StatsBook } from './stats';

/** The part of the devnet mint the pool uses: one quote per valid share, its paid state, and the fate of its 0xC0. */
export interface ShareQuoteMint {
  createShareQuote(request: { amount: bigint; unit?: string; headerHash: string; pubkey: string }): Promise<{ quoteId: string }>;
  quote(id: string): { amount: bigint; amount_paid: bigint; expiry: number } | undefined;
  /** hashpool treats notifications as unreliable; the mint's test hooks may delay or drop them */
  notificationFate(): { drop: boolean; delayMs: number };
}

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
  /** whether the Sv1 port grants version rolling at all */
  sv1VersionRolling: boolean;
  /** whether mining.suggest_difficulty moves the Sv1 difficulty (or is acknowledged and ignored) */
  sv1HonoursSuggestedDifficulty: boolean;
  /** compressed pubkey hex quotes are locked to when a channel announces none */
  lockingKey: string;
  maxChannelsPerConnection: number;
  /** how often a quote the mint holds UNPAID is checked again (hashpool: 5 s) */
  quotePollMs: number;
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
  /** timers of delayed notifications and paid-state polls, so the pool can cancel them at stop */
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
      const later = (ms: number, run: () => void) => {
        const timer = setTimeout(() => {
          deps.timers.delete(timer);
          run();
        }, ms);
        deps.timers.add(timer);
      };
      // Like hashpool's pool: notify once the mint reports the quote paid, polling while it is held.
      const notifyWhenPaid = (quoteId: string) => {
        const quote = mint.quote(quoteId);
        if (!quote || quote.expiry * 1000 < Date.now()) return;
        if (quote.amount_paid < quote.amount) {
          later(deps.settings.quotePollMs, () => notifyWhenPaid(quoteId));
          return;
        }
        const fate = mint.notificationFate();
        if (fate.drop) return;
        if (fate.delayMs > 0) later(fate.delayMs, () => notify(quoteId, amount));
        else notify(quoteId, amount);
      };
      mint
        .createShareQuote({ amount, headerHash: headerHashHex, pubkey: lockingKey })
        .then(({ quoteId }) => {
          channel.quotes += 1;
          channel.ehash += amount;
          notifyWhenPaid(quoteId);
        })
        .catch((error: unknown) => {
          channel.quoteErrors += 1;
          deps.logger.warn('mint refused a share quote', { error: error instanceof Error ? error.message : String(error), headerHash: headerHashHex.slice(0, 16) });
        });
    },
  };
}

/**
 * Per-channel share accounting, readable in-process so tests can compare the pool's counts
 * with what a client or the proxy believes. Channels stay listed after they close.
 */
import type { ShareRejectReason } from './shares';

export type PoolPort = 'sv2' | 'sv1';

export interface ChannelStats {
  port: PoolPort;
  /** connection number within the pool, unique across both ports */
  connectionId: number;
  /** Sv2 channel id; 0 for an Sv1 connection */
  channelId: number;
  worker: string;
  lockingKey: string | null;
  open: boolean;
  accepted: number;
  rejected: Partial<Record<ShareRejectReason, number>>;
  /** ehash quoted at the mint for this channel's shares (sum of amounts) */
  ehash: bigint;
  quotes: number;
  quoteErrors: number;
  notificationsSent: number;
}

export interface PoolStats {
  accepted: number;
  rejected: Partial<Record<ShareRejectReason, number>>;
  quotes: number;
  ehash: bigint;
  channels: ChannelStats[];
}

export class StatsBook {
  private readonly channels: ChannelStats[] = [];

  open(entry: Pick<ChannelStats, 'port' | 'connectionId' | 'channelId' | 'worker' | 'lockingKey'>): ChannelStats {
    const stats: ChannelStats = { ...entry, open: true, accepted: 0, rejected: {}, ehash: 0n, quotes: 0, quoteErrors: 0, notificationsSent: 0 };
    this.channels.push(stats);
    return stats;
  }

  static reject(stats: ChannelStats, reason: ShareRejectReason): void {
    stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
  }

  snapshot(): PoolStats {
    const rejected: Partial<Record<ShareRejectReason, number>> = {};
    let accepted = 0;
    let quotes = 0;
    let ehash = 0n;
    for (const channel of this.channels) {
      accepted += channel.accepted;
      quotes += channel.quotes;
      ehash += channel.ehash;
      for (const [reason, count] of Object.entries(channel.rejected) as Array<[ShareRejectReason, number]>) {
        rejected[reason] = (rejected[reason] ?? 0) + count;
      }
    }
    return { accepted, rejected, quotes, ehash, channels: this.channels.map((c) => ({ ...c, rejected: { ...c.rejected } })) };
  }
}

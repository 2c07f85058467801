/**
 * What the pages read from commands that are still landing in core/api. Each field mirrors the stated
 * contract; once the command's schema is in core/api, its CommandOutput type replaces the local one here.
 */
import type { CommandOutput } from '../../core/api/contract';

export interface ShareCounts {
  accepted: number;
  rejected: number;
  awaiting: number;
  rejectReasons: Record<string, number>;
}

export interface MinerView {
  id?: string;
  worker?: string;
  address?: string;
  hashrate?: number;
  difficulty?: number;
  lastShareAt?: string | null;
  accepted?: number;
  rejected?: number;
  latencyMs?: number | null;
}

export interface UpstreamView {
  url?: string;
  protocol?: string;
  state?: string;
  connected?: boolean;
  latencyMs?: number | null;
  /** index into the failover list of the upstream in use */
  activeIndex?: number;
  failover?: boolean;
  lastError?: string | null;
}

export interface MiningView {
  shares: ShareCounts;
  miners: MinerView[];
  upstream?: UpstreamView | null;
  hashrate?: number;
}

export type WalletView = CommandOutput<'wallet.get'>;
export type BalanceView = WalletView['balances'][number];

/**
 * The live picture every page shares: mining and wallet state polled once a second (events make it sooner),
 * plus the samples the dashboard charts draw while the app is open.
 */
import { create } from 'zustand';
import type { ApiError } from '../../core/api/define';
import { asApiError, call } from './api';
import { useApp } from './store';
import { appendSample, type Sample } from './series';
import type { MiningView, WalletView } from './shapes';

interface LiveState {
  mining: MiningView | undefined;
  miningError: ApiError | undefined;
  wallet: WalletView | undefined;
  walletError: ApiError | undefined;
  hashrate: Sample[];
  refresh(): Promise<void>;
}

export function totalHashrate(mining: MiningView | undefined): number {
  return mining?.hashrate ?? 0;
}

export function totalBalance(wallet: WalletView | undefined): number {
  return (wallet?.balances ?? []).reduce((sum, b) => sum + Number(b.amount), 0);
}

export const useLive = create<LiveState>((set, get) => ({
  mining: undefined,
  miningError: undefined,
  wallet: undefined,
  walletError: undefined,
  hashrate: [],
  async refresh() {
    const t = Date.now() / 1000;
    const [mining, wallet] = await Promise.allSettled([call('mining.get', {}), call('wallet.get', {})]);
    const next: Partial<LiveState> = {};
    if (mining.status === 'fulfilled') {
      next.mining = mining.value;
      next.miningError = undefined;
      next.hashrate = appendSample(get().hashrate, { t, v: totalHashrate(mining.value) });
    } else next.miningError = asApiError(mining.reason);
    if (wallet.status === 'fulfilled') {
      next.wallet = wallet.value;
      next.walletError = undefined;
    } else next.walletError = asApiError(wallet.reason);
    set(next);
    noteConnection(mining.status === 'rejected' ? asApiError(mining.reason) : undefined);
  },
}));

export function startLivePolling(intervalMs = 1000): () => void {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    void useLive
      .getState()
      .refresh()
      .finally(() => {
        running = false;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return () => clearInterval(timer);
}

/** The bridge says "not answering" when the engine is gone: the app-wide surface says so, and clears when it is back. */
function noteConnection(error: ApiError | undefined): void {
  const app = useApp.getState();
  const lost = error?.code === 'unavailable' && error.message === NOT_ANSWERING;
  if (lost && app.connection !== 'offline') useApp.setState({ connection: 'offline', error });
  if (!lost && app.connection === 'offline') useApp.setState({ connection: 'online', error: app.error?.message === NOT_ANSWERING ? null : app.error });
}

/** the HTTP bridge's words when fetch itself fails (core/api/bridge.ts) */
const NOT_ANSWERING = 'Axewallet is not answering.';

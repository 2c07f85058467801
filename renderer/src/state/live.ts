import { asApiError, call } from '../api';
import { appendSample } from '../series';
import type { MiningView, WalletView } from '../shapes';
import type { LiveSlice, SliceCreator } from './shape';

export function totalHashrate(mining: MiningView | undefined): number {
  return mining?.hashrate ?? 0;
}

export function totalBalance(wallet: WalletView | undefined): number {
  return (wallet?.balances ?? []).reduce((sum, b) => sum + Number(b.amount), 0);
}

export const createLiveSlice: SliceCreator<LiveSlice> = (set, get) => ({
  mining: undefined,
  miningError: undefined,
  wallet: undefined,
  walletError: undefined,
  hashrate: [],
  async refresh() {
    const t = Date.now() / 1000;
    const [mining, wallet] = await Promise.allSettled([call('mining.get', {}), call('wallet.get', {})]);
    const next: Partial<LiveSlice> = {};
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
    get().noteConnection(mining.status === 'rejected' ? asApiError(mining.reason) : undefined);
  },
});

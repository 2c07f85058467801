import type { MiningView, WalletView } from '../shapes';
import { useApp } from '../store';
import { useLive } from '../live';
import { formatSi } from '../format';

function upstreamText(mining: MiningView | undefined, unavailable: boolean): string {
  if (unavailable) return 'not available yet';
  const up = mining?.upstream;
  if (!up) return '…';
  const state = up.state ?? (up.connected ? 'connected' : 'disconnected');
  return up.failover ? `${state} (failover)` : state;
}

function walletText(wallet: WalletView | undefined, unavailable: boolean): string {
  if (unavailable) return 'not available yet';
  if (!wallet) return '…';
  if (!wallet.exists) return 'no wallet yet';
  if (wallet.locked) return 'locked';
  const [first, ...rest] = wallet.balances;
  if (!first) return 'empty';
  return `${formatSi(first.amount)} ${first.unit}${rest.length ? ` +${rest.length} more` : ''}`;
}

export function StatusBar() {
  const status = useApp((s) => s.status);
  const connection = useApp((s) => s.connection);
  const mining = { data: useLive((s) => s.mining), error: useLive((s) => s.miningError) };
  const wallet = { data: useLive((s) => s.wallet), error: useLive((s) => s.walletError) };
  const proxy = status?.stratum ? `listening on port ${status.stratum.port}` : connection === 'online' ? 'not running' : '…';
  return (
    <footer className="statusbar" aria-label="Status">
      <span>
        <span className="label">Axewallet</span> {connection === 'online' ? 'connected' : connection}
      </span>
      <span>
        <span className="label">Upstream</span> {upstreamText(mining.data, !!mining.error)}
      </span>
      <span>
        <span className="label">Proxy</span> {proxy}
        {mining.data ? `, ${mining.data.miners.length} miner${mining.data.miners.length === 1 ? '' : 's'}` : ''}
      </span>
      <span>
        <span className="label">Wallet</span> {walletText(wallet.data, !!wallet.error)}
      </span>
      {status?.demo && <span className="demo-badge">Demo network</span>}
    </footer>
  );
}

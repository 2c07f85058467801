import type { MiningView, WalletView } from '../shapes';
import { useApp } from '../store';
import { formatSi } from '../format';
import { noPoolInUse, shortUrl, upstreamStateName } from '../upstream-words';

function upstreamText(mining: MiningView | undefined, unavailable: boolean): string {
  if (unavailable) return 'not available';
  const up = mining?.upstream;
  if (!up) return '…';
  const where = up.url ? ` ${shortUrl(up.url)}` : noPoolInUse(up) && up.upstreams[0] ? ` ${shortUrl(up.upstreams[0].url)}` : '';
  return `${upstreamStateName(up)}${where}${up.failover ? ' (failover)' : ''}`;
}

function walletText(wallet: WalletView | undefined, unavailable: boolean): string {
  if (unavailable) return 'not available';
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
  const mining = { data: useApp((s) => s.mining), error: useApp((s) => s.miningError) };
  const wallet = { data: useApp((s) => s.wallet), error: useApp((s) => s.walletError) };
  const stratum = mining.data?.stratum ?? status?.stratum;
  const proxy = stratum ? `port ${stratum.port}` : mining.data ? 'not listening' : '…';
  return (
    <section className="statusbar" aria-label="Status">
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
    </section>
  );
}

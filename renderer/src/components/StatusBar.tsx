import type { MiningView, WalletView } from '../shapes';
import { useApp } from '../store';
import { formatSi } from '../format';

export const upstreamStateWords: Record<MiningView['upstream']['state'], string> = {
  connecting: 'connecting',
  up: 'up',
  down: 'down',
  silent: 'silent (no work from the pool)',
  idle: 'idle (no miner yet)',
  none: 'none configured',
};

/**
 * The upstream's state as it is: "none" from the proxy means no pool is in use, which is "none configured" only
 * when the list is empty; with pools configured it means none of them answers.
 */
export function upstreamStateName(up: MiningView['upstream']): string {
  if (up.state !== 'none') return upstreamStateWords[up.state];
  const count = up.upstreams.length;
  if (count === 0) return 'none configured';
  return count === 1 ? 'pool unreachable (retrying)' : `no pool reachable (all ${count} down, retrying)`;
}

/** stratum2+tcp://host:port/KEY -> host:port: the key is long and the same every time */
export function shortUrl(url: string): string {
  return url.replace(/^[a-z0-9+]+:\/\//, '').replace(/\/.*$/, '');
}

function upstreamText(mining: MiningView | undefined, unavailable: boolean): string {
  if (unavailable) return 'not available';
  const up = mining?.upstream;
  if (!up) return '…';
  const where = up.url ? ` ${shortUrl(up.url)}` : up.state === 'none' && up.upstreams[0] ? ` ${shortUrl(up.upstreams[0].url)}` : '';
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

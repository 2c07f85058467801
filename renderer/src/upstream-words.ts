/** How the status bar and the dashboard put the upstream's state into words. */
import type { MiningView } from './shapes';

export const upstreamStateWords: Record<MiningView['upstream']['state'], string> = {
  connecting: 'connecting',
  up: 'up',
  down: 'down',
  silent: 'silent (no work from the pool)',
  idle: 'idle (no miner yet)',
  none: 'none configured',
};

/**
 * The upstream's state as it is. No pool in use ("none", or "down" with no pool chosen: the proxy tried them all) is
 * "none configured" only when the list is empty; with pools configured it means none of them answers.
 */
export function upstreamStateName(up: Pick<MiningView['upstream'], 'state' | 'url' | 'upstreams'>): string {
  if (!noPoolInUse(up)) return upstreamStateWords[up.state];
  const count = up.upstreams.length;
  if (count === 0) return 'none configured';
  return count === 1 ? 'pool unreachable (retrying)' : `no pool reachable (all ${count} down, retrying)`;
}

export function noPoolInUse(up: Pick<MiningView['upstream'], 'state' | 'url'>): boolean {
  return up.state === 'none' || (up.state === 'down' && !up.url);
}

/** stratum2+tcp://host:port/KEY -> host:port: the key is long and the same every time */
export function shortUrl(url: string): string {
  return url.replace(/^[a-z0-9+]+:\/\//, '').replace(/\/.*$/, '');
}

/**
 * Which mint pays each upstream's quotes: an upstream's own mintUrl (a second hashpool in the failover list),
 * else the mintUrl setting (the demo network's mint in demo mode).
 */
import type { Settings } from '../api/system';
import { parseUpstreamUrl } from '../api/upstream-url';

export class UpstreamMints {
  private byUpstream = new Map<string, string | undefined>();

  constructor(private readonly fallback: string | undefined) {}

  /** takes the upstream list's own mints (not in demo mode, where the devnet mint pays) */
  set(upstreams: Settings['upstreams']): void {
    this.byUpstream = new Map(upstreams.map((u) => [parseUpstreamUrl(u.url).url, u.mintUrl]));
  }

  /** the mint an upstream's quotes are minted at, undefined when none is configured */
  mintFor(upstream: string): string | undefined {
    return this.byUpstream.get(upstream) ?? this.fallback;
  }

  /** every mint the wallet must know, each once */
  all(): string[] {
    return [...new Set([this.fallback, ...this.byUpstream.values()].filter((u): u is string => u !== undefined))];
  }
}

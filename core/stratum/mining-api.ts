/**
 * Binds the proxy to the API contract: `mining.get` / `mining.shares` answered from the proxy and its
 * ledger, and the proxy's events forwarded as `mining.share`, `mining.upstream` and `mining.quote`.
 */
import { amountToJson } from '../api/define';
import type { ApiHost } from '../api/host';
import type { Proxy, QuoteEvent, ShareEvent, UpstreamEvent } from './proxy';

/** Registers the handlers and starts forwarding events; returns a function that stops forwarding. */
export function registerMiningApi(host: ApiHost, proxy: Proxy): () => void {
  host.handle('mining.get', () => proxy.snapshot());
  host.handle('mining.shares', ({ limit, headerHash }) => {
    if (headerHash) {
      const share = proxy.shareByHeaderHash(headerHash);
      return { shares: share ? [share] : [] };
    }
    return { shares: proxy.shares(limit) };
  });
  host.handle('mining.history', async ({ span, days }) => {
    const seconds = span === 'hour' ? 3600 : 86_400;
    return {
      buckets: (await proxy.shareHistory(span, Date.now() - days * 86_400_000)).map(({ start, ...bucket }) => ({
        at: new Date(start).toISOString(),
        ...bucket,
        hashrate: (bucket.work * 2 ** 32) / seconds,
      })),
    };
  });
  const onShare = (share: ShareEvent) => host.emit({ type: 'mining.share', share });
  const onUpstream = (event: UpstreamEvent) => host.emit({ type: 'mining.upstream', ...event });
  const onQuote = (event: QuoteEvent) =>
    host.emit({
      type: 'mining.quote',
      minerId: event.minerId,
      worker: event.worker,
      quoteId: event.quoteId,
      amount: amountToJson(event.amount),
      upstream: event.upstream,
      ...(event.error ? { error: event.error } : {}),
    });
  proxy.on('share', onShare);
  proxy.on('upstream', onUpstream);
  proxy.on('quote', onQuote);
  return () => {
    proxy.off('share', onShare);
    proxy.off('upstream', onUpstream);
    proxy.off('quote', onQuote);
  };
}

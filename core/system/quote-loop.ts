/**
 * The quote loop between the proxy and the wallet: each quote the pool announces is filed under the mint its
 * upstream pays at, and each quote the wallet mints settles its share in the proxy's ledger (a minted quote proves
 * the pool accepted the share, whatever the proxy could record when its miner left).
 */
import type { Logger } from '../../lib/log';
import type { Proxy } from '../stratum/proxy';
import type { WalletService } from '../wallet';
import type { UpstreamMints } from './upstream-mints';

export interface QuoteLoop {
  proxy: Pick<Proxy, 'on' | 'settleByQuote'>;
  wallet: Pick<WalletService, 'onQuoteEvent' | 'subscribe'>;
  mints: UpstreamMints;
  logger: Logger;
}

/** Connects both directions; returns the function that stops the settling (the proxy's listener ends with the proxy). */
export function connectQuoteLoop({ proxy, wallet, mints, logger }: QuoteLoop): () => void {
  const stopSettling = wallet.subscribe((e) => e.type === 'wallet.proof' && e.headerHash && proxy.settleByQuote(e.headerHash));
  proxy.on('quote', (quote) => {
    if (quote.error) {
      logger.warn('the pool could not create an ehash quote for a share', { quote: quote.quoteId, reason: quote.error.message });
      return;
    }
    const mintUrl = mints.mintFor(quote.upstream);
    wallet.onQuoteEvent({ ...quote, ...(mintUrl ? { mintUrl } : {}) });
  });
  return stopSettling;
}

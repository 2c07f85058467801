/**
 * One ehash quote on its way from the pool to the wallet, one shape from end to end. hashpool's
 * MintQuoteNotification (0xC0, extension 0 with the channel bit) gives the quote id and amount, or its
 * MintQuoteFailure (0xC1) an error; the proxy tags it with the miner whose share earned it and the upstream that
 * announced it; the composition root adds the mint that upstream pays at; the wallet mints it.
 */
export interface QuoteEvent {
  quoteId: string;
  /** in the mint's unit; 0 for a failure */
  amount: bigint;
  /** the pool could not create the quote (0xC1): nothing to mint */
  error?: { code: number; message: string };
  /** the proxy's id for the miner whose share earned it ('shared' for an aggregated channel) */
  minerId: string;
  worker: string;
  /** the upstream that announced it, as in the failover list */
  upstream: string;
  /** hex(sha256d(header)) of the share it pays for, when the announcer knows it */
  headerHash?: string;
  /** the mint to collect it at; the wallet's first mint when absent */
  mintUrl?: string;
}

/** What the pool's notice itself says (0xC0, or 0xC1 with its error), before the proxy knows whose share it paid. */
export type QuoteNotice = Pick<QuoteEvent, 'quoteId' | 'amount' | 'error'>;

/** What the wallet needs to mint a quote; the rest, when known, files the proofs under their share, miner and mint. */
export type MintableQuote = Pick<QuoteEvent, 'quoteId' | 'amount'> & Partial<Pick<QuoteEvent, 'headerHash' | 'minerId' | 'mintUrl'>>;

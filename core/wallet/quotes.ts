/**
 * The quote queue: every way the wallet hears of a quote feeds the one `quotes` table, and each quote carries its
 * own state, the reason it waits and its own back-off, so one quote a mint refuses never holds up another.
 *
 * Sources: the proxy's 0xC0 events (noted by the service), the pubkey lookup on whichever route the mint has
 * (CDK/hashpool's POST /v1/mint/quote/pubkey, draft #341's POST /v1/mint/quote/{method}/pubkey; a mint answering
 * 400/404/405 on both has no lookup, remembered and probed again hourly), and the NUT-29 check by id, which tells
 * paid from unpaid (immature: held until an epoch boundary confirms), updates a quote's unit and amount from every
 * answer (a reorg moves quotes to another epoch's unit), and is split to find an id the mint does not know (NUT-29
 * refuses the whole request for one).
 */
import { signQuoteLookup } from '../../lib/protocol/cashu';
import { type MintContext, type WalletCore } from './core';
import { MintError, type MintQuote } from './mint-client';
import { mintErrorRule } from './mint-errors';
import type { MintDirectory } from './mints';
import type { QuoteRow } from './store';

export interface QuoteBackoff {
  /** first wait after a refusal (doubles per refusal in a row) */
  baseMs: number;
  maxMs: number;
}

/** How long an id the mint does not know is kept asking about before it is dropped. */
const UNKNOWN_FOR_MS = 24 * 3600_000;
/** A mint without any lookup route is probed again after this long. */
const LOOKUP_PROBE_MS = 3600_000;
/** #341 pages read per pass (the rest next pass). */
const MAX_LOOKUP_PAGES = 20;

export function mintableAmount(q: MintQuote): bigint {
  if (q.amount_paid !== undefined) return q.amount_paid - (q.amount_issued ?? 0n);
  return q.state === 'PAID' && q.amount ? q.amount : 0n;
}

export function isIssued(q: MintQuote): boolean {
  if (q.amount_issued !== undefined && q.amount !== undefined) return q.amount_issued >= q.amount && q.amount > 0n;
  return q.state === 'ISSUED';
}

const refusal = (error: MintError) => `${error.message.replace(/^mint refused [^:]*: /, '')}${error.code !== undefined ? ` (${error.code})` : ''}`;

export class QuoteBook {
  constructor(
    private readonly core: WalletCore,
    private readonly mints: MintDirectory,
    readonly backoff: QuoteBackoff,
  ) {}

  private get store() {
    return this.core.store;
  }

  /** A quote the pool announced (0xC0): what the pool said, until the mint answers. Returns true when it was new. */
  noteEvent(mintUrl: string, q: { quote: string; amount?: bigint; headerHash?: string; minerId?: string }): boolean {
    return this.store.noteQuote({ mintUrl, id: q.quote, amount: q.amount, headerHash: q.headerHash?.toLowerCase(), minerId: q.minerId, source: 'event' });
  }

  /** A quote another machine on this seed waited on (its NIP-60 quote event): the mint's check says the rest. */
  noteFromBackup(mintUrl: string, id: string): boolean {
    return this.store.noteQuote({ mintUrl, id, source: 'backup' });
  }

  /** The mint's own answer about a quote (lookup, check): its state, unit, amount and lock. Returns true when new. */
  note(mintUrl: string, q: MintQuote, source: 'lookup' | 'check'): boolean {
    const pubkey = q.pubkey?.toLowerCase();
    if (pubkey && this.core.unlocked && !this.core.keyFor(pubkey)) {
      // not ours to mint (the proxy announced another key): forget it rather than check it forever
      this.store.deleteQuote(mintUrl, q.quote);
      this.core.logger.warn('quote locked to another key ignored', { quote: q.quote, mint: mintUrl });
      return false;
    }
    const state = mintableAmount(q) > 0n ? 'paid' : isIssued(q) ? 'issued' : 'unpaid';
    const fresh = this.store.noteQuote({
      mintUrl,
      id: q.quote,
      unit: q.unit,
      amount: q.amount,
      headerHash: q.request?.toLowerCase(),
      pubkey,
      expiry: q.expiry ?? undefined,
      source,
      state,
      authoritative: true,
    });
    if (state === 'unpaid' && q.expiry && q.expiry * 1000 < Date.now()) this.store.dropQuotes(mintUrl, [q.quote], 'expired before the mint paid it');
    else if (state === 'unpaid') this.store.noteReason(mintUrl, [q.quote], 'immature: the mint holds it unpaid until the block that opened its epoch is confirmed');
    return fresh;
  }

  // ---------------------------------------------------------------- lookup by pubkey

  /**
   * The quotes locked to our keys, on whichever lookup route the mint has. Never throws for a refusal or an
   * unreadable answer (the pass goes on with events and checks by id); throws MintError('offline') only.
   */
  async lookup(ctx: MintContext): Promise<number> {
    if (!ctx.pubkey) return 0;
    const { route, probedAt } = this.store.lookupRoute(ctx.url);
    if (route === 'none' && Date.now() - (probedAt ?? 0) < LOOKUP_PROBE_MS) return 0;
    const order: ('pubkey' | 'method')[] = route === 'method' ? ['method', 'pubkey'] : ['pubkey', 'method'];
    for (const candidate of order) {
      let quotes: MintQuote[];
      try {
        quotes = await this.lookupOn(ctx, candidate);
      } catch (error) {
        if (!(error instanceof MintError) || error.kind === 'offline') throw error;
        if (error.kind === 'rejected' && [400, 404, 405].includes(error.status ?? 0)) continue;
        this.core.logger.warn('quote lookup answer unusable; checking quotes by id instead', { mint: ctx.url, error: error.message });
        return 0;
      }
      if (route !== candidate) this.store.setLookupRoute(ctx.url, candidate);
      let fresh = 0;
      this.store.tx(() => {
        for (const q of quotes) if (this.note(ctx.url, q, 'lookup')) fresh++;
      });
      return fresh;
    }
    if (route !== 'none') this.core.logger.info('this mint has no quote lookup; quotes come from the pool (0xC0) and checks by id', { mint: ctx.url });
    this.store.setLookupRoute(ctx.url, 'none');
    return 0;
  }

  private async lookupOn(ctx: MintContext, route: 'pubkey' | 'method'): Promise<MintQuote[]> {
    const keys = this.core.ownKeys();
    const pubkeys = keys.map((k) => k.pubkey);
    if (route === 'pubkey')
      return ctx.client.quotesByPubkey(
        pubkeys,
        keys.map((k) => signQuoteLookup(ctx.pubkey!, k.pubkey, k.privkey)),
      );
    const timestamp = Math.floor(Date.now() / 1000) + ctx.clockOffset;
    const signatures = keys.map((k) => signQuoteLookup(ctx.pubkey!, k.pubkey, k.privkey, timestamp));
    const quotes: MintQuote[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
      const answer = await ctx.client.quotesByPubkeyForMethod(ctx.method, { pubkeys, signatures, timestamp, ...(cursor ? { cursor } : {}) });
      quotes.push(...answer.quotes);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return quotes;
  }

  // ---------------------------------------------------------------- check by id

  /**
   * Asks the mint about quotes not seen paid yet, in the mint's batch size: new ones every pass, ones it holds
   * unpaid when `includeHeld` (the lookup's schedule), each only once its back-off is over.
   */
  async check(ctx: MintContext, includeHeld: boolean): Promise<void> {
    const due = this.store.dueQuotes(ctx.url, 'unpaid', Date.now(), 10_000).filter((q) => includeHeld || q.checked_at === null);
    for (let i = 0; i < due.length; i += ctx.batchSize) await this.checkChunk(ctx, due.slice(i, i + ctx.batchSize));
  }

  /** Re-reads quotes from the mint (after a refusal that may mean their state, unit or amount changed). */
  recheck(ctx: MintContext, ids: string[]): Promise<void> {
    return this.checkChunk(ctx, this.store.quotesById(ctx.url, ids));
  }

  private async checkChunk(ctx: MintContext, quotes: QuoteRow[]): Promise<void> {
    if (quotes.length === 0) return;
    let answers: MintQuote[];
    try {
      answers = await ctx.client.checkQuotes(
        ctx.method,
        quotes.map((q) => q.id),
      );
    } catch (error) {
      if (!(error instanceof MintError) || error.kind !== 'rejected') throw error;
      if (mintErrorRule(error.code).class === 'batch-size' && quotes.length > 1) this.mints.shrinkBatch(ctx, quotes.length);
      if (quotes.length > 1) {
        // NUT-29 refuses the whole check for one id it does not know: halve until it is found
        const half = Math.ceil(quotes.length / 2);
        await this.checkChunk(ctx, quotes.slice(0, half));
        await this.checkChunk(ctx, quotes.slice(half));
        return;
      }
      this.unknown(ctx, quotes[0]!, error);
      return;
    }
    this.store.tx(() => {
      for (const q of answers) this.note(ctx.url, q, 'check');
    });
  }

  /** The mint refuses to say anything about this id: asked again with back-off, dropped after a day. */
  private unknown(ctx: MintContext, quote: QuoteRow, error: MintError): void {
    if (Date.now() - quote.seen_at > UNKNOWN_FOR_MS) {
      this.store.dropQuotes(ctx.url, [quote.id], `the mint has not known this quote for a day: ${refusal(error)}`);
      return;
    }
    this.store.deferQuotes(ctx.url, [quote.id], `the mint does not know this quote (asked ${quote.failures + 1} times): ${refusal(error)}`, this.backoff);
  }

  // ---------------------------------------------------------------- refusals of a mint request

  /**
   * A mint request for these quotes was refused and nothing was signed. With one quote the refusal is about it
   * (mint-errors.ts says how); with several it is about all of them (pending, disabled, auth).
   */
  async refused(ctx: MintContext, ids: string[], error: MintError): Promise<void> {
    const rule = mintErrorRule(error.code);
    const why = refusal(error);
    const long = { baseMs: this.backoff.maxMs / 4, maxMs: this.backoff.maxMs };
    switch (rule.class) {
      case 'disabled':
        this.store.deferQuotes(ctx.url, ids, `minting is disabled at this mint: ${why}`, long);
        return;
      case 'auth':
        this.store.deferQuotes(ctx.url, ids, `this mint requires authentication (NUT-21/22), which Axewallet does not support: ${why}`, long);
        return;
      case 'culprit':
        if (ids.length === 1) return this.culprit(ctx, ids[0]!, error, rule.quote ?? 'recheck');
        break;
      default:
        break;
    }
    this.store.deferQuotes(ctx.url, ids, `the mint refused to mint it: ${why}`, this.backoff);
  }

  private async culprit(ctx: MintContext, id: string, error: MintError, reaction: NonNullable<ReturnType<typeof mintErrorRule>['quote']>): Promise<void> {
    const why = refusal(error);
    if (reaction === 'unknown') {
      const row = this.store.quote(ctx.url, id);
      if (row) this.unknown(ctx, row, error);
      return;
    }
    if (reaction === 'signature') {
      const row = this.store.quote(ctx.url, id);
      if (row?.pubkey && !this.core.keyFor(row.pubkey)) {
        this.store.dropQuotes(ctx.url, [id], `locked to a key this wallet does not hold: ${why}`);
        return;
      }
      this.store.deferQuotes(ctx.url, [id], `the mint refuses this wallet's NUT-20 signature in both message formats: ${why}`, {
        baseMs: this.backoff.maxMs / 4,
        maxMs: this.backoff.maxMs,
      });
      return;
    }
    // what the mint thinks of it now decides the rest
    await this.recheck(ctx, [id]);
    const row = this.store.quote(ctx.url, id);
    if (!row || row.state === 'issued' || row.state === 'dropped') {
      if (row?.state === 'issued' && reaction === 'issued') {
        this.store.noteReason(ctx.url, [id], 'the mint had already issued it (another copy of this wallet minted it; a restore from the seed brings such proofs back)');
      }
      return;
    }
    if (reaction === 'expired') {
      this.store.dropQuotes(ctx.url, [id], row.state === 'paid' ? `expired: the mint no longer mints it although it was paid: ${why}` : `expired before the mint paid it: ${why}`);
      return;
    }
    if (row.state === 'unpaid') return; // held by the mint: note() gave the reason; checked again on schedule
    this.store.deferQuotes(ctx.url, [id], reaction === 'pending' ? `the mint holds it pending: ${why}` : `the mint refused to mint it: ${why}`, this.backoff);
  }

  /** Every waiting quote of a mint that is down says so (until the next answer). */
  mintUnreachable(mintUrl: string, message: string): void {
    const ids = [...this.store.dueQuotes(mintUrl, 'paid', Number.MAX_SAFE_INTEGER, 10_000), ...this.store.dueQuotes(mintUrl, 'unpaid', Number.MAX_SAFE_INTEGER, 10_000)]
      .filter((q) => q.reason === null || q.reason.startsWith('the mint is unreachable'))
      .map((q) => q.id);
    if (ids.length) this.store.noteReason(mintUrl, ids, `the mint is unreachable: ${message}`);
  }
}

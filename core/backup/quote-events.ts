/**
 * NIP-60 quote events (7374) for the mint quotes the wallet waits on: one per quote waiting longer than a few
 * minutes (most are minted within seconds and never need one), its id encrypted to self, the mint in a tag and a
 * NIP-40 expiration two weeks out; deleted (kind 5, `k` 7374) once the quote is minted or given up. The events on
 * the relays are read once per run, so a restart does not publish them again. Another NIP-60 wallet restoring
 * from the relays learns from them which quotes to redeem (a mint without the quote lookup can tell it nothing).
 */
import {
  buildQuoteDeletion,
  buildQuoteEvent,
  type EventTemplate,
  KIND_DELETION,
  KIND_QUOTE,
  parseQuoteEvent,
  type QuoteContent,
  QUOTE_EVENT_LIFETIME_SECONDS,
  type SelfCipher,
  type SignedEvent,
} from './nip60';
import type { RelayPool } from './pool';
import type { PendingQuote } from './port';
import { verifyEvents } from './verify';

/** A quote gets a 7374 event once the wallet has waited on it this long. */
export const QUOTE_EVENT_AFTER_SECONDS = 300;
/** 7374 events made per flush at most (a backlog goes out over the next flushes). */
const QUOTE_EVENTS_PER_FLUSH = 200;

export class QuoteEvents {
  /** the 7374 events on the relays, by `mint quoteId` (null until read) */
  private events: Map<string, SignedEvent> | null = null;

  constructor(
    private readonly pool: RelayPool,
    private readonly author: string,
    private readonly cipher: SelfCipher,
    private readonly afterSeconds = QUOTE_EVENT_AFTER_SECONDS,
  ) {}

  /** Publishes events for quotes that wait, deletes those of quotes that no longer do. */
  async publish(pending: PendingQuote[], sign: (template: EventTemplate) => SignedEvent, createdAt: () => number, send: (event: SignedEvent) => Promise<boolean>): Promise<void> {
    const events = (this.events ??= await this.load());
    const waiting = new Map(pending.map((q) => [`${q.mint} ${q.quoteId}`, q]));
    const done = [...events.entries()].filter(([key]) => !waiting.has(key));
    if (done.length > 0) {
      await send(
        sign(
          buildQuoteDeletion(
            done.map(([, e]) => e.id),
            createdAt(),
          ),
        ),
      );
      for (const [key] of done) events.delete(key);
    }
    const now = Math.floor(Date.now() / 1000);
    // a quote still waiting when its event is half way to expiring gets a fresh one
    const due = [...waiting.entries()].filter(([key, q]) => Date.now() - q.since >= this.afterSeconds * 1000 && (events.get(key)?.created_at ?? 0) <= now - QUOTE_EVENT_LIFETIME_SECONDS / 2);
    for (const [key, q] of due.slice(0, QUOTE_EVENTS_PER_FLUSH)) {
      const at = createdAt();
      const event = sign(buildQuoteEvent({ quoteId: q.quoteId, mint: q.mint, expiration: at + QUOTE_EVENT_LIFETIME_SECONDS }, this.cipher, at));
      if (await send(event)) events.set(key, event);
    }
  }

  private async load(): Promise<Map<string, SignedEvent>> {
    const live = await readQuoteEvents(this.pool, this.author, this.cipher);
    return new Map([...live].map(([key, { event }]) => [key, event]));
  }
}

export interface QuoteRecord {
  event: SignedEvent;
  quote: QuoteContent;
}

/**
 * The live quote events (7374) of an author, by `mint quoteId`, the newest per quote: verified, decrypted, kind-5
 * deletions applied; unreadable ones are left alone. Expired ones are kept (the publisher still deletes them);
 * a reader that acts on them skips those past their NIP-40 expiration (`unexpired`).
 */
export async function readQuoteEvents(pool: RelayPool, author: string, cipher: SelfCipher): Promise<Map<string, QuoteRecord>> {
  const [quotes, deletions] = await Promise.all([pool.queryAll({ kinds: [KIND_QUOTE], authors: [author] }), pool.queryAll({ kinds: [KIND_DELETION], authors: [author], '#k': [String(KIND_QUOTE)] })]);
  const verified = await verifyEvents([...quotes.events, ...deletions.events], { authors: new Set([author]), kinds: new Set([KIND_QUOTE, KIND_DELETION]) });
  const deleted = new Set(verified.events.filter((e) => e.kind === KIND_DELETION).flatMap((e) => e.tags.filter((t) => t[0] === 'e').map((t) => t[1])));
  const byQuote = new Map<string, QuoteRecord>();
  for (const event of verified.events) {
    if (event.kind !== KIND_QUOTE || deleted.has(event.id)) continue;
    try {
      const quote = parseQuoteEvent(event, cipher.decrypt(event.content));
      const key = `${quote.mint} ${quote.quoteId}`;
      if ((byQuote.get(key)?.event.created_at ?? -1) < event.created_at) byQuote.set(key, { event, quote });
    } catch {
      // unreadable: left alone
    }
  }
  return byQuote;
}

/** NIP-40: an event past its expiration is to be ignored. */
export function unexpired(records: Iterable<QuoteRecord>, nowSeconds = Math.floor(Date.now() / 1000)): QuoteContent[] {
  return [...records].filter((r) => r.quote.expiration > nowSeconds).map((r) => r.quote);
}

/**
 * The quote lookup by locking pubkey, on both routes real mints serve:
 *  - 'pubkey': POST /v1/mint/quote/pubkey {pubkeys, pubkey_signatures, only_mintable?} -> {quotes}, one route for every
 *    method, as hashpool's branch agent/nutxx-pubkey-lookup and its CDK fork have it (at most 50 pubkeys);
 *  - 'method': POST /v1/mint/quote/{method}/pubkey as draft cashubtc/nuts#341 moves it, with a signed `timestamp`
 *    the mint accepts within +-300 s of its clock and cursor paging ({quotes, next_cursor}).
 * Signatures are checked for every pubkey before anything is read (lib/protocol/cashu nut20.ts).
 */
import { verifyQuoteLookup } from '../../lib/protocol/cashu/index';
import { ErrorCode, mintError } from './errors';
import { bad, HEX33, type QuoteJson } from './wire';
import type { QuoteRow } from './store';

export type LookupRoute = 'pubkey' | 'method';

export const MAX_LOOKUP_PUBKEYS = 50;
/** how far a #341 request's timestamp may be from the mint's clock */
export const LOOKUP_TIMESTAMP_WINDOW_SECONDS = 300;

export interface LookupContext {
  mintPubkey: string;
  now: number;
  pageSize: number;
  quotesOf(pubkey: string, onlyMintable: boolean): QuoteRow[];
  toJson(q: QuoteRow): QuoteJson;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw bad(`${what} must be an array`);
  if (value.length > MAX_LOOKUP_PUBKEYS) throw mintError(ErrorCode.MAX_BATCH_SIZE_EXCEEDED, `${what}: at most ${MAX_LOOKUP_PUBKEYS} allowed`);
  return value;
}

/** The cursor names the last quote of the previous page (created_at, id): quotes minted meanwhile shift nothing. */
function encodeCursor(q: QuoteRow): string {
  return Buffer.from(JSON.stringify([q.createdAt, q.id])).toString('base64url');
}

function decodeCursor(value: unknown): [number, string] | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(value), 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') return [parsed[0], parsed[1]];
  } catch {
    // fall through
  }
  throw bad('cursor is not one this mint gave out');
}

export function lookupQuotes(route: LookupRoute, body: unknown, ctx: LookupContext): { quotes: QuoteJson[]; next_cursor?: string | null } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const pubkeys = list(b.pubkeys, 'pubkeys').map((p, i) => {
    if (typeof p !== 'string' || !HEX33.test(p)) throw bad(`pubkeys[${i}] must be a 33-byte compressed pubkey in hex`);
    return p.toLowerCase();
  });
  const signatures = list(b.pubkey_signatures, 'pubkey_signatures');
  if (pubkeys.length === 0 || signatures.length !== pubkeys.length) throw bad('one signature per pubkey is required');
  let timestamp: number | undefined;
  if (route === 'method') {
    if (typeof b.timestamp !== 'number' || !Number.isSafeInteger(b.timestamp)) throw bad('timestamp (unix seconds) is required');
    if (Math.abs(b.timestamp - ctx.now) > LOOKUP_TIMESTAMP_WINDOW_SECONDS) throw bad(`timestamp is more than ${LOOKUP_TIMESTAMP_WINDOW_SECONDS} s from the mint's clock`);
    timestamp = b.timestamp;
  }
  pubkeys.forEach((pubkey, i) => {
    if (!verifyQuoteLookup(ctx.mintPubkey, pubkey, typeof signatures[i] === 'string' ? signatures[i] : '', timestamp)) {
      throw mintError(ErrorCode.QUOTE_SIGNATURE_INVALID, `signature for pubkeys[${i}] is invalid`);
    }
  });
  const onlyMintable = b.only_mintable === true;
  const quotes = [...new Set(pubkeys)].flatMap((p) => ctx.quotesOf(p, onlyMintable));
  if (route === 'pubkey') return { quotes: quotes.map(ctx.toJson) };
  quotes.sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const after = decodeCursor(b.cursor);
  const rest = after ? quotes.filter((q) => q.createdAt > after[0] || (q.createdAt === after[0] && q.id > after[1])) : quotes;
  const page = rest.slice(0, ctx.pageSize);
  return { quotes: page.map(ctx.toJson), next_cursor: rest.length > page.length ? encodeCursor(page.at(-1)!) : null };
}

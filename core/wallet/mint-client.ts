/**
 * HTTP client for the cashu mint endpoints the wallet uses. Every answer is parsed with a schema;
 * failures become MintError with a kind the sweeper can act on (offline -> back off; rejected -> the
 * mint said no, with its cashu error code). A mint is not trusted with the wallet's memory or its
 * requests: answers are capped in size while they arrive, and redirects are refused (a redirect would
 * carry the wallet's proofs and signatures to an address nobody configured).
 */
import type { Proof } from '../../lib/protocol/cashu';
import { JSONInt } from '@cashu/cashu-ts';
import type { Agent } from 'node:http';
import { z } from 'zod';
import { HttpFailure, httpExchange, keepAliveAgent, type HttpReply } from '../../lib/transport/http';

export type MintErrorKind = 'offline' | 'rejected' | 'bad_response';

export class MintError extends Error {
  constructor(
    readonly kind: MintErrorKind,
    message: string,
    readonly code?: number,
    readonly status?: number,
    /** failed fast (a 5xx, a reset connection): asking again at once may work, unlike after a timeout */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'MintError';
  }
}

/** The largest answer read from a mint: far above any cashu answer (a full NUT-29 batch is ~250 KB). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** waits before asking a failing mint again for something that changes nothing */
const READ_RETRIES = [100, 400];

const hex = (len?: number) => (len ? z.string().regex(new RegExp(`^[0-9a-fA-F]{${len}}$`)) : z.string().regex(/^[0-9a-fA-F]{1,256}$/));
// u64 amounts travel as bare JSON numbers (CDK); JSONInt parses the ones past 2^53 as bigint
const amount = z.union([z.number().int().nonnegative(), z.bigint().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform((v) => BigInt(v));

export const mintInfoSchema = z
  .object({
    name: z.string().max(256).optional(),
    pubkey: hex(66).optional(),
    version: z.string().max(256).optional(),
    nuts: z.record(z.string(), z.unknown()).optional(),
    /** NUT-06: the mint's clock (unix seconds), which timestamped requests must match */
    time: z.number().int().nonnegative().optional(),
  })
  .passthrough();
export type MintInfo = z.infer<typeof mintInfoSchema>;

/** NUT-29 `max_batch_size` from a mint's info, when it advertises a usable one. */
export function advertisedBatchSize(info: MintInfo): number | undefined {
  const size = (info.nuts?.['29'] as { max_batch_size?: unknown } | undefined)?.max_batch_size;
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 1 ? size : undefined;
}

const keysetInfoSchema = z.object({
  id: z.string().regex(/^[0-9a-fA-F]{16,66}$/),
  unit: z.string().min(1).max(128),
  active: z.boolean(),
  input_fee_ppk: z.number().int().nonnegative().optional(),
  /** NUT-02: unix seconds after which the mint no longer accepts this keyset's proofs */
  final_expiry: z.number().int().nonnegative().nullable().optional(),
});
export type KeysetInfo = z.infer<typeof keysetInfoSchema>;
const keysetsSchema = z.object({
  keysets: z.array(keysetInfoSchema).max(10_000),
});
const keysSchema = z.object({
  keysets: z
    .array(
      z.object({
        id: z.string(),
        unit: z.string(),
        keys: z.record(z.string().regex(/^\d{1,20}$/), hex(66)),
      }),
    )
    .max(1000),
});

export const quoteSchema = z
  .object({
    quote: z.string().min(1).max(256),
    request: z.string().max(4096).optional(),
    method: z.string().max(64).optional(),
    amount: amount.optional(),
    amount_paid: amount.optional(),
    amount_issued: amount.optional(),
    state: z.string().max(32).optional(),
    unit: z.string().min(1).max(128).optional(),
    pubkey: hex(66).optional().nullable(),
    expiry: z.number().int().nullable().optional(),
  })
  .passthrough();
export type MintQuote = z.infer<typeof quoteSchema>;
// built once: zod prepares a schema at its first parse (14 µs each time for a schema built per call)
const checkAnswerSchema = z.array(quoteSchema).max(10_000);

const lookupPageSchema = z.union([
  z.object({ quotes: z.array(quoteSchema).max(100_000), next_cursor: z.string().max(512).nullable().optional() }).passthrough(),
  // some CDK revisions answer the lookup with a bare array
  z
    .array(quoteSchema)
    .max(100_000)
    .transform((quotes) => ({ quotes, next_cursor: null })),
]);

export const blindSignatureSchema = z.object({
  id: z.string().max(66),
  amount,
  C_: hex(66),
  dleq: z.object({ e: hex(64), s: hex(64) }).optional(),
});
export type BlindSignatureJson = z.infer<typeof blindSignatureSchema>;

const signaturesSchema = z.object({
  signatures: z.array(blindSignatureSchema).max(100_000),
});
const restoreSchema = z.object({
  outputs: z.array(z.object({ amount, id: z.string(), B_: hex(66) })).max(100_000),
  signatures: z.array(blindSignatureSchema).max(100_000).optional(),
  promises: z.array(blindSignatureSchema).max(100_000).optional(),
});
const checkStateSchema = z.object({
  states: z.array(z.object({ Y: hex(66), state: z.enum(['UNSPENT', 'PENDING', 'SPENT']) })).max(100_000),
});

export interface BlindedMessageJson {
  amount: bigint;
  id: string;
  B_: string;
}

// A number token follows ':', '[' or ',' (and maybe blanks, a sign); hex strings with 16 digits in a row
// (most DLEQ proofs and header hashes) must not send every batch answer down JSONInt's ~10x slower path.
const LONG_NUMBER = /[:,[]\s*-?[\d.]*\d{16}/;

/** JSON.parse unless a number token may exceed 2^53 (then JSONInt, which is exact but far slower). */
export function parseWire(text: string): unknown {
  return LONG_NUMBER.test(text) ? JSONInt.parse(text) : JSON.parse(text);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** JSON with bigints written as bare numbers (u64 amounts, as CDK expects; past 2^53 exactly). */
export function stringifyWire(value: unknown): string {
  let big = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string' && v.startsWith('\u0000')) throw new MintError('bad_response', 'refusing to send a string that starts with NUL');
    if (typeof v !== 'bigint') return v;
    if (v <= MAX_SAFE) return Number(v);
    big = true;
    return `\u0000${v}`;
  });
  return big ? text.replace(/"\\u0000(\d+)"/g, '$1') : text;
}

export function normalizeMintUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new MintError('bad_response', `a mint address must be http(s): ${url}`);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** Proofs kept as JSON (an operation's foreign inputs), amounts read back as bigint. */
export function proofsFromJson(text: string): Proof[] {
  return (parseWire(text) as Array<Omit<Proof, 'amount'> & { amount: number | bigint | string }>).map((p) => ({ ...p, amount: BigInt(p.amount) }));
}

export class MintClient {
  readonly url: string;
  private readonly agent: Agent;

  constructor(
    url: string,
    private readonly timeoutMs = 15_000,
    private readonly maxResponseBytes = MAX_RESPONSE_BYTES,
  ) {
    this.url = normalizeMintUrl(url);
    this.agent = keepAliveAgent(new URL(this.url).protocol);
  }

  /**
   * A request that changes nothing at the mint (info, keysets, checks, lookups, NUT-09): asked again after a quick
   * 5xx (a mint behind a flaky proxy), twice at most. Requests that sign outputs are never repeated here: recovery
   * asks the mint first whether it already served them.
   */
  private async read<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(method, path, schema, body);
      } catch (error) {
        if (!(error instanceof MintError && error.transient) || attempt >= READ_RETRIES.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, READ_RETRIES[attempt]));
      }
    }
  }

  private async request<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    let response: HttpReply;
    try {
      response = await httpExchange(`${this.url}${path}`, {
        method,
        ...(body === undefined ? {} : { json: stringifyWire(body) }),
        deadlineMs: this.timeoutMs,
        maxBodyBytes: this.maxResponseBytes,
        agent: this.agent,
      });
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      if (error.kind === 'too-large') {
        throw new MintError('bad_response', `mint ${this.url} answered ${path} with more than ${this.maxResponseBytes} bytes; refused (no cashu answer is that large)`, undefined, error.status);
      }
      throw new MintError('offline', `mint ${this.url} unreachable: ${error.message}`, undefined, undefined, error.kind === 'unreachable');
    }
    const { status } = response;
    if (status >= 300 && status < 400) {
      const location = response.headers.location;
      throw new MintError(
        'bad_response',
        `mint ${this.url} answered ${path} with a redirect${location ? ` to ${location.slice(0, 200)}` : ''}; refused: a mint is used only at the address configured for it`,
        undefined,
        status,
      );
    }
    if (!response.complete) throw new MintError('offline', `mint ${this.url} broke off its answer to ${path}`, undefined, status, true);
    let json: unknown;
    try {
      json = response.body ? parseWire(response.body) : undefined;
    } catch {
      if (status >= 500 || status === 429) throw new MintError('offline', `mint ${this.url} answered ${status}`, undefined, status, status >= 500);
      throw new MintError('bad_response', `mint ${this.url} answered ${path} with something that is not JSON`, undefined, status);
    }
    if (status < 200 || status >= 300) {
      const detail = (json as { detail?: unknown; code?: unknown } | undefined) ?? {};
      const code = typeof detail.code === 'number' ? detail.code : undefined;
      // a 5xx is the mint failing, not refusing, and a 429 asks to come back later: retry later whatever code it carries
      if (status >= 500 || status === 429) throw new MintError('offline', `mint ${this.url} answered ${status}`, undefined, status, status >= 500);
      throw new MintError('rejected', `mint refused ${path}: ${typeof detail.detail === 'string' ? detail.detail.slice(0, 200) : status}`, code, status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new MintError('bad_response', `mint ${this.url} answered ${path} outside the cashu spec: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  info(): Promise<MintInfo> {
    return this.read('GET', '/v1/info', mintInfoSchema);
  }

  async keysets() {
    return (await this.read('GET', '/v1/keysets', keysetsSchema)).keysets;
  }

  async keys(keysetId: string) {
    const answer = await this.read('GET', `/v1/keys/${encodeURIComponent(keysetId)}`, keysSchema);
    const keyset = answer.keysets.find((k) => k.id === keysetId);
    if (!keyset) throw new MintError('bad_response', `mint did not return keys for keyset ${keysetId}`);
    return keyset;
  }

  quote(method: string, id: string): Promise<MintQuote> {
    return this.read('GET', `/v1/mint/quote/${encodeURIComponent(method)}/${encodeURIComponent(id)}`, quoteSchema);
  }

  checkQuotes(method: string, ids: string[]): Promise<MintQuote[]> {
    return this.read('POST', `/v1/mint/quote/${encodeURIComponent(method)}/check`, checkAnswerSchema, { quotes: ids });
  }

  /** CDK's and hashpool's lookup (one route for every method): POST /v1/mint/quote/pubkey, mintable quotes only. */
  async quotesByPubkey(pubkeys: string[], signatures: string[]): Promise<MintQuote[]> {
    const answer = await this.read('POST', '/v1/mint/quote/pubkey', lookupPageSchema, {
      pubkeys,
      pubkey_signatures: signatures,
      only_mintable: true,
    });
    return answer.quotes;
  }

  /**
   * Draft #341's lookup: POST /v1/mint/quote/{method}/pubkey with a signed timestamp (the mint accepts +-300 s)
   * and cursor paging; one page per call. `only_mintable` is asked for; a mint that ignores it pages through more.
   */
  async quotesByPubkeyForMethod(method: string, request: { pubkeys: string[]; signatures: string[]; timestamp: number; cursor?: string }): Promise<{ quotes: MintQuote[]; nextCursor?: string }> {
    const body: Record<string, unknown> = { pubkeys: request.pubkeys, pubkey_signatures: request.signatures, timestamp: request.timestamp, only_mintable: true };
    if (request.cursor) body.cursor = request.cursor;
    const answer = await this.read('POST', `/v1/mint/quote/${encodeURIComponent(method)}/pubkey`, lookupPageSchema, body);
    return answer.next_cursor ? { quotes: answer.quotes, nextCursor: answer.next_cursor } : { quotes: answer.quotes };
  }

  /** NUT-29 batch mint; `signatures[i]` is null for a quote that is not locked. */
  async mintBatch(method: string, quotes: string[], outputs: BlindedMessageJson[], signatures: (string | null)[]): Promise<BlindSignatureJson[]> {
    const answer = await this.request('POST', `/v1/mint/${encodeURIComponent(method)}/batch`, signaturesSchema, {
      quotes,
      quote_amounts: null,
      outputs,
      signatures,
    });
    return answer.signatures;
  }

  async swap(inputs: Proof[], outputs: BlindedMessageJson[]): Promise<BlindSignatureJson[]> {
    return (
      await this.request('POST', '/v1/swap', signaturesSchema, {
        inputs,
        outputs,
      })
    ).signatures;
  }

  async checkState(Ys: string[]) {
    return (await this.read('POST', '/v1/checkstate', checkStateSchema, { Ys })).states;
  }

  /** NUT-09: the signatures the mint holds for these outputs (only those it ever signed come back). */
  async restore(outputs: BlindedMessageJson[]): Promise<{ outputs: { B_: string }[]; signatures: BlindSignatureJson[] }> {
    const answer = await this.read('POST', '/v1/restore', restoreSchema, {
      outputs,
    });
    const signatures = answer.signatures ?? answer.promises ?? [];
    if (signatures.length !== answer.outputs.length) throw new MintError('bad_response', 'mint restore answer pairs outputs and signatures unevenly');
    return { outputs: answer.outputs, signatures };
  }
}

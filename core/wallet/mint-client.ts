/**
 * HTTP client for the cashu mint endpoints the wallet uses. Every answer is parsed with a schema;
 * failures become MintError with a kind the sweeper can act on (offline -> back off; rejected -> the
 * mint said no, with its cashu error code).
 */
import { JSONInt } from '@cashu/cashu-ts';
import { z } from 'zod';

export type MintErrorKind = 'offline' | 'rejected' | 'bad_response';

export class MintError extends Error {
  constructor(
    readonly kind: MintErrorKind,
    message: string,
    readonly code?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MintError';
  }
}

/** cashu error codes the wallet reacts to */
export const MINT_ERROR = {
  TOKEN_SPENT: 11001,
  OUTPUTS_ALREADY_SIGNED: 11003,
  QUOTE_ISSUED: 20002,
  QUOTE_UNPAID: 20001,
  NUT20_FORMAT: 20008,
} as const;

const hex = (len?: number) => (len ? z.string().regex(new RegExp(`^[0-9a-fA-F]{${len}}$`)) : z.string().regex(/^[0-9a-fA-F]{1,256}$/));
// u64 amounts travel as bare JSON numbers (CDK); JSONInt parses the ones past 2^53 as bigint
const amount = z.union([z.number().int().nonnegative(), z.bigint().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform((v) => BigInt(v));

export const mintInfoSchema = z
  .object({
    name: z.string().max(256).optional(),
    pubkey: hex(66).optional(),
    version: z.string().max(256).optional(),
    nuts: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();
export type MintInfo = z.infer<typeof mintInfoSchema>;

const keysetInfoSchema = z.object({
  id: z.string().regex(/^[0-9a-fA-F]{16,66}$/),
  unit: z.string().min(1).max(128),
  active: z.boolean(),
  input_fee_ppk: z.number().int().nonnegative().optional(),
});
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
  })
  .passthrough();
export type MintQuote = z.infer<typeof quoteSchema>;

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
  amount: number | bigint;
  id: string;
  B_: string;
}

export interface ProofJson {
  id: string;
  amount: number | bigint;
  secret: string;
  C: string;
  witness?: string;
}

// A number token follows ':', '[' or ',' (and maybe blanks, a sign); hex strings with 16 digits in a row
// (most DLEQ proofs and header hashes) must not send every batch answer down JSONInt's ~10x slower path.
const LONG_NUMBER = /[:,[]\s*-?[\d.]*\d{16}/;

/** JSON.parse unless a number token may exceed 2^53 (then JSONInt, which is exact but far slower). */
export function parseWire(text: string): unknown {
  return LONG_NUMBER.test(text) ? JSONInt.parse(text) : JSON.parse(text);
}

/** JSON with bigints written as bare numbers. */
export function stringifyWire(value: unknown): string {
  let big = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string' && v.startsWith('\u0000')) throw new MintError('bad_response', 'refusing to send a string that starts with NUL');
    if (typeof v !== 'bigint') return v;
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

/** amounts on the wire: JSON numbers, bigint past 2^53 (JSONInt writes it as a bare number, as CDK expects for u64) */
export function amountToWire(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

export class MintClient {
  readonly url: string;

  constructor(
    url: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.url = normalizeMintUrl(url);
  }

  private async request<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : stringifyWire(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new MintError('offline', `mint ${this.url} unreachable: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? parseWire(text) : undefined;
    } catch {
      if (response.status >= 500) throw new MintError('offline', `mint ${this.url} answered ${response.status}`, undefined, response.status);
      throw new MintError('bad_response', `mint ${this.url} answered ${path} with something that is not JSON`, undefined, response.status);
    }
    if (!response.ok) {
      const detail = (json as { detail?: unknown; code?: unknown } | undefined) ?? {};
      const code = typeof detail.code === 'number' ? detail.code : undefined;
      // a 5xx is the mint failing, not refusing: retry later whatever code it carries
      if (response.status >= 500) throw new MintError('offline', `mint ${this.url} answered ${response.status}`, undefined, response.status);
      throw new MintError(
        'rejected',
        `mint refused ${path}: ${typeof detail.detail === 'string' ? detail.detail.slice(0, 200) : response.status}`,
        code,
        response.status,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new MintError('bad_response', `mint ${this.url} answered ${path} outside the cashu spec: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  info(): Promise<MintInfo> {
    return this.request('GET', '/v1/info', mintInfoSchema);
  }

  async keysets() {
    return (await this.request('GET', '/v1/keysets', keysetsSchema)).keysets;
  }

  async keys(keysetId: string) {
    const answer = await this.request('GET', `/v1/keys/${encodeURIComponent(keysetId)}`, keysSchema);
    const keyset = answer.keysets.find((k) => k.id === keysetId);
    if (!keyset) throw new MintError('bad_response', `mint did not return keys for keyset ${keysetId}`);
    return keyset;
  }

  quote(method: string, id: string): Promise<MintQuote> {
    return this.request('GET', `/v1/mint/quote/${encodeURIComponent(method)}/${encodeURIComponent(id)}`, quoteSchema);
  }

  checkQuotes(method: string, ids: string[]): Promise<MintQuote[]> {
    return this.request('POST', `/v1/mint/quote/${encodeURIComponent(method)}/check`, z.array(quoteSchema).max(10_000), { quotes: ids });
  }

  async quotesByPubkey(pubkeys: string[], signatures: string[]): Promise<MintQuote[]> {
    const answer = await this.request('POST', '/v1/mint/quote/pubkey', z.object({ quotes: z.array(quoteSchema).max(100_000) }), {
      pubkeys,
      pubkey_signatures: signatures,
      only_mintable: true,
    });
    return answer.quotes;
  }

  async mintBatch(method: string, quotes: string[], outputs: BlindedMessageJson[], signatures: string[]): Promise<BlindSignatureJson[]> {
    const answer = await this.request('POST', `/v1/mint/${encodeURIComponent(method)}/batch`, signaturesSchema, {
      quotes,
      quote_amounts: null,
      outputs,
      signatures,
    });
    return answer.signatures;
  }

  async swap(inputs: ProofJson[], outputs: BlindedMessageJson[]): Promise<BlindSignatureJson[]> {
    return (
      await this.request('POST', '/v1/swap', signaturesSchema, {
        inputs,
        outputs,
      })
    ).signatures;
  }

  async checkState(Ys: string[]) {
    return (await this.request('POST', '/v1/checkstate', checkStateSchema, { Ys })).states;
  }

  /** NUT-09: the signatures the mint holds for these outputs (only those it ever signed come back). */
  async restore(outputs: BlindedMessageJson[]): Promise<{ outputs: { B_: string }[]; signatures: BlindSignatureJson[] }> {
    const answer = await this.request('POST', '/v1/restore', restoreSchema, {
      outputs,
    });
    const signatures = answer.signatures ?? answer.promises ?? [];
    if (signatures.length !== answer.outputs.length) throw new MintError('bad_response', 'mint restore answer pairs outputs and signatures unevenly');
    return { outputs: answer.outputs, signatures };
  }
}

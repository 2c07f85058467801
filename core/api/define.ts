/**
 * The building blocks of the API contract. A command is a request/response pair with zod
 * schemas; both transports (Electron IPC and HTTP) validate with the same schemas.
 * Pure: zod only, so the renderer may import it.
 */
import { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface CommandDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** dotted name used over IPC: "wallet.send" */
  name: string;
  method: HttpMethod;
  /** path under /api/v1; ":param" segments are merged into the input */
  path: string;
  summary: string;
  input: I;
  output: O;
}

export function defineCommand<I extends z.ZodType, O extends z.ZodType>(def: CommandDef<I, O>): CommandDef<I, O> {
  return def;
}

export const noInput = z.object({}).strict();

/**
 * Amounts: JSON numbers while they are exact (<= 2^53 - 1), decimal strings beyond.
 * ehash amounts reach 2^63, so a plain number would silently round.
 */
export const amountSchema = z.union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,20}$/)]);
export type AmountJson = z.infer<typeof amountSchema>;

export function amountToJson(value: bigint): AmountJson {
  if (value < 0n) throw new RangeError('amounts are never negative');
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

export function amountFromJson(value: AmountJson): bigint {
  return BigInt(value);
}

/** Error codes the UI maps to a next step; `hint` is the human next step itself. */
export const apiErrorCodes = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'unavailable',
  /** the bridge could not reach Axewallet at all (the engine stopped or the page lost its origin); never sent by the engine */
  'offline',
  'locked',
  'upstream_error',
  'internal',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

export const apiErrorBody = z.object({
  error: z.object({
    code: z.enum(apiErrorCodes),
    message: z.string(),
    hint: z.string().optional(),
    field: z.string().optional(),
    /** machine-readable facts about the error (e.g. reason "confirm_mint" and the mint's URL) */
    details: z.record(z.string(), z.string()).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorBody>;

export const httpStatusOf: Record<ApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  locked: 423,
  upstream_error: 502,
  unavailable: 503,
  offline: 503,
  internal: 500,
};

/** Thrown by handlers and transports; carries what the user should do next. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly hint?: string,
    readonly field?: string,
    readonly details?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    const error: ApiErrorBody['error'] = { code: this.code, message: this.message };
    if (this.hint) error.hint = this.hint;
    if (this.field) error.field = this.field;
    if (this.details) error.details = this.details;
    return { error };
  }

  static fromBody(body: ApiErrorBody): ApiError {
    return new ApiError(body.error.code, body.error.message, body.error.hint, body.error.field, body.error.details);
  }
}

/** One readable line from a zod error, naming the field. */
export function describeZodError(error: z.ZodError): { message: string; field?: string } {
  const issue = error.issues[0];
  if (!issue) return { message: 'invalid input' };
  const field = issue.path.map(String).join('.');
  return field ? { message: `${field}: ${issue.message}`, field } : { message: issue.message };
}

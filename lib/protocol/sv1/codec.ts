/**
 * Stratum V1 (JSON-RPC over newline-delimited JSON) parsing with limits.
 * Pure: no sockets. Every error is a typed Sv1ProtocolError the caller can answer with.
 */
export const MAX_SV1_LINE_BYTES = 16 * 1024;

export type Sv1Id = number | string | null;

export interface Sv1Request {
  kind: 'request';
  id: Sv1Id;
  method: string;
  params: unknown[];
}

export interface Sv1Response {
  kind: 'response';
  id: Sv1Id;
  result: unknown;
  error: unknown;
  /** non-standard top-level reason some pools send with a rejected share */
  rejectReason?: string;
}

export type Sv1Message = Sv1Request | Sv1Response;

export type Sv1ErrorCode = 'line-too-long' | 'invalid-json' | 'not-an-object' | 'invalid-id' | 'invalid-method' | 'invalid-params';

export class Sv1ProtocolError extends Error {
  constructor(
    readonly code: Sv1ErrorCode,
    message: string,
    readonly id: Sv1Id = null,
  ) {
    super(message);
    this.name = 'Sv1ProtocolError';
  }
}

function readId(value: unknown): Sv1Id {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.length <= 64) return value;
  throw new Sv1ProtocolError('invalid-id', 'id must be a number, a short string or null');
}

export function parseSv1Line(line: string): Sv1Message {
  if (line.length > MAX_SV1_LINE_BYTES) throw new Sv1ProtocolError('line-too-long', `line longer than ${MAX_SV1_LINE_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Sv1ProtocolError('invalid-json', 'line is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Sv1ProtocolError('not-an-object', 'message must be a JSON object');
  }
  const obj = value as Record<string, unknown>;
  const id = readId(obj.id);
  if ('method' in obj && obj.method !== undefined && obj.method !== null) {
    if (typeof obj.method !== 'string' || obj.method.length === 0 || obj.method.length > 64) {
      throw new Sv1ProtocolError('invalid-method', 'method must be a non-empty string', id);
    }
    const params = obj.params === undefined || obj.params === null ? [] : obj.params;
    if (!Array.isArray(params)) throw new Sv1ProtocolError('invalid-params', 'params must be an array', id);
    return { kind: 'request', id, method: obj.method, params };
  }
  const response: Sv1Response = { kind: 'response', id, result: obj.result ?? null, error: obj.error ?? null };
  if (typeof obj['reject-reason'] === 'string') response.rejectReason = obj['reject-reason'];
  return response;
}

export function encodeSv1(message: object): string {
  return `${JSON.stringify(message)}\n`;
}

export function sv1Request(id: Sv1Id, method: string, params: unknown[]): string {
  return encodeSv1({ id, method, params });
}

export function sv1Result(id: Sv1Id, result: unknown): string {
  // the answer to every accepted share, written out: JSON.stringify walks an object for it in ten times the time
  if (result === true && typeof id === 'number' && Number.isFinite(id)) return `{"id":${id},"result":true,"error":null}\n`;
  return encodeSv1({ id, result, error: null });
}

/** Stratum error triple [code, message, traceback] that ESP-Miner and cgminer-derived clients parse. */
export function sv1Error(id: Sv1Id, code: number, message: string): string {
  return encodeSv1({ id, result: null, error: [code, message, null] });
}

/** Conventional Stratum V1 error codes. */
export const SV1_ERRORS = {
  other: 20,
  jobNotFound: 21,
  duplicateShare: 22,
  lowDifficulty: 23,
  unauthorized: 24,
  notSubscribed: 25,
} as const;

/** Reason text a response carries for a rejected share, from any of the shapes pools use. */
export function rejectReasonOf(response: Sv1Response): string | undefined {
  if (response.rejectReason) return response.rejectReason;
  const error = response.error;
  if (Array.isArray(error) && typeof error[1] === 'string') return error[1];
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return undefined;
}

const CARRIAGE_RETURN = 0x0d;
/** how a JSON-RPC line starts: such a line needs no check that it is blank (a regular expression and a trim took ~700 instructions a share) */
const OPENING_BRACE = 0x7b;

/**
 * Splits a byte stream into lines without ever buffering more than the limit:
 * an overlong line is reported once and skipped up to its newline.
 */
export class Sv1LineSplitter {
  private buffer = '';
  private discarding = false;

  constructor(private readonly maxLineBytes = MAX_SV1_LINE_BYTES) {}

  /** Returns complete lines; 'overflow' marks a line that was dropped for its length. */
  push(chunk: string): Array<string | { overflow: true }> {
    const out: Array<string | { overflow: true }> = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl === -1) break;
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.discarding = false;
        this.buffer = '';
        continue;
      }
      const joined = this.buffer + piece;
      const line = joined.charCodeAt(joined.length - 1) === CARRIAGE_RETURN ? joined.slice(0, -1) : joined;
      this.buffer = '';
      if (line.length > this.maxLineBytes) out.push({ overflow: true });
      else if (line.charCodeAt(0) === OPENING_BRACE || line.trim().length > 0) out.push(line);
    }
    const rest = chunk.slice(start);
    if (!this.discarding) {
      this.buffer += rest;
      if (this.buffer.length > this.maxLineBytes) {
        this.buffer = '';
        this.discarding = true;
        out.push({ overflow: true });
      }
    }
    return out;
  }
}

/** Checks for the untrusted JSON a mint request carries; every failure is a MintErrorResponse the client sees. */
import { ErrorCode, mintError, type MintErrorResponse } from './errors';

export const U64_MAX = (1n << 64n) - 1n;

export type Json = Record<string, unknown>;

/** A mint quote as NUT-04/NUT-29 answers carry it. */
export interface QuoteJson {
  quote: string;
  request: string;
  method: string;
  amount: bigint;
  amount_paid: bigint;
  amount_issued: bigint;
  updated_at: number;
  unit: string;
  expiry: number;
  pubkey?: string;
}

export const HEX33 = /^0[23][0-9a-fA-F]{64}$/;
export const HEX64 = /^[0-9a-fA-F]{64}$/;

export function bad(detail: string): MintErrorResponse {
  return mintError(ErrorCode.BAD_REQUEST, detail);
}

export function object(value: unknown, what = 'request body'): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(`${what} must be a JSON object`);
  return value as Json;
}

export function array(value: unknown, what: string, max: number, code: number): unknown[] {
  if (!Array.isArray(value)) throw bad(`${what} must be an array`);
  if (value.length > max) throw mintError(code, `${what}: at most ${max} allowed`);
  return value;
}

export function string(value: unknown, what: string, max = 256): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw bad(`${what} must be a non-empty string`);
  return value;
}

export function pubkeyHex(value: unknown, what: string): string {
  if (typeof value !== 'string' || !HEX33.test(value)) throw bad(`${what} must be a 33-byte compressed pubkey in hex`);
  return value.toLowerCase();
}

export function amount(value: unknown, what: string, allowZero = false): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else throw bad(`${what} must be an integer`);
  if (v < (allowZero ? 0n : 1n) || v > U64_MAX) throw mintError(ErrorCode.AMOUNT_OUT_OF_RANGE, `${what} out of range`);
  return v;
}

/**
 * NUT-10 well-known secrets and NUT-11 pay-to-pubkey spending conditions, mint side: parse a secret,
 * decide who must sign (main keys before the locktime, main or refund keys after it), and count valid
 * BIP340 witness signatures over SHA256(secret) (SIG_INPUTS) or over the whole transaction (SIG_ALL).
 */
import { sha256 } from './hash';
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { schnorrVerify } from './secp';

export type SigFlag = 'SIG_INPUTS' | 'SIG_ALL';

export interface P2PKSecret {
  kind: string;
  nonce: string;
  /** Main pubkey (hex, 33 bytes) for P2PK. */
  data: string;
  tags: string[][];
}

export interface P2PKConditions {
  pubkeys: string[];
  nSigs: number;
  /** Unix seconds; undefined = no locktime. */
  locktime?: number;
  refund: string[];
  nSigsRefund: number;
  sigflag: SigFlag;
}

export class SpendingConditionError extends Error {}

const PUBKEY = /^0[23][0-9a-fA-F]{64}$/;

/** NUT-10 secret `[kind, {nonce, data, tags}]`, or undefined for a plain (random string) secret. Throws on a malformed one. */
export function parseWellKnownSecret(secret: string): P2PKSecret | undefined {
  if (!secret.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string') throw new SpendingConditionError('malformed NUT-10 secret');
  const body = parsed[1] as Record<string, unknown> | null;
  if (!body || typeof body !== 'object' || typeof body.nonce !== 'string' || typeof body.data !== 'string') throw new SpendingConditionError('malformed NUT-10 secret');
  const tags = body.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => Array.isArray(t) && t.length >= 1 && t.every((v) => typeof v === 'string'))) {
    throw new SpendingConditionError('malformed NUT-10 tags');
  }
  return { kind: parsed[0], nonce: body.nonce, data: body.data, tags: tags as string[][] };
}

function tagValues(tags: string[][], name: string): string[] | undefined {
  const matches = tags.filter((t) => t[0] === name);
  if (matches.length > 1) throw new SpendingConditionError(`duplicate tag ${name}`);
  return matches[0]?.slice(1);
}

function positiveInt(values: string[] | undefined, name: string, fallback: number): number {
  if (!values) return fallback;
  const n = Number(values[0]);
  if (!Number.isSafeInteger(n) || n < 1) throw new SpendingConditionError(`invalid ${name}`);
  return n;
}

export function p2pkConditions(secret: P2PKSecret): P2PKConditions {
  if (secret.kind !== 'P2PK') throw new SpendingConditionError(`unsupported secret kind ${secret.kind}`);
  const extra = tagValues(secret.tags, 'pubkeys') ?? [];
  const refund = tagValues(secret.tags, 'refund') ?? [];
  const pubkeys = [secret.data, ...extra];
  for (const key of [...pubkeys, ...refund]) if (!PUBKEY.test(key)) throw new SpendingConditionError('invalid pubkey in P2PK secret');
  const locktimeTag = tagValues(secret.tags, 'locktime');
  let locktime: number | undefined;
  if (locktimeTag) {
    locktime = Number(locktimeTag[0]);
    if (!Number.isSafeInteger(locktime) || locktime < 0) throw new SpendingConditionError('invalid locktime');
  }
  const flag = tagValues(secret.tags, 'sigflag')?.[0] ?? 'SIG_INPUTS';
  if (flag !== 'SIG_INPUTS' && flag !== 'SIG_ALL') throw new SpendingConditionError('invalid sigflag');
  const conditions: P2PKConditions = {
    pubkeys,
    nSigs: positiveInt(tagValues(secret.tags, 'n_sigs'), 'n_sigs', 1),
    refund,
    nSigsRefund: positiveInt(tagValues(secret.tags, 'n_sigs_refund'), 'n_sigs_refund', 1),
    sigflag: flag,
  };
  if (locktime !== undefined) conditions.locktime = locktime;
  return conditions;
}

/** Signatures from a proof's witness JSON `{"signatures":[hex...]}`; empty when absent or malformed. */
export function witnessSignatures(witness: unknown): string[] {
  let parsed: unknown = witness;
  if (typeof witness === 'string') {
    try {
      parsed = JSON.parse(witness);
    } catch {
      return [];
    }
  }
  const sigs = (parsed as { signatures?: unknown } | null)?.signatures;
  return Array.isArray(sigs) ? sigs.filter((s): s is string => typeof s === 'string' && /^[0-9a-fA-F]{128}$/.test(s)) : [];
}

/** How many distinct keys of `keys` produced a valid signature in `signatures` over SHA256(message). */
export function countValidSigners(message: string, keys: readonly string[], signatures: readonly string[]): number {
  const digest = sha256(utf8ToBytes(message));
  const sigBytes = signatures.map((s) => hexToBytes(s));
  let count = 0;
  for (const key of new Set(keys.map((k) => k.toLowerCase()))) {
    const pub = hexToBytes(key);
    if (sigBytes.some((sig) => schnorrVerify(digest, pub, sig))) count++;
  }
  return count;
}

/**
 * True when `signatures` over `message` satisfy the conditions at time `now` (unix seconds).
 * Before the locktime (or without one) only the main keys count; after it the refund keys also may,
 * and with no refund keys the proof is spendable by anyone.
 */
export function conditionsSatisfied(conditions: P2PKConditions, message: string, signatures: readonly string[], now: number): boolean {
  if (countValidSigners(message, conditions.pubkeys, signatures) >= conditions.nSigs) return true;
  if (conditions.locktime === undefined || now < conditions.locktime) return false;
  if (conditions.refund.length === 0) return true;
  return countValidSigners(message, conditions.refund, signatures) >= conditions.nSigsRefund;
}

export interface SigAllInput {
  secret: string;
  C: string;
}

export interface SigAllOutput {
  amount: bigint | number | string;
  B_: string;
}

/** NUT-11 SIG_ALL message: secret_0 || C_0 || ... || amount_0 || B_0 || ... [|| quote id for melts]. */
export function sigAllMessage(inputs: readonly SigAllInput[], outputs: readonly SigAllOutput[], quoteId?: string): string {
  const parts: string[] = [];
  for (const input of inputs) parts.push(input.secret, input.C);
  for (const output of outputs) parts.push(String(output.amount), output.B_);
  if (quoteId) parts.push(quoteId);
  return parts.join('');
}

export interface SpendInput {
  secret: string;
  C: string;
  witness?: string | null | undefined;
}

/**
 * NUT-11 check of a whole swap (or melt, with its quote id): P2PK inputs with SIG_INPUTS are checked one by one
 * over their own secret; if any input is SIG_ALL, all inputs must carry identical conditions and the first
 * input's witness must sign the whole transaction. Plain secrets pass. Throws SpendingConditionError.
 */
export function checkSpendingConditions(inputs: readonly SpendInput[], outputs: readonly SigAllOutput[], now: number, quoteId?: string): void {
  const secrets = inputs.map((p) => parseWellKnownSecret(p.secret));
  const conditions = secrets.map((s) => (s ? p2pkConditions(s) : undefined));
  if (conditions.some((c) => c?.sigflag === 'SIG_ALL')) {
    const first = secrets[0];
    const tags = JSON.stringify(first?.tags);
    const identical = secrets.every((s) => s && first && s.kind === first.kind && s.data === first.data && JSON.stringify(s.tags) === tags);
    if (!identical || !conditions[0]) throw new SpendingConditionError('SIG_ALL inputs must share identical spending conditions');
    if (!conditionsSatisfied(conditions[0], sigAllMessage(inputs, outputs, quoteId), witnessSignatures(inputs[0]!.witness), now)) {
      throw new SpendingConditionError('SIG_ALL witness does not satisfy the spending conditions');
    }
    return;
  }
  conditions.forEach((c, i) => {
    if (c && !conditionsSatisfied(c, inputs[i]!.secret, witnessSignatures(inputs[i]!.witness), now)) {
      throw new SpendingConditionError(`input ${i}: witness does not satisfy the P2PK spending conditions`);
    }
  });
}

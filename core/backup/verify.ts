/**
 * Checks events from relays before anything in them is used: shape, id (sha256 of the NIP-01
 * serialization), BIP340 signature, and the author and kind the caller expects. The id is hashed with
 * OpenSSL's sha256. A restore checks thousands of signatures by one author at once: with a secp256k1 backend
 * that has a multi-scalar multiplication (native/ecmult.node, installed by lib/platform) they are checked
 * together by BIP340 batch verification in this thread (lib/protocol/cashu/schnorr-batch.ts, a bad one is
 * still named); otherwise one by one with libsecp256k1 in wasm (tiny-secp256k1), big batches split over
 * worker threads, one per core.
 */
import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as secp from 'tiny-secp256k1';
import { verifySchnorrEach } from '../../lib/protocol/cashu/schnorr-batch';
import { secp as secpBackend } from '../../lib/protocol/cashu/secp';
import type { EventTemplate, SignedEvent } from './nip60';

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const MAX_CONTENT = 512 * 1024;
/** below this many events, starting workers costs more than it saves */
const PARALLEL_FROM = 1000;
const MAX_WORKERS = 4;

/** NIP-01 event id: sha256 of [0, pubkey, created_at, kind, tags, content] as JSON. */
export function eventId(event: EventTemplate & { pubkey: string }): Buffer {
  // one-shot hash(): no Hash object per event (restore hashes thousands)
  return hash('sha256', JSON.stringify([0, event.pubkey, event.created_at, event.kind, event.tags, event.content]), 'buffer');
}

/** The id matches the content and the BIP340 signature is the author's. */
export function signatureValid(event: SignedEvent): boolean {
  const id = eventId(event);
  return id.toString('hex') === event.id && secp.verifySchnorr(id, Buffer.from(event.pubkey, 'hex'), Buffer.from(event.sig, 'hex'));
}

/** The event if it is well-formed, else null. Says nothing about the signature. */
export function wellFormed(raw: unknown): SignedEvent | null {
  if (!raw || typeof raw !== 'object') return null;
  const e = raw as Record<string, unknown>;
  if (typeof e.id !== 'string' || !HEX64.test(e.id)) return null;
  if (typeof e.pubkey !== 'string' || !HEX64.test(e.pubkey)) return null;
  if (typeof e.sig !== 'string' || !HEX128.test(e.sig)) return null;
  if (typeof e.kind !== 'number' || !Number.isInteger(e.kind) || e.kind < 0 || e.kind > 65535) return null;
  if (typeof e.created_at !== 'number' || !Number.isSafeInteger(e.created_at) || e.created_at < 0) return null;
  if (typeof e.content !== 'string' || e.content.length > MAX_CONTENT) return null;
  if (!Array.isArray(e.tags) || !e.tags.every((t) => Array.isArray(t) && t.every((v) => typeof v === 'string'))) return null;
  return { id: e.id, pubkey: e.pubkey, sig: e.sig, kind: e.kind, created_at: e.created_at, content: e.content, tags: e.tags as string[][] };
}

export interface Expectation {
  authors: ReadonlySet<string>;
  kinds: ReadonlySet<number>;
}

/** Verified events only: forged, malformed, foreign or unexpected-kind ones are dropped and counted. */
export async function verifyEvents(raws: unknown[], expect: Expectation): Promise<{ events: SignedEvent[]; rejected: number }> {
  const candidates: SignedEvent[] = [];
  let rejected = 0;
  for (const raw of raws) {
    const event = wellFormed(raw);
    if (event && expect.authors.has(event.pubkey) && expect.kinds.has(event.kind)) candidates.push(event);
    else rejected++;
  }
  const valid = await signaturesValid(candidates);
  const events = candidates.filter((_, i) => valid[i]);
  return { events, rejected: rejected + candidates.length - events.length };
}

async function signaturesValid(events: SignedEvent[]): Promise<boolean[]> {
  if (secpBackend().multiScalar) return inBatches(events);
  const workers = Math.min(MAX_WORKERS, availableParallelism());
  if (events.length >= PARALLEL_FROM && workers > 1) {
    try {
      return await inWorkers(events, workers);
    } catch {
      // no worker threads here (a sandbox, a bundler without the worker): check in this thread
    }
  }
  return events.map((event) => {
    try {
      return signatureValid(event);
    } catch {
      return false;
    }
  });
}

/** Ids checked one by one (a hash each), the signatures of those that match verified as one batch. */
function inBatches(events: SignedEvent[]): boolean[] {
  const verdicts = events.map(() => false);
  const items: Array<{ at: number; digest: Uint8Array; xonly: Uint8Array; signature: Uint8Array }> = [];
  events.forEach((event, at) => {
    const id = eventId(event);
    if (id.toString('hex') === event.id) items.push({ at, digest: id, xonly: Buffer.from(event.pubkey, 'hex'), signature: Buffer.from(event.sig, 'hex') });
  });
  verifySchnorrEach(items).forEach((valid, i) => (verdicts[items[i]!.at] = valid));
  return verdicts;
}

/**
 * The worker is plain JavaScript evaluated from this string, so it runs the same under tsx, vitest and a
 * bundle. It repeats signatureValid() above (verify.test.ts checks both paths give the same verdicts).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const secp = require(workerData.secpPath);
parentPort.postMessage(workerData.events.map((e) => {
  try {
    const id = createHash('sha256').update(JSON.stringify([0, e.pubkey, e.created_at, e.kind, e.tags, e.content])).digest();
    return id.toString('hex') === e.id && secp.verifySchnorr(id, Buffer.from(e.pubkey, 'hex'), Buffer.from(e.sig, 'hex'));
  } catch {
    return false;
  }
}));
`;

let secpPath: string | null = null;

function inWorkers(events: SignedEvent[], count: number): Promise<boolean[]> {
  secpPath ??= createRequire(import.meta.url).resolve('tiny-secp256k1');
  const size = Math.ceil(events.length / count);
  const chunks = Array.from({ length: count }, (_, i) => events.slice(i * size, (i + 1) * size)).filter((c) => c.length > 0);
  return Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<boolean[]>((resolve, reject) => {
          const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { secpPath, events: chunk } });
          worker.once('message', (result: boolean[]) => {
            void worker.terminate();
            if (Array.isArray(result) && result.length === chunk.length) resolve(result);
            else reject(new Error('worker answered the wrong count'));
          });
          worker.once('error', reject);
        }),
    ),
  ).then((parts) => parts.flat());
}

/**
 * Checks events from relays before anything in them is used: shape, id (sha256 of the NIP-01
 * serialization), BIP340 signature, and the author and kind the caller expects. Signatures are checked
 * with libsecp256k1 compiled to wasm (nostr-wasm), about 5x noble's pure JS (../shared/research/perf.md).
 */
import { initNostrWasm, type Nostr } from 'nostr-wasm';
import type { SignedEvent } from './nip60';

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const MAX_CONTENT = 512 * 1024;

let wasm: Promise<Nostr> | null = null;

/** libsecp256k1 in wasm, loaded once per thread. */
export function nostrWasm(): Promise<Nostr> {
  wasm ??= initNostrWasm();
  return wasm;
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
  const nostr = await nostrWasm();
  const events: SignedEvent[] = [];
  let rejected = 0;
  for (const raw of raws) {
    const event = wellFormed(raw);
    if (!event || !expect.authors.has(event.pubkey) || !expect.kinds.has(event.kind)) {
      rejected++;
      continue;
    }
    try {
      nostr.verifyEvent(event);
      events.push(event);
    } catch {
      rejected++;
    }
  }
  return { events, rejected };
}

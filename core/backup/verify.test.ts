import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { describe, expect, it } from 'vitest';
import { verifyEvents, wellFormed } from './verify';

const key = generateSecretKey();
const me = getPublicKey(key);
const expectation = { authors: new Set([me]), kinds: new Set([7375]) };
const make = (i: number, secret = key) => finalizeEvent({ kind: 7375, tags: [], content: `c${i}`, created_at: 1_700_000_000 + i }, secret);

describe('event verification', () => {
  it('keeps genuine events and drops forged, foreign, wrong-kind and malformed ones', async () => {
    const genuine = make(1);
    const forged = { ...make(2), content: 'tampered' };
    const badSig = { ...make(3), sig: make(4).sig };
    const foreign = make(5, generateSecretKey());
    const claimed = { ...foreign, pubkey: me };
    const wrongKind = finalizeEvent({ kind: 1, tags: [], content: 'x', created_at: 1 }, key);
    const { events, rejected } = await verifyEvents([genuine, forged, badSig, foreign, claimed, wrongKind, null, { id: 'x' }, 'text'], expectation);
    expect(events.map((e) => e.id)).toEqual([genuine.id]);
    expect(rejected).toBe(8);
  });

  it('a large batch (checked on worker threads) gives the same verdicts in the same order', async () => {
    const batch = Array.from({ length: 1200 }, (_, i) => (i % 100 === 7 ? { ...make(i), content: 'tampered' } : make(i)));
    const { events, rejected } = await verifyEvents(batch, expectation);
    expect(rejected).toBe(12);
    expect(events.map((e) => e.id)).toEqual(batch.filter((_, i) => i % 100 !== 7).map((e) => e.id));
  });

  it('wellFormed refuses out-of-range fields', () => {
    const e = make(9);
    expect(wellFormed(e)).not.toBeNull();
    expect(wellFormed({ ...e, kind: 70_000 })).toBeNull();
    expect(wellFormed({ ...e, tags: [[1]] })).toBeNull();
    expect(wellFormed({ ...e, created_at: -1 })).toBeNull();
  });
});

import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { afterAll, describe, expect, it } from 'vitest';
import { secpBackends } from '../../lib/platform/secp';
import { secp, useBackend } from '../../lib/protocol/cashu/secp';
import { verifyEvents, wellFormed } from './verify';

const key = generateSecretKey();
const me = getPublicKey(key);
const expectation = { authors: new Set([me]), kinds: new Set([7375]) };
const make = (i: number, secret = key) => finalizeEvent({ kind: 7375, tags: [], content: `c${i}`, created_at: 1_700_000_000 + i }, secret);

// signing is the slow part (nostr-tools' pure JS): the large batches share one set of events
let signed: ReturnType<typeof make>[] | undefined;
const manyEvents = () => (signed ??= Array.from({ length: 1200 }, (_, i) => make(i)));

const original = secp();
afterAll(() => useBackend(original));
// native+ecmult: BIP340 batch verification in this thread; wasm: one by one, on worker threads for big batches
const paths = secpBackends()
  .filter((b) => b.name === 'native+ecmult' || b.name === 'wasm')
  .map((b) => [b.name, b] as const);

describe.each(paths)('event verification with the %s backend', (_name, backend) => {
  it('keeps genuine events and drops forged, foreign, wrong-kind and malformed ones', async () => {
    const genuine = make(1);
    const forged = { ...make(2), content: 'tampered' };
    const badSig = { ...make(3), sig: make(4).sig };
    const foreign = make(5, generateSecretKey());
    const claimed = { ...foreign, pubkey: me };
    const wrongKind = finalizeEvent({ kind: 1, tags: [], content: 'x', created_at: 1 }, key);
    useBackend(backend);
    const { events, rejected } = await verifyEvents([genuine, forged, badSig, foreign, claimed, wrongKind, null, { id: 'x' }, 'text'], expectation);
    expect(events.map((e) => e.id)).toEqual([genuine.id]);
    expect(rejected).toBe(8);
  });

  it('a large batch gives the same verdicts in the same order, one bad signature in every hundred named', async () => {
    useBackend(backend);
    const batch = manyEvents().map((e, i) => (i % 100 === 7 ? { ...e, content: 'tampered' } : e));
    const { events, rejected } = await verifyEvents(batch, expectation);
    expect(rejected).toBe(12);
    expect(events.map((e) => e.id)).toEqual(batch.filter((_, i) => i % 100 !== 7).map((e) => e.id));
  });

  it('a forged signature with a correct id is named in a large batch', async () => {
    useBackend(backend);
    const batch = [...manyEvents()];
    const victim = 613;
    batch[victim] = { ...batch[victim]!, sig: batch[victim + 1]!.sig };
    const { events, rejected } = await verifyEvents(batch, expectation);
    expect(rejected).toBe(1);
    expect(events).toHaveLength(1199);
    expect(events.some((e) => e.id === batch[victim]!.id)).toBe(false);
  });

  it('wellFormed refuses out-of-range fields', () => {
    const e = make(9);
    expect(wellFormed(e)).not.toBeNull();
    expect(wellFormed({ ...e, kind: 70_000 })).toBeNull();
    expect(wellFormed({ ...e, tags: [[1]] })).toBeNull();
    expect(wellFormed({ ...e, created_at: -1 })).toBeNull();
  });
});

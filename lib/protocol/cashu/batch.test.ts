/**
 * The batch primitives on every backend: NUT-12 checks and unblinding of a whole mint answer, BIP340 batch
 * verification (random linear combination) and NUT-20 signing and verification per NUT-29 batch. Each is held
 * to the per-item checks on valid batches, on batches with one bad item in every position, and to the NUT-12,
 * NUT-20 and BIP340 vectors in test/fixtures.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { afterAll, describe, expect, it } from 'vitest';
import { readFixture, readFixtureJson } from '../../../test/fixtures';
import { secpBackends } from '../../platform/secp';
import {
  createDleq,
  type DleqItem,
  mintQuoteDigest,
  secretToCurve,
  secp,
  signMintQuote,
  signMintQuotes,
  type SchnorrItem,
  unblindVerifiedBatchHex,
  useBackend,
  verifyDleq,
  verifyDleqAndUnblindBatch,
  verifyMintQuoteSignature,
  verifyMintQuoteSignatures,
  verifySchnorrBatch,
  verifySchnorrEach,
} from './index';
import { CURVE_ORDER, scalarToBytes, schnorrSign } from './secp';

type Json = Record<string, any>;
const { Point } = secp256k1;
const vectors = readFixtureJson<Json>('cashu', 'vectors.json');
const original = secp();
afterAll(() => useBackend(original));

const randomScalar = () => (BigInt(`0x${bytesToHex(randomBytes(32))}`) % (CURVE_ORDER - 1n)) + 1n;
const add1 = (bytes: Uint8Array) => scalarToBytes((BigInt(`0x${bytesToHex(bytes)}`) + 1n) % CURVE_ORDER);

/** A mint key a, A = a·G, used by every backend's run so native+ecmult's comb table for it is exercised. */
const SHARED_KEY = randomScalar();

interface Output {
  item: DleqItem;
  /** C = a·Y, what unblinding must give */
  C: string;
}

/** What an honest mint answers for a random output under key a (noble for the points, createDleq for the proof). */
function honestOutput(a: bigint): Output {
  const Y = Point.BASE.multiply(randomScalar());
  const r = randomScalar();
  const B_ = Y.add(Point.BASE.multiply(r));
  const C_ = B_.multiply(a);
  const dleq = createDleq(B_.toBytes(), scalarToBytes(a), Point.BASE.multiply(a).toBytes(), C_.toBytes());
  return { item: { A: Point.BASE.multiply(a).toBytes(false), B_: B_.toBytes(), C_: C_.toBytes(), e: dleq.e, s: dleq.s, r: scalarToBytes(r) }, C: Y.multiply(a).toHex(true) };
}

/** Ways a mint answer can be wrong, each one a forged or mismatched signature the wallet must refuse. */
const CORRUPTIONS: Array<[string, (item: DleqItem) => DleqItem]> = [
  ['e + 1', (i) => ({ ...i, e: add1(i.e) })],
  ['s + 1', (i) => ({ ...i, s: add1(i.s) })],
  ['C_ signed by another key', (i) => ({ ...i, C_: Point.fromBytes(i.B_).multiply(randomScalar()).toBytes() })],
  ['another amount key', (i) => ({ ...i, A: Point.BASE.multiply(randomScalar()).toBytes(false) })],
  ['another B_', (i) => ({ ...i, B_: Point.BASE.multiply(randomScalar()).toBytes() })],
  ['C_ not a point', (i) => ({ ...i, C_: Uint8Array.from([9, ...i.C_.subarray(1)]) })],
  ['e >= n', (i) => ({ ...i, e: scalarToBytes(CURVE_ORDER) })],
  ['s = 0', (i) => ({ ...i, s: new Uint8Array(32) })],
];

function schnorrItem(secret: bigint, digest = randomBytes(32)): SchnorrItem {
  const d = scalarToBytes(secret);
  return { digest, xonly: Point.BASE.multiply(secret).toBytes(true).subarray(1), signature: schnorrSign(digest, d, randomBytes(32)) };
}

const SCHNORR_CORRUPTIONS: Array<[string, (item: SchnorrItem, other: SchnorrItem) => SchnorrItem]> = [
  ['s + 1', (i) => ({ ...i, signature: Uint8Array.from([...i.signature.subarray(0, 32), ...add1(i.signature.subarray(32))]) })],
  ["another signature's r", (i, o) => ({ ...i, signature: Uint8Array.from([...o.signature.subarray(0, 32), ...i.signature.subarray(32)]) })],
  ['another digest', (i) => ({ ...i, digest: randomBytes(32) })],
  ['another key', (i, o) => ({ ...i, xonly: o.xonly.length === 32 && !o.xonly.every((b, k) => b === i.xonly[k]) ? o.xonly : Point.BASE.multiply(randomScalar()).toBytes(true).subarray(1) })],
  ['r not on the curve', (i) => ({ ...i, signature: Uint8Array.from([...hexToBytes('eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34'), ...i.signature.subarray(32)]) })],
  ['s >= n', (i) => ({ ...i, signature: Uint8Array.from([...i.signature.subarray(0, 32), ...scalarToBytes(CURVE_ORDER)]) })],
];

const bip340Rows = readFixture('bip324', 'bip-0340-test-vectors.csv')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','))
  .filter((row) => row[4]!.length === 64)
  .map(([index, , pub, , msg, sig, result]) => ({
    index: index!,
    valid: result === 'TRUE',
    item: { digest: hexToBytes(msg!), xonly: hexToBytes(pub!), signature: hexToBytes(sig!) } satisfies SchnorrItem,
  }));

describe.each(secpBackends().map((b) => [b.name, b] as const))('batch primitives on %s', (_name, backend) => {
  it('uses the backend under test', () => {
    useBackend(backend);
    expect(secp().name).toBe(backend.name);
  });

  it('NUT-12: a valid batch under one key (40 outputs) and under many keys unblinds every output to a·Y', () => {
    useBackend(backend);
    const oneKey = Array.from({ length: 40 }, () => honestOutput(SHARED_KEY));
    const manyKeys = Array.from({ length: 6 }, () => honestOutput(randomScalar()));
    for (const batch of [oneKey, manyKeys, [...manyKeys.slice(0, 3), ...oneKey.slice(0, 5), ...manyKeys.slice(3)]]) {
      const results = verifyDleqAndUnblindBatch(batch.map((o) => o.item));
      expect(results.map((C) => C && bytesToHex(C))).toEqual(batch.map((o) => o.C));
    }
    expect(verifyDleqAndUnblindBatch([])).toEqual([]);
  });

  it('NUT-12: one bad signature in every position is named, the others still unblind, and verdicts match the single check', () => {
    useBackend(backend);
    const batch = Array.from({ length: CORRUPTIONS.length }, () => honestOutput(SHARED_KEY));
    for (let position = 0; position < batch.length; position++) {
      const [what, corrupt] = CORRUPTIONS[position]!;
      const items = batch.map((o, i) => (i === position ? corrupt(o.item) : o.item));
      const results = verifyDleqAndUnblindBatch(items);
      expect(
        results.map((C) => C !== undefined),
        what,
      ).toEqual(batch.map((_, i) => i !== position));
      results.forEach((C, i) => i !== position && expect(bytesToHex(C!)).toBe(batch[i]!.C));
      // the check without unblinding (combine-based, its own code path) agrees on every output
      for (const [i, item] of items.entries()) {
        let single: boolean;
        try {
          single = verifyDleq({ e: item.e, s: item.s }, item.B_, item.C_, item.A);
        } catch {
          single = false;
        }
        expect(single, `${what}, output ${i}`).toBe(i !== position);
      }
    }
  });

  it('NUT-12 vectors through the batch: the deterministic proof, the BlindSignature DLEQ and the Proof DLEQ', () => {
    useBackend(backend);
    const d = vectors.nut12.deterministic_nonce;
    const b = vectors.nut12.blind_signature_dleq_valid;
    const p = vectors.nut12.proof_dleq_valid;
    const r = 5n;
    // the Proof vector's B_ and C_ from its secret, r and C: B_ = Y + r·G, C_ = C + r·A
    const proofR = BigInt(`0x${p.proof.dleq.r}`);
    const Yp = Point.fromBytes(secretToCurve(p.proof.secret));
    const Ap = Point.fromBytes(hexToBytes(p.A));
    const sigs = [
      { B_: d.B_, C_: d.C_, dleq: { e: d.e, s: d.s }, A: d.A },
      { B_: b.B_, C_: b.blind_signature.C_, dleq: b.blind_signature.dleq, A: b.A },
      { B_: Yp.add(Point.BASE.multiply(proofR)).toHex(true), C_: Point.fromBytes(hexToBytes(p.proof.C)).add(Ap.multiply(proofR)).toHex(true), dleq: p.proof.dleq, A: p.A },
    ];
    const rs = [scalarToBytes(r), scalarToBytes(r), scalarToBytes(proofR)];
    const results = unblindVerifiedBatchHex(sigs, rs);
    expect(results[0]).toBe(
      Point.fromBytes(hexToBytes(d.C_))
        .subtract(Point.fromBytes(hexToBytes(d.A)).multiply(r))
        .toHex(true),
    );
    expect(results[1]).toBe(
      Point.fromBytes(hexToBytes(b.blind_signature.C_))
        .subtract(Point.fromBytes(hexToBytes(b.A)).multiply(r))
        .toHex(true),
    );
    expect(results[2]).toBe(p.proof.C);
    // and the same answers with one proof broken: only that one fails
    const broken = unblindVerifiedBatchHex([sigs[0]!, { ...sigs[1]!, dleq: { e: b.blind_signature.dleq.e, s: b.blind_signature.dleq.e } }, sigs[2]!], rs);
    expect(broken.map((C) => C !== undefined)).toEqual([true, false, true]);
    expect(unblindVerifiedBatchHex([{ ...sigs[0]!, C_: 'zz' }], [rs[0]!])).toEqual([undefined]);
  });

  it('BIP340: valid batches (1 to 100 signatures, Strauss and Pippenger sizes) under one key and many keys hold', () => {
    useBackend(backend);
    const key = randomScalar();
    for (const size of [1, 2, 20, 100]) {
      const oneKey = Array.from({ length: size }, () => schnorrItem(key));
      const manyKeys = Array.from({ length: size }, () => schnorrItem(randomScalar()));
      expect(verifySchnorrBatch(oneKey), `${size} under one key`).toBe(true);
      expect(verifySchnorrBatch(manyKeys), `${size} under many keys`).toBe(true);
      expect(verifySchnorrEach(manyKeys)).toEqual(manyKeys.map(() => true));
    }
    expect(verifySchnorrBatch([])).toBe(true);
  });

  it('BIP340: one bad signature in every position fails the batch and is named', () => {
    useBackend(backend);
    const key = randomScalar();
    const batch = Array.from({ length: 12 }, (_, i) => schnorrItem(i % 3 === 0 ? randomScalar() : key));
    for (let position = 0; position < batch.length; position++) {
      const [what, corrupt] = SCHNORR_CORRUPTIONS[position % SCHNORR_CORRUPTIONS.length]!;
      const items = batch.map((item, i) => (i === position ? corrupt(item, batch[(i + 1) % batch.length]!) : item));
      expect(verifySchnorrBatch(items), what).toBe(false);
      const expected = batch.map((_, i) => i !== position);
      expect(verifySchnorrEach(items), what).toEqual(expected);
      expect(
        items.map((item) => backend.verifySchnorr(item.digest, item.xonly, item.signature)),
        what,
      ).toEqual(expected);
    }
  });

  it('BIP340 vectors: the valid ones hold as one batch, each invalid one fails a batch of valid ones and is named', () => {
    useBackend(backend);
    const valid = bip340Rows.filter((r) => r.valid).map((r) => r.item);
    const invalid = bip340Rows.filter((r) => !r.valid);
    expect(valid.length).toBeGreaterThanOrEqual(4);
    expect(invalid.length).toBeGreaterThanOrEqual(10);
    expect(verifySchnorrBatch(valid)).toBe(true);
    const filler = Array.from({ length: 6 }, () => schnorrItem(randomScalar()));
    for (const bad of invalid) {
      const items = [...valid, ...filler.slice(0, 3), bad.item, ...filler.slice(3)];
      expect(verifySchnorrBatch(items), `vector ${bad.index}`).toBe(false);
      expect(verifySchnorrEach(items), `vector ${bad.index}`).toEqual(items.map((item) => item !== bad.item));
    }
  });

  it('BIP340: the weights must be random: two forgeries whose errors cancel pass with all weights 1 and fail as the batch draws them', () => {
    useBackend(backend);
    const key = randomScalar();
    const [first, second] = [schnorrItem(key), schnorrItem(key)];
    const delta = randomScalar();
    const shift = (item: SchnorrItem, by: bigint): SchnorrItem => ({
      ...item,
      signature: Uint8Array.from([...item.signature.subarray(0, 32), ...scalarToBytes((((BigInt(`0x${bytesToHex(item.signature.subarray(32))}`) + by) % CURVE_ORDER) + CURVE_ORDER) % CURVE_ORDER)]),
    });
    const forged = [shift(first!, delta), shift(second!, -delta)];
    expect(verifySchnorrBatch(forged, (count) => Array.from({ length: count }, () => 1n))).toBe(true);
    expect(verifySchnorrBatch(forged)).toBe(false);
    expect(verifySchnorrEach(forged)).toEqual([false, false]);
  });

  it('NUT-20: signMintQuotes gives signMintQuote for every quote, and a batch of them verifies', () => {
    useBackend(backend);
    const privkey = scalarToBytes(randomScalar());
    const pubkey = Point.BASE.multiply(BigInt(`0x${bytesToHex(privkey)}`)).toHex(true);
    const outputs = Array.from({ length: 30 }, () => ({ amount: 1n, B_: Point.BASE.multiply(randomScalar()).toHex(true) }));
    const quoteIds = outputs.map(() => crypto.randomUUID());
    for (const format of ['current', 'legacy'] as const) {
      const signatures = signMintQuotes(quoteIds, outputs, privkey, format);
      expect(signatures).toEqual(quoteIds.map((q) => signMintQuote(q, outputs, privkey, format)));
      const quotes = quoteIds.map((quoteId, i) => ({ quoteId, pubkey, signature: signatures[i]! }));
      expect(verifyMintQuoteSignatures(quotes, outputs, [format])).toEqual(quotes.map(() => true));
    }
  });

  it('NUT-20: one bad quote signature in every position is named; legacy ones pass only when legacy is allowed; malformed ones are false', () => {
    useBackend(backend);
    const privkey = scalarToBytes(randomScalar());
    const pubkey = Point.BASE.multiply(BigInt(`0x${bytesToHex(privkey)}`)).toHex(true);
    const outputs = Array.from({ length: 5 }, () => ({ amount: 2n, B_: Point.BASE.multiply(randomScalar()).toHex(true) }));
    const quoteIds = Array.from({ length: 10 }, () => crypto.randomUUID());
    const signatures = signMintQuotes(quoteIds, outputs, privkey);
    const quotes = quoteIds.map((quoteId, i) => ({ quoteId, pubkey, signature: signatures[i]! }));
    for (let position = 0; position < quotes.length; position++) {
      const bad = quotes.map((q, i) => (i === position ? { ...q, signature: signatures[(i + 1) % signatures.length]! } : q));
      const expected = quotes.map((_, i) => i !== position);
      expect(verifyMintQuoteSignatures(bad, outputs)).toEqual(expected);
      expect(bad.map((q) => verifyMintQuoteSignature(q.quoteId, outputs, q.pubkey, q.signature))).toEqual(expected);
    }
    const mixed = quotes.map((q, i) => (i % 2 === 0 ? { ...q, signature: signMintQuote(q.quoteId, outputs, privkey, 'legacy') } : q));
    expect(verifyMintQuoteSignatures(mixed, outputs, ['current'])).toEqual(mixed.map((_, i) => i % 2 === 1));
    expect(verifyMintQuoteSignatures(mixed, outputs, ['current', 'legacy'])).toEqual(mixed.map(() => true));
    const malformed = [{ ...quotes[0]!, pubkey: 'zz' }, { ...quotes[1]!, signature: 'abc' }, quotes[2]!];
    expect(verifyMintQuoteSignatures(malformed, outputs)).toEqual([false, false, true]);
  });

  it('NUT-20 and NUT-29 vectors through the batch', () => {
    useBackend(backend);
    const { valid, invalid } = vectors.nut20;
    const outputs = valid.request.outputs.map((o: Json) => ({ amount: BigInt(o.amount), B_: o.B_ }));
    expect(
      verifyMintQuoteSignatures(
        [
          { quoteId: valid.request.quote, pubkey: valid.pubkey, signature: valid.request.signature },
          { quoteId: invalid.request.quote, pubkey: invalid.pubkey, signature: invalid.request.signature },
        ],
        outputs,
        ['current', 'legacy'],
      ),
    ).toEqual([true, false]);
    const t = vectors.nut29_batch_nut20_signature;
    const batchOutputs = t.request.outputs.map((o: Json) => ({ amount: BigInt(o.amount), B_: o.B_ }));
    expect(bytesToHex(mintQuoteDigest(t.known_issue.original_quote, batchOutputs, 'legacy'))).toHaveLength(64);
    expect(
      verifyMintQuoteSignatures(
        [
          { quoteId: t.known_issue.original_quote, pubkey: t.pubkey, signature: t.signature_0 },
          { quoteId: t.quote, pubkey: t.pubkey, signature: t.signature_0 },
        ],
        batchOutputs,
        ['legacy'],
      ),
    ).toEqual([true, false]);
  });
});

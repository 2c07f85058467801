/**
 * Every backend's point operations (`combine`, `isZeroSum`, `addBase`, the NUT-12 per-output step) against noble's
 * plain point arithmetic, including the edges a forged proof or signature can reach: zero scalars, scalars >= n,
 * invalid points, a sum at infinity.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { secpBackends } from '../../platform/secp';
import { CURVE_ORDER, scalarToBytes, type Term } from './secp';

const { Point } = secp256k1;
const randomScalar = () => BigInt(`0x${bytesToHex(randomBytes(32))}`) % CURVE_ORDER;
const randomPoint = () => Point.BASE.multiply(randomScalar() || 1n);

function expected(terms: [InstanceType<typeof Point>, bigint][], g: bigint): string {
  let sum = Point.ZERO;
  for (const [p, k] of terms) if (k !== 0n) sum = sum.add(p.multiply(k));
  if (g !== 0n) sum = sum.add(Point.BASE.multiply(g));
  return sum.toHex(false);
}

describe('the backends', () => {
  it('native/ecmult.node is built on this machine (npm install / npm test build it; without it the wallet falls back to single operations)', () => {
    expect(secpBackends().map((b) => b.name)).toEqual(['native+ecmult', 'native', 'wasm', 'noble']);
    // the batch blinding (vectors.test.ts checks it against hash_to_curve and addBase) is the addon's
    expect(secpBackends().flatMap((b) => (b.hashToCurveBlind ? [b.name] : []))).toEqual(['native+ecmult']);
  });
});

describe.each(secpBackends().map((b) => [b.name, b] as const))('point operations on %s', (_name, backend) => {
  it('agrees with noble for one and two points, with and without G, in both encodings', () => {
    for (let i = 0; i < 25; i++) {
      const [P, Q] = [randomPoint(), randomPoint()];
      const [a, b, g] = [randomScalar(), randomScalar(), randomScalar()];
      const terms: Term[] = [
        [P.toBytes(i % 2 === 0), scalarToBytes(a)],
        [Q.toBytes(i % 3 === 0), scalarToBytes(b)],
      ];
      expect(bytesToHex(backend.combine(terms, scalarToBytes(g)))).toBe(
        expected(
          [
            [P, a],
            [Q, b],
          ],
          g,
        ),
      );
      expect(bytesToHex(backend.combine(terms))).toBe(
        expected(
          [
            [P, a],
            [Q, b],
          ],
          0n,
        ),
      );
      expect(bytesToHex(backend.combine(terms.slice(0, 1), scalarToBytes(g)))).toBe(expected([[P, a]], g));
      expect(bytesToHex(backend.combine([], scalarToBytes(g)))).toBe(expected([], g));
    }
  });

  it('skips zero scalars', () => {
    const [P, Q] = [randomPoint(), randomPoint()];
    const b = randomScalar();
    const zero = new Uint8Array(32);
    expect(
      bytesToHex(
        backend.combine(
          [
            [P.toBytes(), zero],
            [Q.toBytes(), scalarToBytes(b)],
          ],
          zero,
        ),
      ),
    ).toBe(expected([[Q, b]], 0n));
  });

  it('throws on a sum at infinity, a scalar >= n, an invalid point or too many points', () => {
    const P = randomPoint();
    const k = randomScalar();
    // k·P + k·(-P) = O
    expect(() =>
      backend.combine([
        [P.toBytes(), scalarToBytes(k)],
        [P.negate().toBytes(), scalarToBytes(k)],
      ]),
    ).toThrow(/infinity/);
    expect(() => backend.combine([], new Uint8Array(32))).toThrow(/infinity/);
    expect(() => backend.combine([[P.toBytes(), scalarToBytes(CURVE_ORDER)]])).toThrow(/scalar/);
    expect(() => backend.combine([], new Uint8Array(32).fill(0xff))).toThrow(/scalar/);
    const offCurve = P.toBytes();
    offCurve[1]! ^= 1;
    offCurve[0] = backend.isPoint(offCurve) ? 9 : offCurve[0]!; // make sure it is really invalid
    expect(() => backend.combine([[offCurve, scalarToBytes(k)]])).toThrow(/point/i);
    expect(() =>
      backend.combine([
        [P.toBytes(), scalarToBytes(k)],
        [P.toBytes(), scalarToBytes(k)],
        [P.toBytes(), scalarToBytes(k)],
      ]),
    ).toThrow(/two points/);
  });

  it('isZeroSum agrees with noble for sums that are zero and sums that are not, of any size', () => {
    for (const size of [1, 2, 3, 10, 90]) {
      const points = Array.from({ length: size }, () => randomPoint());
      const scalars = points.map(() => randomScalar());
      const sum = points.reduce((acc, p, i) => (scalars[i] === 0n ? acc : acc.add(p.multiply(scalars[i]!))), Point.ZERO);
      // g·G = -sum needs the discrete log: instead add -sum as one more point with scalar 1
      const terms: Term[] = points.map((p, i) => [p.toBytes(i % 2 === 0), scalarToBytes(scalars[i]!)]);
      const closing: Term = [sum.negate().toBytes(), scalarToBytes(1n)];
      expect(backend.isZeroSum([...terms, closing]), `${size} points`).toBe(true);
      expect(backend.isZeroSum(terms), `${size} points`).toBe(false);
      const g = randomScalar() || 1n;
      expect(backend.isZeroSum([...terms, [sum.add(Point.BASE.multiply(g)).negate().toBytes(), scalarToBytes(1n)]], scalarToBytes(g))).toBe(true);
    }
    expect(backend.isZeroSum([])).toBe(true);
    expect(backend.isZeroSum([], scalarToBytes(5n))).toBe(false);
  });

  it('isZeroSum throws on an invalid point or a scalar >= n', () => {
    const P = randomPoint();
    const offCurve = P.toBytes();
    offCurve[0] = 9;
    expect(() => backend.isZeroSum([[offCurve, scalarToBytes(1n)]])).toThrow(/point/i);
    expect(() => backend.isZeroSum([[P.toBytes(), scalarToBytes(CURVE_ORDER)]])).toThrow(/scalar/);
  });

  it('addBase gives P + k·G in both encodings', () => {
    for (let i = 0; i < 20; i++) {
      const P = randomPoint();
      const k = randomScalar() || 1n;
      expect(bytesToHex(backend.addBase(P.toBytes(i % 2 === 0), scalarToBytes(k)))).toBe(P.add(Point.BASE.multiply(k)).toHex(true));
      expect(bytesToHex(backend.addBase(P.toBytes(), scalarToBytes(k), true))).toBe(P.add(Point.BASE.multiply(k)).toHex(false));
    }
    const P = Point.BASE.multiply(7n);
    expect(() => backend.addBase(P.negate().toBytes(), scalarToBytes(7n))).toThrow(/infinity/);
  });

  it('signs as noble does, one digest or many, with keys changing between calls', () => {
    const keys = [randomScalar() || 1n, randomScalar() || 1n].map((k) => scalarToBytes(k));
    for (let i = 0; i < 6; i++) {
      const key = keys[i % 3 === 2 ? 1 : 0]!;
      const digests = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const auxes = digests.map(() => randomBytes(32));
      const expected = digests.map((d, j) => bytesToHex(schnorr.sign(d, key, auxes[j]!)));
      expect(backend.signSchnorrMany(digests, key, auxes).map((s) => bytesToHex(s))).toEqual(expected);
      expect(bytesToHex(backend.signSchnorr(digests[0]!, key, auxes[0]!))).toBe(expected[0]);
    }
    expect(() => backend.signSchnorr(randomBytes(32), new Uint8Array(32), new Uint8Array(32))).toThrow();
  });
});

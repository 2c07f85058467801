/**
 * `combine` (Σ kᵢ·Pᵢ + g·G) on every backend against noble's plain point arithmetic, including the edges
 * a forged proof or signature can reach: zero scalars, scalars >= n, invalid points, a sum at infinity.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { availableBackends, CURVE_ORDER, scalarToBytes, type Term } from './secp';

const { Point } = secp256k1;
const randomScalar = () => BigInt(`0x${bytesToHex(randomBytes(32))}`) % CURVE_ORDER;
const randomPoint = () => Point.BASE.multiply(randomScalar() || 1n);

function expected(terms: [InstanceType<typeof Point>, bigint][], g: bigint): string {
  let sum = Point.ZERO;
  for (const [p, k] of terms) if (k !== 0n) sum = sum.add(p.multiply(k));
  if (g !== 0n) sum = sum.add(Point.BASE.multiply(g));
  return sum.toHex(false);
}

describe('the ecmult addon', () => {
  it('is built on this machine (npm install / npm test build it; without it the wallet falls back to single operations)', () => {
    expect(availableBackends().map((b) => b.name)).toContain('native+ecmult');
  });
});

describe.each(availableBackends().map((b) => [b.name, b] as const))('combine on %s', (_name, backend) => {
  it('agrees with noble for one and two points, with and without G, in both encodings', () => {
    for (let i = 0; i < 25; i++) {
      const [P, Q] = [randomPoint(), randomPoint()];
      const [a, b, g] = [randomScalar(), randomScalar(), randomScalar()];
      const terms: Term[] = [
        [P.toBytes(i % 2 === 0), scalarToBytes(a)],
        [Q.toBytes(i % 3 === 0), scalarToBytes(b)],
      ];
      expect(bytesToHex(backend.combine(terms, scalarToBytes(g)))).toBe(expected([[P, a], [Q, b]], g));
      expect(bytesToHex(backend.combine(terms))).toBe(expected([[P, a], [Q, b]], 0n));
      expect(bytesToHex(backend.combine(terms.slice(0, 1), scalarToBytes(g)))).toBe(expected([[P, a]], g));
      expect(bytesToHex(backend.combine([], scalarToBytes(g)))).toBe(expected([], g));
    }
  });

  it('skips zero scalars', () => {
    const [P, Q] = [randomPoint(), randomPoint()];
    const b = randomScalar();
    const zero = new Uint8Array(32);
    expect(bytesToHex(backend.combine([[P.toBytes(), zero], [Q.toBytes(), scalarToBytes(b)]], zero))).toBe(expected([[Q, b]], 0n));
  });

  it('throws on a sum at infinity, a scalar >= n, an invalid point or too many points', () => {
    const P = randomPoint();
    const k = randomScalar();
    // k·P + k·(-P) = O
    expect(() => backend.combine([[P.toBytes(), scalarToBytes(k)], [P.negate().toBytes(), scalarToBytes(k)]])).toThrow(/infinity/);
    expect(() => backend.combine([], new Uint8Array(32))).toThrow(/infinity/);
    expect(() => backend.combine([[P.toBytes(), scalarToBytes(CURVE_ORDER)]])).toThrow(/scalar/);
    expect(() => backend.combine([], new Uint8Array(32).fill(0xff))).toThrow(/scalar/);
    const offCurve = P.toBytes();
    offCurve[1]! ^= 1;
    offCurve[0] = backend.isPoint(offCurve) ? 9 : offCurve[0]!; // make sure it is really invalid
    expect(() => backend.combine([[offCurve, scalarToBytes(k)]])).toThrow(/point/i);
    expect(() => backend.combine([[P.toBytes(), scalarToBytes(k)], [P.toBytes(), scalarToBytes(k)], [P.toBytes(), scalarToBytes(k)]])).toThrow(/two points/);
  });

  it('dleqUnblind gives R1 = s·G - e·A, R2 = s·B_ - e·C_, C_ uncompressed and C = C_ - r·A, and refuses bad input', () => {
    for (let i = 0; i < 10; i++) {
      const [A, B_, C_] = [randomPoint(), randomPoint(), randomPoint()];
      const [e, sc, r] = [randomScalar() || 1n, randomScalar() || 1n, randomScalar() || 1n];
      const points = backend.dleqUnblind(A.toBytes(false), B_.toBytes(i % 2 === 0), C_.toBytes(true), scalarToBytes(e), scalarToBytes(sc), scalarToBytes(r));
      expect(bytesToHex(points.R1)).toBe(Point.BASE.multiply(sc).subtract(A.multiply(e)).toHex(false));
      expect(bytesToHex(points.R2)).toBe(B_.multiply(sc).subtract(C_.multiply(e)).toHex(false));
      expect(bytesToHex(points.C_)).toBe(C_.toHex(false));
      expect(bytesToHex(points.C)).toBe(C_.subtract(A.multiply(r)).toHex(true));
    }
    const P = randomPoint();
    const k = scalarToBytes(randomScalar() || 1n);
    const offCurve = P.toBytes();
    offCurve[0] = 9;
    expect(() => backend.dleqUnblind(P.toBytes(false), offCurve, P.toBytes(), k, k, k)).toThrow(/point/i);
    expect(() => backend.dleqUnblind(P.toBytes(false), P.toBytes(), P.toBytes(), scalarToBytes(CURVE_ORDER), k, k)).toThrow(/scalar/);
  });
});

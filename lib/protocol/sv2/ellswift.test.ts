import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/fixtures';
import { ellswiftDecode, ellswiftEcdh, ellswiftEncode, randomSecretKey, xOnlyPublicKey } from './ellswift';
import { Sv2HandshakeError } from './errors';

function csv(name: string): Record<string, string>[] {
  const [head, ...rows] = readFixture('bip324', name).trim().split('\n');
  const columns = head!.split(',');
  return rows.map((row) => {
    const cells = row.split(',');
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
  });
}

const hex64 = (n: bigint) => n.toString(16).padStart(64, '0');

describe('ElligatorSwift against the BIP324 vectors', () => {
  it('decodes all ellswift_decode vectors', () => {
    const rows = csv('ellswift_decode_test_vectors.csv');
    expect(rows.length).toBe(76);
    for (const row of rows) expect(bytesToHex(ellswiftDecode(hexToBytes(row.ellswift!)))).toBe(row.x);
  });

  it('matches every xswiftec_inv case, including the failing ones', () => {
    const rows = csv('xswiftec_inv_test_vectors.csv');
    expect(rows.length).toBe(32);
    let roundTrips = 0;
    for (const row of rows) {
      const u = BigInt(`0x${row.u}`);
      const x = BigInt(`0x${row.x}`);
      for (let ellCase = 0; ellCase < 8; ellCase++) {
        const expected = row[`case${ellCase}_t`]!;
        const t = elligatorSwift._inv(x, u, ellCase);
        expect(t === undefined ? '' : hex64(t)).toBe(expected);
        if (expected) {
          expect(bytesToHex(ellswiftDecode(hexToBytes(row.u! + expected)))).toBe(row.x);
          roundTrips++;
        }
      }
    }
    expect(roundTrips).toBeGreaterThan(90);
  });

  it('computes the packet_encoding ECDH fields (x coordinates and v2_ecdh secret)', () => {
    const rows = csv('packet_encoding_test_vectors.csv');
    expect(rows.length).toBe(7);
    for (const row of rows) {
      const secret = hexToBytes(row.in_priv_ours!);
      const ours = hexToBytes(row.in_ellswift_ours!);
      const theirs = hexToBytes(row.in_ellswift_theirs!);
      expect(bytesToHex(xOnlyPublicKey(secret))).toBe(row.mid_x_ours);
      expect(bytesToHex(ellswiftDecode(ours))).toBe(row.mid_x_ours);
      expect(bytesToHex(ellswiftDecode(theirs))).toBe(row.mid_x_theirs);
      expect(bytesToHex(elligatorSwift.getSharedSecret(secret, theirs))).toBe(row.mid_x_shared);
      expect(bytesToHex(ellswiftEcdh(secret, theirs, ours, row.in_initiating === '1'))).toBe(row.mid_shared_secret);
    }
  });

  it('encodes fresh keys that decode back and agree on both sides', () => {
    for (let i = 0; i < 20; i++) {
      const a = randomSecretKey();
      const b = randomSecretKey();
      const ellA = ellswiftEncode(a);
      const ellB = ellswiftEncode(b);
      expect(ellswiftDecode(ellA)).toEqual(xOnlyPublicKey(a));
      expect(ellswiftEcdh(a, ellB, ellA, true)).toEqual(ellswiftEcdh(b, ellA, ellB, false));
      expect(ellswiftEcdh(a, ellB, ellA, true)).not.toEqual(ellswiftEcdh(b, ellA, ellB, true));
    }
    const secret = randomSecretKey();
    expect(ellswiftEncode(secret)).not.toEqual(ellswiftEncode(secret));
  });

  it('rejects encodings that are not 64 bytes', () => {
    expect(() => ellswiftDecode(new Uint8Array(63))).toThrow(Sv2HandshakeError);
    expect(() => ellswiftEcdh(randomSecretKey(), new Uint8Array(65), new Uint8Array(64), true)).toThrow(Sv2HandshakeError);
  });
});

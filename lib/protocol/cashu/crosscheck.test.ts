/** Cross-checks against cashu-ts 4.x (a noble implementation we did not write) on random inputs. */
import {
  createBlindSignature,
  createDLEQProof,
  deriveKeysetId,
  deriveSecretAndBlindingFactor,
  hashToCurve as tsHashToCurve,
  pointFromHex,
  signMintQuote as tsSignMintQuote,
  verifyDLEQProof,
  verifyMintQuoteSignature as tsVerifyMintQuoteSignature,
} from '@cashu/cashu-ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  blindedMessageHex,
  createDleq,
  hashToCurve,
  keysetIdV1,
  keysetIdV2,
  outputSecretDeriver,
  signBlindedMessage,
  signMintQuote,
  signQuoteLookup,
  unblindHex,
  unblindVerifiedHex,
  verifyBlindSignatureHex,
  verifyMintQuoteSignature,
  verifyQuoteLookup,
} from './index';
import { mintQuoteDigest, quoteLookupDigest } from './nut20';
import { sha256 } from '@noble/hashes/sha2.js';

const randomKey = () => secp256k1.utils.randomSecretKey();

describe('cashu crypto agrees with cashu-ts', () => {
  it('hash_to_curve, blind signature and DLEQ on random inputs', () => {
    for (let i = 0; i < 20; i++) {
      const msg = randomBytes(32);
      expect(bytesToHex(hashToCurve(msg))).toBe(tsHashToCurve(msg).toHex(true));
      const a = randomKey();
      const A = bytesToHex(secp256k1.getPublicKey(a, true));
      const B_ = blindedMessageHex(bytesToHex(randomBytes(32)), randomKey());
      const C_ = bytesToHex(signBlindedMessage(hexToBytes(B_), a));
      expect(C_).toBe(createBlindSignature(pointFromHex(B_), a, '00').C_.toHex(true));
      const ours = createDleq(hexToBytes(B_), a);
      const theirs = createDLEQProof(pointFromHex(B_), a);
      expect(bytesToHex(ours.e)).toBe(bytesToHex(theirs.e));
      expect(bytesToHex(ours.s)).toBe(bytesToHex(theirs.s));
      expect(verifyDLEQProof(ours, pointFromHex(B_), pointFromHex(C_), pointFromHex(A))).toBe(true);
      expect(verifyBlindSignatureHex({ B_, C_, dleq: { e: bytesToHex(theirs.e), s: bytesToHex(theirs.s) }, A })).toBe(true);
    }
  });

  it('unblinding gives k·Y', () => {
    const k = randomKey();
    const r = randomKey();
    const secret = bytesToHex(randomBytes(32));
    const B_ = blindedMessageHex(secret, r);
    const C_ = bytesToHex(signBlindedMessage(hexToBytes(B_), k));
    const C = unblindHex(C_, r, bytesToHex(secp256k1.getPublicKey(k, true)));
    expect(C).toBe(tsHashToCurve(new TextEncoder().encode(secret)).multiply(secp256k1.Point.Fn.fromBytes(k)).toHex(true));
  });

  it('the wallet step (DLEQ check, then unblind) gives k·Y for a good signature and nothing for a bad one', () => {
    const k = randomKey();
    const A = bytesToHex(secp256k1.getPublicKey(k, true));
    const r = randomKey();
    const secret = bytesToHex(randomBytes(32));
    const B_ = blindedMessageHex(secret, r);
    const C_ = bytesToHex(signBlindedMessage(hexToBytes(B_), k));
    const theirs = createDLEQProof(pointFromHex(B_), k);
    const dleq = { e: bytesToHex(theirs.e), s: bytesToHex(theirs.s) };
    expect(unblindVerifiedHex({ B_, C_, dleq, A }, r)).toBe(tsHashToCurve(new TextEncoder().encode(secret)).multiply(secp256k1.Point.Fn.fromBytes(k)).toHex(true));
    const otherKey = bytesToHex(secp256k1.getPublicKey(randomKey(), true));
    expect(unblindVerifiedHex({ B_, C_, dleq, A: otherKey }, r)).toBeUndefined();
    expect(unblindVerifiedHex({ B_, C_, dleq: { e: dleq.s, s: dleq.e }, A }, r)).toBeUndefined();
    expect(unblindVerifiedHex({ B_, C_: 'zz', dleq, A }, r)).toBeUndefined();
  });

  it('NUT-20 legacy format both ways (cashu-ts exports only the legacy signer; its current one runs in mint.test.ts)', () => {
    const priv = randomKey();
    const pub = bytesToHex(secp256k1.getPublicKey(priv, true));
    const outputs = [1n, 256n, 2n ** 63n, 0n].map((amount) => ({ amount, id: '00', B_: blindedMessageHex(bytesToHex(randomBytes(8)), randomKey()) }));
    const quote = '019e6d5a-2347-7000-8322-05d51d498303';
    const theirs = tsSignMintQuote(bytesToHex(priv), quote, outputs as never);
    expect(verifyMintQuoteSignature(quote, outputs, pub, theirs, 'legacy')).toBe(true);
    expect(verifyMintQuoteSignature(quote, outputs, pub, theirs, 'current')).toBe(false);
    expect(tsVerifyMintQuoteSignature(pub, quote, outputs as never, signMintQuote(quote, outputs, priv, 'legacy'))).toBe(true);
    const current = signMintQuote(quote, outputs, priv);
    expect(verifyMintQuoteSignature(quote, outputs, pub, current)).toBe(true);
    expect(verifyMintQuoteSignature(quote, outputs.slice(1), pub, current)).toBe(false);
  });

  it('NUT-20 current message layout (two outputs, amounts 8 and 2)', () => {
    const outputs = [
      { amount: 8n, B_: `02${'11'.repeat(32)}` },
      { amount: 2n, B_: `02${'22'.repeat(32)}` },
    ];
    expect(bytesToHex(mintQuoteDigest('019e6d5a-2347-7000-8322-05d51d498303', outputs))).toBe('8012edd6136194417e02f18b5c3aad2d9bff8d611768b19d8fa1171ee2206f7a');
  });

  it('quote lookup signature', () => {
    const priv = randomKey();
    const pub = bytesToHex(secp256k1.getPublicKey(priv, true));
    const mintPub = bytesToHex(secp256k1.getPublicKey(randomKey(), true));
    const sig = signQuoteLookup(mintPub, pub, priv);
    expect(verifyQuoteLookup(mintPub, pub, sig)).toBe(true);
    expect(verifyQuoteLookup(mintPub.toUpperCase(), pub, sig)).toBe(true);
    expect(verifyQuoteLookup(pub, mintPub, sig)).toBe(false);
    expect(verifyQuoteLookup(mintPub, pub, 'ab')).toBe(false);
    // the #341 form binds the request's timestamp: the same signature under another timestamp fails
    const stamped = signQuoteLookup(mintPub, pub, priv, 1_788_825_600);
    expect(verifyQuoteLookup(mintPub, pub, stamped, 1_788_825_600)).toBe(true);
    expect(verifyQuoteLookup(mintPub, pub, stamped, 1_788_825_601)).toBe(false);
    expect(verifyQuoteLookup(mintPub, pub, stamped)).toBe(false);
  });

  it("quote lookup pre-image matches CDK's pinned vector (keys 1 and 2)", () => {
    // vnprc/cdk nutxx: "Cashu_MintQuoteLookup_v1" || hex(mint pubkey) || hex(pubkey), hashed once with SHA-256
    const mintPub = bytesToHex(secp256k1.getPublicKey(hexToBytes('00'.repeat(31) + '01'), true));
    const pub = bytesToHex(secp256k1.getPublicKey(hexToBytes('00'.repeat(31) + '02'), true));
    const preimage = 'Cashu_MintQuoteLookup_v10279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f8179802c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5';
    expect(bytesToHex(quoteLookupDigest(mintPub, pub))).toBe(bytesToHex(sha256(new TextEncoder().encode(preimage))));
  });

  it('NUT-13 secrets for random seeds and v2 keyset ids', () => {
    for (let i = 0; i < 5; i++) {
      const seed = randomBytes(64);
      const keysetId = `01${bytesToHex(randomBytes(32))}`;
      const derive = outputSecretDeriver(seed, keysetId);
      for (const counter of [0, 1, 1000, 2 ** 40]) {
        const theirs = deriveSecretAndBlindingFactor(seed, keysetId, counter);
        const ours = derive(counter);
        expect(ours.secret).toBe(bytesToHex(theirs.secret));
        expect(bytesToHex(ours.r)).toBe(bytesToHex(theirs.blindingFactor));
      }
    }
  });

  it('keyset ids', () => {
    const keys: Record<string, string> = {};
    for (let i = 0; i < 64; i++) keys[(1n << BigInt(i)).toString()] = bytesToHex(secp256k1.getPublicKey(randomKey(), true));
    expect(keysetIdV1(keys)).toBe(deriveKeysetId(keys, { versionByte: 0 }));
    expect(keysetIdV2(keys, { unit: 'hash' })).toBe(deriveKeysetId(keys, { unit: 'hash', versionByte: 1 }));
  });
});

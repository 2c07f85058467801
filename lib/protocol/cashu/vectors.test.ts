/** The NUT test vectors (cashubtc/nuts tests/*.md, extracted in fixtures/cashu/vectors.json) on every secp backend that loads. */
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { mnemonicToSeedSync } from '@scure/bip39';
import { afterAll, describe, expect, it } from 'vitest';
import { readFixture, readFixtureJson } from '../../../test/fixtures';
import { scalarToBytes } from './secp';
import { secpBackends } from '../../platform/secp';
import {
  blindMessage,
  blindMessages,
  CURVE_ORDER,
  checkSpendingConditions,
  conditionsSatisfied,
  createDleq,
  hashE,
  hashToCurve,
  isValidKeysetKeys,
  keysetIdV1,
  keysetIdV2,
  mintQuoteDigest,
  outputSecretDeriver,
  p2pkConditions,
  parseWellKnownSecret,
  secp,
  sigAllMessage,
  signBlindedMessage,
  SpendingConditionError,
  unblindSignature,
  useBackend,
  verifyBlindSignatureHex,
  verifyMintQuoteSignature,
  verifyProofDleqHex,
  witnessSignatures,
} from './index';

type Json = Record<string, any>;
const v = readFixtureJson<Json>('cashu', 'vectors.json');
const original = secp();
afterAll(() => useBackend(original));

describe.each(secpBackends().map((b) => [b.name, b] as const))('NUT vectors on the %s backend', (_name, backend) => {
  it('uses the backend under test', () => {
    useBackend(backend);
    expect(secp().name).toBe(backend.name);
  });

  it('NUT-00 hash_to_curve', () => {
    useBackend(backend);
    for (const t of v.hash_to_curve) expect(bytesToHex(hashToCurve(hexToBytes(t.message_hex)))).toBe(t.point);
  });

  it('NUT-00 blinded messages', () => {
    useBackend(backend);
    for (const t of v.blinded_message) expect(bytesToHex(blindMessage(hexToBytes(t.x_hex), hexToBytes(t.r)))).toBe(t.B_);
  });

  it('NUT-00 blinded messages in one call: the vectors and 64 random secrets (about half need a counter past 0) as one at a time', () => {
    useBackend(backend);
    const secrets = [...v.blinded_message.map((t: Json) => hexToBytes(t.x_hex)), ...Array.from({ length: 64 }, () => randomBytes(40))];
    const rs = [...v.blinded_message.map((t: Json) => hexToBytes(t.r)), ...Array.from({ length: 64 }, (_, i) => scalarToBytes(BigInt(i + 2) ** 70n % CURVE_ORDER))];
    const batch = blindMessages(secrets, rs);
    v.blinded_message.forEach((t: Json, i: number) => expect(bytesToHex(batch[i]!.B_)).toBe(t.B_));
    secrets.forEach((secret, i) => {
      const Y = hashToCurve(secret);
      expect(bytesToHex(batch[i]!.Y)).toBe(bytesToHex(Y));
      expect(bytesToHex(batch[i]!.B_)).toBe(bytesToHex(backend.addBase(Y, rs[i]!)));
    });
    expect(() => blindMessages([secrets[0]!, secrets[1]!], [rs[0]!, new Uint8Array(32)])).toThrow();
    expect(() => blindMessages([secrets[0]!], [new Uint8Array(32).fill(0xff)])).toThrow();
  });

  it('NUT-00 blind signatures and unblinding round trip', () => {
    useBackend(backend);
    for (const t of v.blind_signature) {
      const C_ = signBlindedMessage(hexToBytes(t.B_), hexToBytes(t.k));
      expect(bytesToHex(C_)).toBe(t.C_);
    }
    const k = hexToBytes(v.blind_signature[1].k);
    const { x_hex, r } = v.blinded_message[0];
    const B_ = blindMessage(hexToBytes(x_hex), hexToBytes(r));
    const C = unblindSignature(signBlindedMessage(B_, k), hexToBytes(r), backend.baseMultiply(k));
    expect(bytesToHex(C)).toBe(bytesToHex(backend.multiply(hashToCurve(hexToBytes(x_hex)), k)));
  });

  it('NUT-00 rejects a B_ that is not on the curve', () => {
    useBackend(backend);
    expect(() => signBlindedMessage(hexToBytes(`02${'00'.repeat(32)}`), hexToBytes(v.blind_signature[1].k))).toThrow();
    expect(() => signBlindedMessage(new Uint8Array(5), hexToBytes(v.blind_signature[1].k))).toThrow();
  });

  it('NUT-01 keyset keys: valid and invalid sets', () => {
    useBackend(backend);
    for (const keys of v.nut01_keysets.valid) expect(isValidKeysetKeys(keys)).toBe(true);
    for (const t of v.nut01_keysets.invalid) expect(isValidKeysetKeys(t.keys), t.reason).toBe(false);
    expect(isValidKeysetKeys({ '3': v.nut01_keysets.valid[0]['1'] })).toBe(false);
  });

  it('NUT-13 deterministic secrets and blinding factors, v1 (BIP32) and v2 (HMAC)', () => {
    for (const t of [v.nut13.v1, v.nut13.v2]) {
      const derive = outputSecretDeriver(mnemonicToSeedSync(t.mnemonic), t.keyset_id);
      t.secrets.forEach((secret: string, counter: number) => {
        const out = derive(counter);
        expect(out.secret).toBe(secret);
        expect(bytesToHex(out.r)).toBe(t.r[counter]);
      });
    }
    expect(() => outputSecretDeriver(new Uint8Array(64), 'zz')).toThrow();
  });

  it('NUT-02 keyset ids v1 and v2', () => {
    for (const t of v.keyset_id_v1) expect(keysetIdV1(t.keys)).toBe(t.id);
    for (const t of v.keyset_id_v2) {
      const opts: { unit: string; inputFeePpk?: number; finalExpiry?: number } = { unit: t.unit, inputFeePpk: t.input_fee_ppk };
      if (t.final_expiry) opts.finalExpiry = t.final_expiry;
      expect(keysetIdV2(t.keys, opts)).toBe(t.id);
    }
  });

  it('NUT-12 hash_e, deterministic DLEQ and both verifications', () => {
    useBackend(backend);
    const h = v.nut12.hash_e;
    expect(bytesToHex(hashE([h.R1, h.R2, h.K, h.C_].map((p: string) => hexToBytes(p))))).toBe(h.expected);

    const d = v.nut12.deterministic_nonce;
    const proof = createDleq(hexToBytes(d.B_), hexToBytes(d.a));
    expect(bytesToHex(proof.e)).toBe(d.e);
    expect(bytesToHex(proof.s)).toBe(d.s);
    expect(verifyBlindSignatureHex({ B_: d.B_, C_: d.C_, dleq: { e: d.e, s: d.s }, A: d.A })).toBe(true);

    const b = v.nut12.blind_signature_dleq_valid;
    const sig = { B_: b.B_, C_: b.blind_signature.C_, dleq: b.blind_signature.dleq, A: b.A };
    expect(verifyBlindSignatureHex(sig)).toBe(true);
    expect(verifyBlindSignatureHex({ ...sig, A: d.A })).toBe(false);
    expect(verifyBlindSignatureHex({ ...sig, dleq: { e: sig.dleq.e, s: sig.dleq.e } })).toBe(false);
    expect(verifyBlindSignatureHex({ ...sig, C_: 'zz' })).toBe(false);

    const p = v.nut12.proof_dleq_valid;
    expect(verifyProofDleqHex({ secret: p.proof.secret, C: p.proof.C, dleq: p.proof.dleq, A: p.A })).toBe(true);
    expect(verifyProofDleqHex({ secret: `${p.proof.secret}00`, C: p.proof.C, dleq: p.proof.dleq, A: p.A })).toBe(false);
  });

  it('NUT-20 legacy message and signatures', () => {
    useBackend(backend);
    const { valid, invalid } = v.nut20;
    const outputs = valid.request.outputs.map((o: Json) => ({ amount: BigInt(o.amount), B_: o.B_ }));
    expect(bytesToHex(mintQuoteDigest(valid.request.quote, outputs, 'legacy'))).toBe(bytesToHex(sha256(Uint8Array.from(v.nut20.msg_to_sign_bytes))));
    expect(verifyMintQuoteSignature(valid.request.quote, outputs, valid.pubkey, valid.request.signature, 'legacy')).toBe(true);
    expect(verifyMintQuoteSignature(invalid.request.quote, outputs, invalid.pubkey, invalid.request.signature, 'legacy')).toBe(false);
    expect(verifyMintQuoteSignature(valid.request.quote, outputs, valid.pubkey, valid.request.signature, 'current')).toBe(false);
  });

  it('NUT-29 batch signature vector (stale quote id, verified with the original "locked-quote")', () => {
    useBackend(backend);
    const t = v.nut29_batch_nut20_signature;
    const outputs = t.request.outputs.map((o: Json) => ({ amount: BigInt(o.amount), B_: o.B_ }));
    expect(verifyMintQuoteSignature(t.known_issue.original_quote, outputs, t.pubkey, t.signature_0, 'legacy')).toBe(true);
    expect(verifyMintQuoteSignature(t.quote, outputs, t.pubkey, t.signature_0, 'legacy')).toBe(false);
  });

  it('NUT-11 P2PK proofs: multisig, refund, locktime, SIG_INPUTS', () => {
    useBackend(backend);
    const now = Math.floor(Date.UTC(2026, 10, 21) / 1000);
    for (const t of v.nut11_p2pk_proofs) {
      if (t.expected_spendable === null) continue;
      const conditions = p2pkConditions(parseWellKnownSecret(t.proof.secret)!);
      expect(conditionsSatisfied(conditions, t.proof.secret, witnessSignatures(t.proof.witness), now), t.name).toBe(t.expected_spendable);
    }
  });

  it('NUT-11 SIG_ALL messages and requests', () => {
    useBackend(backend);
    for (const t of v.nut11_sig_all_messages) expect(bytesToHex(sha256(utf8ToBytes(t.msg_to_sign)))).toBe(t.sha256);
    const swap = v.nut11_sig_all_requests.find((r: Json) => r.name === 'valid SIG_ALL signature').request;
    const message = sigAllMessage(swap.inputs, swap.outputs);
    expect(message).toBe(v.nut11_sig_all_messages[0].msg_to_sign);
    const conditions = p2pkConditions(parseWellKnownSecret(swap.inputs[0].secret)!);
    expect(conditions.sigflag).toBe('SIG_ALL');
    expect(conditionsSatisfied(conditions, message, witnessSignatures(swap.inputs[0].witness), 0)).toBe(true);
    expect(conditionsSatisfied(conditions, `${message}x`, witnessSignatures(swap.inputs[0].witness), 0)).toBe(false);
  });

  it('BIP340 vectors (32-byte messages) for the Schnorr signatures NUT-20 and NUT-11 use', () => {
    const rows = readFixture('bip324', 'bip-0340-test-vectors.csv')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    let checked = 0;
    for (const [index, secret, pub, aux, msg, sig, result] of rows) {
      if (msg!.length !== 64) continue;
      const m = hexToBytes(msg!);
      if (secret) expect(bytesToHex(backend.signSchnorr(m, hexToBytes(secret), hexToBytes(aux!))).toUpperCase(), `vector ${index}`).toBe(sig);
      expect(backend.verifySchnorr(m, hexToBytes(pub!), hexToBytes(sig!)), `vector ${index}`).toBe(result === 'TRUE');
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('NUT-11 SIG_ALL swap and melt requests (HTLC ones must be refused: NUT-14 is not offered)', () => {
    useBackend(backend);
    for (const t of v.nut11_sig_all_requests) {
      const { inputs, outputs, quote } = t.request;
      const run = () => checkSpendingConditions(inputs, outputs ?? [], 1_800_000_000, quote);
      if (inputs[0].secret.startsWith('["HTLC"')) expect(run, t.name).toThrow(SpendingConditionError);
      else if (t.expected_valid) expect(run, t.name).not.toThrow();
      else expect(run, t.name).toThrow(SpendingConditionError);
    }
  });

  it('NUT-10/11 malformed secrets are typed errors, plain secrets are not conditions', () => {
    expect(parseWellKnownSecret('407915bc212be61a77e3e6d2aeb4c727980bda51cd06a6afc29e2861768a7837')).toBeUndefined();
    expect(() => parseWellKnownSecret('["P2PK"]')).toThrow(SpendingConditionError);
    expect(() => p2pkConditions(parseWellKnownSecret('["P2PK",{"nonce":"00","data":"nothex","tags":[]}]')!)).toThrow(SpendingConditionError);
    expect(() => p2pkConditions(parseWellKnownSecret('["HTLC",{"nonce":"00","data":"00","tags":[]}]')!)).toThrow(SpendingConditionError);
    expect(witnessSignatures('{not json')).toEqual([]);
  });
});

/**
 * The devnet mint against cashu-ts 4.8's Wallet (a client we did not write) over real HTTP on 127.0.0.1,
 * with its state in a real SQLite file; DLEQ is required by the wallet throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEncodedToken, JSONInt, Wallet, type Proof } from '@cashu/cashu-ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { mnemonicToSeedSync } from '@scure/bip39';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blindedMessageHex, hashToCurve, signMintQuote, signQuoteLookup, unblindHex } from '../../lib/protocol/cashu/index';
import { ErrorCode, startMint, type DevnetMint } from './index';
import { seededRandom } from '../../test/seeded-random';

const MNEMONIC = 'half depart obvious quality work element tank gorilla view sugar picture humble';
const lockKey = secp256k1.utils.randomSecretKey();
const lockPriv = bytesToHex(lockKey);
const lockPub = bytesToHex(secp256k1.getPublicKey(lockKey, true));

let dir: string;
let dbPath: string;
let mint: DevnetMint;
const seed = new Uint8Array(32).fill(7);

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${mint.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSONInt.stringify(body) });
  return { status: res.status, json: JSONInt.parse(await res.text()) };
}

function headerHash(): string {
  return bytesToHex(randomBytes(32));
}

/** A wallet with random secrets; the seeded one (deterministic NUT-13 secrets) is made once, since its counters live in memory. */
async function newWallet(mnemonic?: string): Promise<Wallet> {
  const wallet = new Wallet(mint.url, { unit: mint.unit, requireSigDleq: true, ...(mnemonic ? { bip39seed: mnemonicToSeedSync(mnemonic) } : {}) });
  await wallet.loadMint();
  return wallet;
}

function wire(proofs: Proof[]) {
  return proofs.map((p) => ({ id: p.id, amount: BigInt(p.amount.toString()), secret: p.secret, C: p.C, ...(p.witness ? { witness: p.witness } : {}) }));
}

function freshOutputs(amounts: bigint[], keysetId: string) {
  return amounts.map((amount) => ({ amount, id: keysetId, B_: blindedMessageHex(bytesToHex(randomBytes(32)), secp256k1.utils.randomSecretKey()) }));
}

/** A proof minted over raw HTTP with our own blinding (no wallet state involved). */
async function mintRawProof(amount: bigint) {
  const keysetId = ((await (await fetch(`${mint.url}/v1/keysets`)).json()) as any).keysets.find((k: any) => k.unit === mint.unit).id as string;
  const A = ((await (await fetch(`${mint.url}/v1/keys/${keysetId}`)).json()) as any).keysets[0].keys[amount.toString()] as string;
  const { quoteId } = await mint.createShareQuote({ amount, headerHash: headerHash(), pubkey: lockPub });
  const secret = bytesToHex(randomBytes(32));
  const r = secp256k1.utils.randomSecretKey();
  const outputs = [{ amount, id: keysetId, B_: blindedMessageHex(secret, r) }];
  const minted = await post('/v1/mint/ehash', { quote: quoteId, outputs, signature: signMintQuote(quoteId, outputs, lockKey) });
  expect(minted.status).toBe(200);
  return { quoteId, keysetId, outputs, signature: minted.json.signatures[0], proof: { amount, id: keysetId, secret, C: unblindHex(minted.json.signatures[0].C_, r, A) } };
}

const sum = (proofs: Proof[]) => proofs.reduce((s, p) => s + BigInt(p.amount.toString()), 0n);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'axewallet-mint-'));
  dbPath = join(dir, 'mint.sqlite');
  mint = await startMint({ dbPath, seed, testHooks: true });
});

afterAll(async () => {
  await mint?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('devnet mint with cashu-ts Wallet', () => {
  let walletProofs: Proof[] = [];
  let seeded: Wallet;
  beforeAll(async () => {
    seeded = await newWallet(MNEMONIC);
  });

  it('publishes info, keys and v2 keysets the wallet loads', async () => {
    const wallet = await newWallet();
    const info = (await (await fetch(`${mint.url}/v1/info`)).json()) as any;
    expect(info.pubkey).toBe(mint.pubkey);
    expect(info.nuts['4'].methods[0]).toMatchObject({ method: 'ehash', unit: 'hash' });
    for (const nut of ['7', '9', '11', '12', '20']) expect(info.nuts[nut].supported).toBe(true);
    expect(info.nuts['29'].methods).toEqual(['ehash']);
    expect(wallet.keysetId).toMatch(/^01[0-9a-f]{64}$/);
    expect(Object.keys(wallet.getKeyset().keys)).toHaveLength(64);
  });

  it('quotes come only from the pool (POST /v1/mint/quote/ehash is 404); checks one, mints it with NUT-20 (current format) and never twice', async () => {
    const wallet = seeded;
    const hh = headerHash();
    await expect(wallet.createMintQuote('ehash', { amount: 8, pubkey: lockPub, header_hash: hh } as never)).rejects.toMatchObject({ status: 404 });
    const { quoteId } = await mint.createShareQuote({ amount: 8n, headerHash: hh, pubkey: lockPub });
    const checked = (await wallet.checkMintQuote('ehash', quoteId)) as any;
    expect(checked).toMatchObject({ quote: quoteId, request: hh, method: 'ehash', unit: 'hash', pubkey: lockPub });
    expect(checked.amount_paid.toString()).toBe('8');
    const proofs = await wallet.mintProofs('ehash', 8, checked, { privkey: lockPriv });
    expect(sum(proofs)).toBe(8n);
    expect(proofs.every((p) => p.dleq)).toBe(true);
    walletProofs.push(...proofs);
    const after = (await wallet.checkMintQuote('ehash', quoteId)) as any;
    expect(after.amount_issued.toString()).toBe('8');
    await expect(wallet.mintProofs('ehash', 8, checked, { privkey: lockPriv })).rejects.toMatchObject({ code: ErrorCode.QUOTE_ALREADY_ISSUED });
  });

  it('falls back to the legacy NUT-20 message when the mint answers 20008', async () => {
    const wallet = seeded;
    mint.setHooks({ nut20Formats: ['legacy'] });
    try {
      const { quoteId } = await mint.createShareQuote({ amount: 4n, headerHash: headerHash(), pubkey: lockPub });
      const quote = await wallet.checkMintQuote('ehash', quoteId);
      const proofs = await wallet.mintProofs('ehash', 4, quote as never, { privkey: lockPriv });
      expect(sum(proofs)).toBe(4n);
      walletProofs.push(...proofs);
    } finally {
      mint.setHooks({ nut20Formats: ['current', 'legacy'] });
    }
    const { quoteId } = await mint.createShareQuote({ amount: 1n, headerHash: headerHash(), pubkey: lockPub });
    const outputs = freshOutputs([1n], wallet.keysetId);
    const other = secp256k1.utils.randomSecretKey();
    expect((await post('/v1/mint/ehash', { quote: quoteId, outputs })).json.code).toBe(ErrorCode.QUOTE_SIGNATURE_INVALID);
    expect((await post('/v1/mint/ehash', { quote: quoteId, outputs, signature: signMintQuote(quoteId, outputs, other) })).json.code).toBe(ErrorCode.QUOTE_SIGNATURE_INVALID);
    const ok = await post('/v1/mint/ehash', { quote: quoteId, outputs, signature: signMintQuote(quoteId, outputs, lockKey, 'legacy') });
    expect(ok.status).toBe(200);
    expect(ok.json.signatures[0].dleq.e).toMatch(/^[0-9a-f]{64}$/);
  });

  it('finds share quotes by pubkey lookup and batch-mints them (NUT-29)', async () => {
    const wallet = seeded;
    const ids: string[] = [];
    for (const amount of [1n, 2n, 4n, 16n]) ids.push((await mint.createShareQuote({ amount, headerHash: headerHash(), pubkey: lockPub })).quoteId);
    const lookup = await post('/v1/mint/quote/pubkey', { pubkeys: [lockPub], pubkey_signatures: [signQuoteLookup(mint.pubkey, lockPub, lockKey)], only_mintable: true });
    expect(lookup.status).toBe(200);
    const found = lookup.json.quotes.map((q: any) => q.quote);
    expect(found).toEqual(expect.arrayContaining(ids));
    expect(lookup.json.quotes.every((q: any) => q.pubkey === lockPub && q.amount_paid > q.amount_issued)).toBe(true);
    const quotes = await wallet.checkMintQuoteBatch('ehash', ids);
    const prepared = await wallet.prepareBatchMint(
      'ehash',
      quotes.map((q: any) => ({ amount: q.amount, quote: q })),
      { privkey: lockPriv },
    );
    const proofs = await wallet.completeBatchMint(prepared);
    expect(sum(proofs)).toBe(23n);
    walletProofs.push(...proofs);
    const again = await post('/v1/mint/quote/pubkey', { pubkeys: [lockPub], pubkey_signatures: [signQuoteLookup(mint.pubkey, lockPub, lockKey)], only_mintable: true });
    expect(again.json.quotes.filter((q: any) => ids.includes(q.quote))).toEqual([]);
    const all = await post('/v1/mint/quote/pubkey', { pubkeys: [lockPub], pubkey_signatures: [signQuoteLookup(mint.pubkey, lockPub, lockKey)] });
    expect(
      all.json.quotes
        .filter((q: any) => ids.includes(q.quote))
        .map((q: any) => q.amount_issued)
        .sort((a: number, b: number) => a - b),
    ).toEqual([1, 2, 4, 16]);
  });

  it('swaps, checks state and refuses double spends, also two concurrent swaps of one proof', async () => {
    const wallet = seeded;
    const inputs = walletProofs;
    const { keep, send } = await wallet.send(5, inputs);
    expect(sum(send)).toBe(5n);
    walletProofs = [...keep, ...send];
    const remaining = new Set(walletProofs.map((p) => p.secret));
    const spentInputs = inputs.filter((p) => !remaining.has(p.secret));
    expect(spentInputs.length).toBeGreaterThan(0);
    expect((await wallet.checkProofsStates(spentInputs)).every((s) => s.state === 'SPENT')).toBe(true);
    expect((await wallet.checkProofsStates(walletProofs)).every((s) => s.state === 'UNSPENT')).toBe(true);
    const again = await post('/v1/swap', { inputs: wire(spentInputs.slice(0, 1)), outputs: freshOutputs([BigInt(spentInputs[0]!.amount.toString())], wallet.keysetId) });
    expect(again.json.code).toBe(ErrorCode.PROOFS_ALREADY_SPENT);

    const [proof] = walletProofs;
    const amount = BigInt(proof!.amount.toString());
    const results = await Promise.all([0, 1].map(() => post('/v1/swap', { inputs: wire([proof!]), outputs: freshOutputs([amount], wallet.keysetId) })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)!.json.code).toBe(ErrorCode.PROOFS_ALREADY_SPENT);
    walletProofs = walletProofs.slice(1);
  });

  it('receives a P2PK-locked token only with the witness of the right key', async () => {
    const sender = seeded;
    const receiverKey = secp256k1.utils.randomSecretKey();
    const receiverPub = bytesToHex(secp256k1.getPublicKey(receiverKey, true));
    const { keep, send } = await sender.send(3, walletProofs, undefined, { send: { type: 'p2pk', options: { pubkey: receiverPub } }, keep: { type: 'random' } } as never);
    walletProofs = keep;
    expect(send.every((p) => p.secret.startsWith('["P2PK"'))).toBe(true);
    const token = getEncodedToken({ mint: mint.url, unit: mint.unit, proofs: send });
    const receiver = await newWallet();
    const stranger = secp256k1.utils.randomSecretKey();
    const wrong = await post('/v1/swap', {
      inputs: wire(send),
      outputs: freshOutputs(
        send.map((p) => BigInt(p.amount.toString())),
        receiver.keysetId,
      ),
    });
    expect(wrong.json.code).toBe(ErrorCode.PROOF_VERIFICATION_FAILED);
    await expect(receiver.receive(token, { privkey: bytesToHex(stranger) })).rejects.toThrow();
    const received = await receiver.receive(token, { privkey: bytesToHex(receiverKey) });
    expect(sum(received)).toBe(3n);
    const states = await receiver.checkProofsStates(send);
    expect(states.every((s) => s.state === 'SPENT' && typeof s.witness === 'string')).toBe(true);
  });

  it("restores the seed wallet's proofs with NUT-09", async () => {
    const restorer = await newWallet(MNEMONIC);
    const { proofs } = await restorer.batchRestore(50, 20, 0, restorer.keysetId);
    const states = await restorer.checkProofsStates(proofs);
    const unspent = proofs.filter((_, i) => states[i]!.state === 'UNSPENT');
    const deterministic = walletProofs.filter((p) => !p.secret.startsWith('['));
    expect(unspent.map((p) => p.secret).sort()).toEqual(expect.arrayContaining(deterministic.map((p) => p.secret)));
    expect(proofs.every((p) => p.dleq)).toBe(true);
  });
});

describe('devnet mint rules and hooks', () => {
  it('batch rules: unique quotes, one unit, exact sums, signatures per quote, size limits', async () => {
    const wallet = await newWallet();
    const a = (await mint.createShareQuote({ amount: 2n, headerHash: headerHash(), pubkey: lockPub })).quoteId;
    const b = (await mint.createShareQuote({ amount: 1n, headerHash: headerHash(), pubkey: lockPub })).quoteId;
    const outputs = freshOutputs([2n, 1n], wallet.keysetId);
    const sign = (ids: string[], outs: typeof outputs) => ids.map((id) => signMintQuote(id, outs, lockKey));
    expect((await post('/v1/mint/ehash/batch', { quotes: [a, a], outputs, signatures: sign([a, a], outputs) })).json.code).toBe(ErrorCode.DUPLICATE_QUOTE_IDS);
    expect((await post('/v1/mint/ehash/batch', { quotes: [], outputs })).json.code).toBe(ErrorCode.BAD_REQUEST);
    const short = freshOutputs([2n], wallet.keysetId);
    expect((await post('/v1/mint/ehash/batch', { quotes: [a, b], outputs: short, signatures: sign([a, b], short) })).json.code).toBe(ErrorCode.TRANSACTION_UNBALANCED);
    expect((await post('/v1/mint/ehash/batch', { quotes: [a, b], outputs, signatures: sign([a], outputs) })).json.code).toBe(ErrorCode.BAD_REQUEST);
    expect((await post('/v1/mint/ehash/batch', { quotes: [a, b], outputs, signatures: [sign([a], outputs)[0], null] })).json.code).toBe(ErrorCode.QUOTE_SIGNATURE_INVALID);
    expect((await post('/v1/mint/ehash/batch', { quotes: [a, 'nope'], outputs, signatures: sign([a, 'nope'], outputs) })).json.code).toBe(ErrorCode.UNKNOWN_QUOTE);
    expect((await post('/v1/mint/ehash/batch', { quotes: Array.from({ length: 101 }, (_, i) => `q${i}`), outputs })).json.code).toBe(ErrorCode.MAX_BATCH_SIZE_EXCEEDED);
    expect((await post('/v1/mint/quote/ehash/check', { quotes: [a, 'nope'] })).json.code).toBe(ErrorCode.UNKNOWN_QUOTE);
    // nothing was consumed by the failures above
    const ok = await post('/v1/mint/ehash/batch', { quotes: [a, b], quote_amounts: [2, 1], outputs, signatures: sign([a, b], outputs) });
    expect(ok.status).toBe(200);
    expect(ok.json.signatures).toHaveLength(2);
    expect((await post('/v1/mint/ehash/batch', { quotes: [a, b], outputs, signatures: sign([a, b], outputs) })).json.code).toBe(ErrorCode.QUOTE_ALREADY_ISSUED);
  });

  it('pubkey lookup: signature required and at most 50 keys', async () => {
    const bad = await post('/v1/mint/quote/pubkey', { pubkeys: [lockPub], pubkey_signatures: [signQuoteLookup(lockPub, lockPub, lockKey)] });
    expect(bad.json.code).toBe(ErrorCode.QUOTE_SIGNATURE_INVALID);
    const many = await post('/v1/mint/quote/pubkey', { pubkeys: Array(51).fill(lockPub), pubkey_signatures: Array(51).fill('00'.repeat(64)) });
    expect(many.json.code).toBe(ErrorCode.MAX_BATCH_SIZE_EXCEEDED);
  });

  it('held (UNPAID) quotes, confirmation, expiry and epoch units', async () => {
    const wallet = await newWallet();
    mint.setHooks({ holdQuotesUnpaid: true });
    const { quoteId } = await mint.createShareQuote({ amount: 2n, headerHash: headerHash(), pubkey: lockPub });
    mint.setHooks({ holdQuotesUnpaid: false });
    expect(mint.quote(quoteId)!.amount_paid).toBe(0n);
    const outputs = freshOutputs([2n], wallet.keysetId);
    expect((await post('/v1/mint/ehash', { quote: quoteId, outputs, signature: signMintQuote(quoteId, outputs, lockKey) })).json.code).toBe(ErrorCode.QUOTE_NOT_PAID);
    expect(mint.confirmQuotes([quoteId])).toBe(1);
    expect(mint.quote(quoteId)!.amount_paid).toBe(2n);
    mint.expireQuotes([quoteId]);
    // paid but past its expiry: hashpool (expiry advisory) and cashu-ts >= 4.9 mint it; a mint enforcing expiry refuses
    mint.setHooks({ enforceExpiry: true });
    expect((await post('/v1/mint/ehash', { quote: quoteId, outputs, signature: signMintQuote(quoteId, outputs, lockKey) })).json.code).toBe(ErrorCode.QUOTE_EXPIRED);
    mint.setHooks({ enforceExpiry: false });
    expect((await post('/v1/mint/ehash', { quote: quoteId, outputs, signature: signMintQuote(quoteId, outputs, lockKey) })).status).toBe(200);
    // unpaid and expired: 20007 whatever the hook
    mint.setHooks({ holdQuotesUnpaid: true });
    const { quoteId: lapsed } = await mint.createShareQuote({ amount: 2n, headerHash: headerHash(), pubkey: lockPub });
    mint.setHooks({ holdQuotesUnpaid: false });
    mint.expireQuotes([lapsed]);
    const lapsedOutputs = freshOutputs([2n], wallet.keysetId);
    expect((await post('/v1/mint/ehash', { quote: lapsed, outputs: lapsedOutputs, signature: signMintQuote(lapsed, lapsedOutputs, lockKey) })).json.code).toBe(ErrorCode.QUOTE_EXPIRED);

    const poolKey = bytesToHex(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true));
    const unit = mint.rotateEpoch(poolKey, 840000);
    expect(unit).toBe(`hash_${poolKey}_840000`);
    expect(mint.unit).toBe(unit);
    const epochWallet = await newWallet();
    const { quoteId: epochQuote } = await mint.createShareQuote({ amount: 4n, headerHash: headerHash(), pubkey: lockPub });
    const quote = await epochWallet.checkMintQuote('ehash', epochQuote);
    expect(quote.unit).toBe(unit);
    expect(sum(await epochWallet.mintProofs('ehash', 4, quote as never, { privkey: lockPriv }))).toBe(4n);
    const crossUnit = freshOutputs([4n], wallet.keysetId);
    const { quoteId: q2 } = await mint.createShareQuote({ amount: 4n, headerHash: headerHash(), pubkey: lockPub });
    expect((await post('/v1/mint/ehash', { quote: q2, outputs: crossUnit, signature: signMintQuote(q2, crossUnit, lockKey) })).json.code).toBe(ErrorCode.UNIT_MISMATCH);
    expect(() => mint.rotateEpoch('', 0)).toThrow(/invalid pool pubkey/);
  });

  it('faulty mint: a wrong signature or DLEQ is caught by the wallet; offline answers 503 or drops', async () => {
    const wallet = await newWallet();
    for (const hook of [{ wrongSignatures: 1 }, { wrongDleqs: 1 }]) {
      mint.setHooks(hook);
      const { quoteId } = await mint.createShareQuote({ amount: 1n, headerHash: headerHash(), pubkey: lockPub });
      const quote = await wallet.checkMintQuote('ehash', quoteId);
      await expect(wallet.mintProofs('ehash', 1, quote as never, { privkey: lockPriv })).rejects.toThrow(/DLEQ/);
    }
    mint.setHooks({ offline: 'refuse' });
    expect((await fetch(`${mint.url}/v1/info`)).status).toBe(503);
    mint.setHooks({ offline: 'drop' });
    await expect(fetch(`${mint.url}/v1/info`)).rejects.toThrow();
    mint.setHooks({ offline: false });
    expect((await fetch(`${mint.url}/v1/info`)).status).toBe(200);
  });

  it('tells the pool what to do with 0xC0 notifications', () => {
    mint.setHooks({ dropNotifications: 1, notificationDelayMs: 250 });
    expect(mint.notificationFate()).toEqual({ drop: true, delayMs: 250 });
    expect(mint.notificationFate()).toEqual({ drop: false, delayMs: 250 });
    mint.setHooks({ notificationDelayMs: 0 });
  });

  it('bad input never crashes the mint', async () => {
    const B_ = blindedMessageHex('x', secp256k1.utils.randomSecretKey());
    const cases: [string, unknown][] = [
      ['/v1/swap', '{not json'],
      ['/v1/swap', 'null'],
      ['/v1/swap', { inputs: 'x', outputs: [] }],
      ['/v1/swap', { inputs: [{ amount: -1, id: 'x', secret: 's', C: B_ }], outputs: [] }],
      ['/v1/swap', { inputs: [{ amount: 1, id: 'nope', secret: 's', C: B_ }], outputs: [{ amount: 1, id: 'nope', B_ }] }],
      ['/v1/swap', { inputs: [{ amount: 3n ** 50n, id: 'x', secret: 's', C: B_ }], outputs: [] }],
      ['/v1/swap', { inputs: [{ amount: 1, id: 'x', secret: 's', C: B_, witness: { signatures: [2n ** 70n] } }], outputs: [] }],
      ['/v1/swap', `${'['.repeat(200_000)}${']'.repeat(200_000)}`],
      ['/v1/mint/ehash', { quote: 'x'.repeat(10_000), outputs: [] }],
      ['/v1/mint/ehash', { quote: 'missing', outputs: [{ amount: 1, id: 'x', B_: `02${'00'.repeat(32)}` }] }],
      ['/v1/mint/bolt11', { quote: 'q', outputs: [] }],
      ['/v1/mint/quote/ehash', { amount: 0, pubkey: lockPub, header_hash: headerHash() }],
      ['/v1/mint/quote/ehash', { amount: 1, header_hash: headerHash() }],
      ['/v1/mint/quote/ehash', { amount: 1, pubkey: lockPub, header_hash: 'zz' }],
      ['/v1/checkstate', { Ys: [123] }],
      ['/v1/restore', { outputs: [{ B_: 'nothex' }] }],
      ['/v1/mint/quote/pubkey', { pubkeys: [lockPub], pubkey_signatures: [] }],
    ];
    for (const [path, body] of cases) {
      const res = await post(path, body);
      expect(res.status, `${path} ${String(JSONInt.stringify(body)).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(typeof res.json.detail).toBe('string');
      expect(typeof res.json.code).toBe('number');
    }
    const huge = await fetch(`${mint.url}/v1/swap`, { method: 'POST', body: 'x'.repeat(600 * 1024) }).then(
      (r) => r.status,
      () => 413,
    );
    expect(huge).toBe(413);
    expect((await fetch(`${mint.url}/v1/nothing`)).status).toBe(404);
    expect((await fetch(`${mint.url}/v1/mint/quote/ehash/does-not-exist`)).status).toBe(400);
    expect((await fetch(`${mint.url}/v1/info`)).status).toBe(200);
  });

  it('keeps everything across a restart, and refuses another seed for the same database', async () => {
    const { quoteId, keysetId, outputs, signature, proof } = await mintRawProof(2n);
    expect((await post('/v1/swap', { inputs: [proof], outputs: freshOutputs([2n], keysetId) })).status).toBe(200);
    const unpaid = (await mint.createShareQuote({ amount: 4n, headerHash: headerHash(), pubkey: lockPub })).quoteId;
    const before = mint.unit;
    await mint.close();

    await expect(startMint({ dbPath, seed: new Uint8Array(32).fill(9) })).rejects.toThrow(/different seed/);
    mint = await startMint({ dbPath, testHooks: true });
    expect(mint.unit).toBe(before);
    expect(mint.quote(quoteId)?.amount_issued).toBe(2n);
    expect(mint.quote(unpaid)?.amount_paid).toBe(4n);
    expect((await newWallet()).keysetId).toBe(keysetId);
    expect((await post('/v1/swap', { inputs: [proof], outputs: freshOutputs([2n], keysetId) })).json.code).toBe(ErrorCode.PROOFS_ALREADY_SPENT);
    const Y = bytesToHex(hashToCurve(new TextEncoder().encode(proof.secret)));
    expect((await post('/v1/checkstate', { Ys: [Y] })).json.states[0].state).toBe('SPENT');
    const restored = await post('/v1/restore', { outputs });
    expect(restored.json.signatures[0].C_).toBe(signature.C_);
    expect(restored.json.signatures[0].dleq).toEqual(signature.dleq);
  });

  it('answers random JSON on every POST route without a 5xx and keeps serving', async () => {
    const rand = seededRandom(0x2545f491).below;
    const value = (depth: number): unknown => {
      switch (rand(depth > 2 ? 6 : 9)) {
        case 0:
          return null;
        case 1:
          return rand(2) === 0;
        case 2:
          return rand(2) ? rand(1_000_000) - 500 : 2n ** BigInt(rand(80));
        case 3:
          return ['', 'ehash', lockPub, `02${'00'.repeat(32)}`, 'x'.repeat(rand(300)), '["P2PK",{}]'][rand(6)];
        case 4:
          return rand(1000) / 7;
        case 5:
          return headerHash();
        case 6:
          return Array.from({ length: rand(4) }, () => value(depth + 1));
        default: {
          const keys = [
            'quote',
            'quotes',
            'outputs',
            'inputs',
            'amount',
            'id',
            'B_',
            'C',
            'secret',
            'witness',
            'signature',
            'signatures',
            'Ys',
            'pubkeys',
            'pubkey_signatures',
            'quote_amounts',
            'pubkey',
            'header_hash',
            'unit',
          ];
          return Object.fromEntries(Array.from({ length: rand(5) + 1 }, () => [keys[rand(keys.length)]!, value(depth + 1)]));
        }
      }
    };
    const paths = [
      '/v1/swap',
      '/v1/mint/ehash',
      '/v1/mint/ehash/batch',
      '/v1/mint/quote/ehash',
      '/v1/mint/quote/ehash/check',
      '/v1/mint/quote/pubkey',
      '/v1/mint/quote/ehash/pubkey',
      '/v1/checkstate',
      '/v1/restore',
    ];
    for (let i = 0; i < 240; i++) {
      const res = await post(paths[i % paths.length]!, value(0));
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) expect(typeof res.json.code).toBe('number');
    }
    expect((await fetch(`${mint.url}/v1/info`)).status).toBe(200);
  });

  it('two mint processes on one database cannot both spend a proof', async () => {
    const { keysetId, proof } = await mintRawProof(4n);
    const twin = await startMint({ dbPath, testHooks: true });
    try {
      const results = await Promise.all(
        [mint.url, twin.url].map((url) =>
          fetch(`${url}/v1/swap`, { method: 'POST', body: JSONInt.stringify({ inputs: [proof], outputs: freshOutputs([4n], keysetId) }) }).then(async (r) => ({
            status: r.status,
            json: JSONInt.parse(await r.text()) as any,
          })),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(results.find((r) => r.status === 400)!.json.code).toBe(ErrorCode.PROOFS_ALREADY_SPENT);
    } finally {
      await twin.close();
    }
  });

  it('a port in use is a clean startup error', async () => {
    const port = Number(new URL(mint.url).port);
    await expect(startMint({ dbPath: join(dir, 'second.sqlite'), port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('hooks are refused unless the mint was started with them', async () => {
    const plain = await startMint({ dbPath: join(dir, 'plain.sqlite') });
    try {
      expect(() => plain.setHooks({ offline: 'refuse' })).toThrow(/test hook/);
      expect(() => plain.rotateEpoch('02', 1)).toThrow(/test hook/);
    } finally {
      await plain.close();
    }
  });
});

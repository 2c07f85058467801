/**
 * The devnet mint as a model of hashpool's epoch mechanics (vnprc/hashpool agent/epoch-mechanics 922637e9) and of
 * the refusals real mints give: provisional epochs, D confirmations, reorg back to the previous epoch, `_1` suffix,
 * keyset rotation and final_expiry, both quote lookup routes, batch limits and fault hooks. Real HTTP on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSONInt } from '@cashu/cashu-ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { blindedMessageHex, keysetIdV2, signMintQuote, signQuoteLookup, unblindHex } from '../../lib/protocol/cashu/index';
import { ErrorCode, startMint, type DevnetMint } from './index';

const lockKey = secp256k1.utils.randomSecretKey();
const lockPub = bytesToHex(secp256k1.getPublicKey(lockKey, true));
const poolKey = bytesToHex(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true));

let dir: string;
let mint: DevnetMint;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'axewallet-mint-epochs-'));
  mint = await startMint({ dbPath: join(dir, 'mint.sqlite'), testHooks: true });
});
afterAll(async () => {
  await mint.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  mint.setHooks({
    failEvery: undefined,
    refuse: undefined,
    lookupRoutes: undefined,
    lookupPageSize: undefined,
    maxBatchSize: undefined,
    advertiseBatchSize: undefined,
    clockOffsetSeconds: undefined,
    epochConfirmations: undefined,
  });
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${mint.url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSONInt.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: text ? JSONInt.parse(text) : undefined };
}

const share = async (amount = 1n) => (await mint.createShareQuote({ amount, headerHash: bytesToHex(randomBytes(32)), pubkey: lockPub })).quoteId;
const keysets = async () => (await call('GET', '/v1/keysets')).json.keysets as { id: string; unit: string; active: boolean; final_expiry: number | null }[];

/** Mints one quote over raw HTTP into the unit's active keyset; returns the proof. */
async function mintOne(quoteId: string, amount: bigint, keysetId: string) {
  const A = (await call('GET', `/v1/keys/${keysetId}`)).json.keysets[0].keys[amount.toString()] as string;
  const secret = bytesToHex(randomBytes(32));
  const r = secp256k1.utils.randomSecretKey();
  const outputs = [{ amount, id: keysetId, B_: blindedMessageHex(secret, r) }];
  const answer = await call('POST', '/v1/mint/ehash', { quote: quoteId, outputs, signature: signMintQuote(quoteId, outputs, lockKey) });
  return { answer, proof: answer.status === 200 ? { amount, id: keysetId, secret, C: unblindHex(answer.json.signatures[0].C_, r, A) } : undefined };
}

describe('epochs (hashpool EPOCH_DESIGN.md)', () => {
  it('a provisional epoch holds its quotes unpaid until D confirmations, then pays them in bulk', async () => {
    mint.setHooks({ epochConfirmations: 3 });
    const genesis = mint.openEpoch(poolKey, 100);
    expect(genesis).toMatchObject({ unit: `hash_${poolKey}_100`, state: 'final' });
    const before = await share(2n);
    expect(mint.quote(before)).toMatchObject({ unit: genesis.unit, amount_paid: 2n });

    const next = mint.openEpoch(poolKey, 101, { provisional: true });
    expect(mint.unit).toBe(`hash_${poolKey}_101`);
    const held = await share(4n);
    expect(mint.quote(held)).toMatchObject({ unit: next.unit, amount_paid: 0n });
    // the lookup's mintable filter does not show it, the check does (UNPAID)
    expect(mint.confirmEpoch(2)).toEqual({ epoch: expect.objectContaining({ state: 'provisional', confirmations: 2 }), paid: 0 });
    expect(() => mint.openEpoch(poolKey, 102)).toThrow(/provisional/);
    expect(mint.confirmEpoch(1)).toMatchObject({ epoch: { state: 'final' }, paid: 1 });
    expect(mint.quote(held)?.amount_paid).toBe(4n);
    // old-epoch quotes still mint, in their own unit
    const oldKeyset = (await keysets()).find((k) => k.unit === genesis.unit)!;
    expect((await mintOne(before, 2n, oldKeyset.id)).answer.status).toBe(200);
  });

  it('a reorg before finality dissolves the epoch: its quotes move back to the previous unit, paid', async () => {
    const previous = mint.unit;
    const provisional = mint.openEpoch(poolKey, 200, { provisional: true });
    const quotes = [await share(1n), await share(8n)];
    expect(quotes.map((q) => mint.quote(q)!.unit)).toEqual([provisional.unit, provisional.unit]);
    const result = mint.reorgEpoch();
    expect(result).toMatchObject({ restamped: 2, current: previous, dissolved: { unit: provisional.unit, state: 'dissolved' } });
    expect(quotes.map((q) => mint.quote(q))).toEqual([expect.objectContaining({ unit: previous, amount_paid: 1n }), expect.objectContaining({ unit: previous, amount_paid: 8n })]);
    expect(mint.unit).toBe(previous);
    // the dissolved epoch's keyset signs nothing
    const dissolved = (await keysets()).find((k) => k.unit === provisional.unit)!;
    expect(dissolved.active).toBe(false);
    expect(() => mint.reorgEpoch()).toThrow(/provisional/);
    // a second epoch at the same height gets the `_1` suffix (hashpool naming.rs)
    expect(mint.openEpoch(poolKey, 200).unit).toBe(`hash_${poolKey}_200_1`);
  });

  it('final_expiry: served with the keyset and covered by its id; refused with 12003 once passed', async () => {
    const finalExpiry = Math.floor(Date.now() / 1000) + 3 * 86_400;
    const epoch = mint.openEpoch(poolKey, 300, { finalExpiry });
    const keyset = (await keysets()).find((k) => k.unit === epoch.unit)!;
    expect(keyset.final_expiry).toBe(finalExpiry);
    const keys = (await call('GET', `/v1/keys/${keyset.id}`)).json.keysets[0].keys;
    expect(keyset.id).toBe(keysetIdV2(keys, { unit: epoch.unit, finalExpiry }));
    const quoteId = await share(2n);
    const { proof } = await mintOne(quoteId, 2n, keyset.id);
    mint.setHooks({ clockOffsetSeconds: 4 * 86_400 });
    const outputs = [{ amount: 2n, id: keyset.id, B_: blindedMessageHex(bytesToHex(randomBytes(32)), secp256k1.utils.randomSecretKey()) }];
    expect((await call('POST', '/v1/swap', { inputs: [proof], outputs })).json.code).toBe(ErrorCode.KEYSET_EXPIRED);
    expect((await mintOne(await share(1n), 1n, keyset.id)).answer.json.code).toBe(ErrorCode.KEYSET_EXPIRED);
  });

  it('keyset rotation within a unit: the old keyset turns inactive (12002 for new outputs) and its proofs swap into the new one', async () => {
    const unit = mint.openEpoch(poolKey, 400).unit;
    const oldId = (await keysets()).find((k) => k.unit === unit && k.active)!.id;
    const { proof } = await mintOne(await share(4n), 4n, oldId);
    const newId = mint.rotateKeyset(unit);
    expect((await keysets()).filter((k) => k.unit === unit).map((k) => [k.id, k.active])).toEqual([
      [oldId, false],
      [newId, true],
    ]);
    expect((await mintOne(await share(1n), 1n, oldId)).answer.json.code).toBe(ErrorCode.KEYSET_INACTIVE);
    const outputs = [{ amount: 4n, id: newId, B_: blindedMessageHex(bytesToHex(randomBytes(32)), secp256k1.utils.randomSecretKey()) }];
    expect((await call('POST', '/v1/swap', { inputs: [proof], outputs })).status).toBe(200);
  });
});

describe('quote lookup routes', () => {
  const info = async () => (await call('GET', '/v1/info')).json as { pubkey: string; time: number };

  it('#341 route: a signed timestamp within +-300 s of the mint clock, cursor paging that skips nothing', async () => {
    const key = secp256k1.utils.randomSecretKey();
    const pub = bytesToHex(secp256k1.getPublicKey(key, true));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await mint.createShareQuote({ amount: 1n, headerHash: bytesToHex(randomBytes(32)), pubkey: pub })).quoteId);
    mint.setHooks({ lookupPageSize: 2, clockOffsetSeconds: 1000 });
    const { pubkey: mintPub, time } = await info();
    const ask = (timestamp: number, cursor?: string) =>
      call('POST', '/v1/mint/quote/ehash/pubkey', { pubkeys: [pub], pubkey_signatures: [signQuoteLookup(mintPub, pub, key, timestamp)], timestamp, ...(cursor ? { cursor } : {}) });
    expect((await ask(time - 301)).json.code).toBe(ErrorCode.BAD_REQUEST);
    // a signature over another timestamp is refused
    const wrong = await call('POST', '/v1/mint/quote/ehash/pubkey', { pubkeys: [pub], pubkey_signatures: [signQuoteLookup(mintPub, pub, key, time)], timestamp: time + 1 });
    expect(wrong.json.code).toBe(ErrorCode.QUOTE_SIGNATURE_INVALID);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ask(time + 200, cursor);
      expect(page.status).toBe(200);
      seen.push(...page.json.quotes.map((q: { quote: string }) => q.quote));
      cursor = page.json.next_cursor ?? undefined;
      // a quote minted between pages shifts nothing
      if (pages === 0) await mintOne(ids[0]!, 1n, (await keysets()).find((k) => k.unit === mint.unit && k.active)!.id).catch(() => undefined);
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('routes switched off answer like mints without them: 404 for /v1/mint/quote/pubkey, 405 for the method route', async () => {
    mint.setHooks({ lookupRoutes: [] });
    expect((await call('POST', '/v1/mint/quote/pubkey', { pubkeys: [lockPub], pubkey_signatures: ['00'] })).status).toBe(404);
    expect((await call('POST', '/v1/mint/quote/ehash/pubkey', { pubkeys: [lockPub], pubkey_signatures: ['00'], timestamp: 1 })).status).toBe(405);
    mint.setHooks({ lookupRoutes: ['pubkey'] });
    const { pubkey: mintPub } = await info();
    const legacy = await call('POST', '/v1/mint/quote/pubkey', { pubkeys: [lockPub], pubkey_signatures: [signQuoteLookup(mintPub, lockPub, lockKey)], only_mintable: true });
    expect(legacy.status).toBe(200);
    expect(Array.isArray(legacy.json.quotes)).toBe(true);
  });
});

describe('limits and faults', () => {
  it('advertises and enforces its NUT-29 batch limit; without advertising it still answers 11017', async () => {
    mint.setHooks({ maxBatchSize: 3 });
    expect((await call('GET', '/v1/info')).json.nuts['29'].max_batch_size).toBe(3);
    const ids = [await share(), await share(), await share(), await share()];
    expect((await call('POST', '/v1/mint/quote/ehash/check', { quotes: ids })).json.code).toBe(ErrorCode.MAX_BATCH_SIZE_EXCEEDED);
    expect((await call('POST', '/v1/mint/quote/ehash/check', { quotes: ids.slice(0, 3) })).status).toBe(200);
    mint.setHooks({ advertiseBatchSize: false });
    expect((await call('GET', '/v1/info')).json.nuts['29'].max_batch_size).toBeUndefined();
    expect((await call('POST', '/v1/mint/quote/ehash/check', { quotes: ids })).json.code).toBe(ErrorCode.MAX_BATCH_SIZE_EXCEEDED);
    // an unknown id refuses the whole check (NUT-29), with CDK's code for an unknown quote
    expect((await call('POST', '/v1/mint/quote/ehash/check', { quotes: [ids[0], 'no-such-quote'] })).json.code).toBe(ErrorCode.UNKNOWN_QUOTE);
  });

  it('a 503 on every Nth request, and scripted refusals', async () => {
    mint.setHooks({ failEvery: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call('GET', '/v1/info')).status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    mint.setHooks({ failEvery: undefined, refuse: [{ path: '/v1/keysets', code: 12001, times: 1 }] });
    expect((await call('GET', '/v1/keysets')).json.code).toBe(12001);
    expect((await call('GET', '/v1/keysets')).status).toBe(200);
  });
});

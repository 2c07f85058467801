import { bytesToHex } from '@noble/hashes/utils.js';
import * as nip44 from 'nostr-tools/nip44';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures';
import {
  buildHistoryEvent,
  buildMintListEvent,
  buildQuoteDeletion,
  buildQuoteEvent,
  buildTokenDeletion,
  buildTokenEvent,
  buildWalletEvent,
  deletedEventIds,
  KIND_DELETION,
  KIND_HISTORY,
  KIND_MINT_LIST,
  KIND_QUOTE,
  KIND_TOKEN,
  KIND_WALLET,
  Nip60Error,
  parseHistoryContent,
  parseMintListContent,
  parseQuoteEvent,
  parseTokenContent,
  parseWalletContent,
  type Proof,
  selfCipher,
} from './nip60';

const secretKey = generateSecretKey();
const publicKey = getPublicKey(secretKey);
const cipher = selfCipher(secretKey, publicKey);
/** What any other NIP-60 client does: nip44 with the conversation key of its own key pair. */
const otherClientDecrypt = (payload: string) => nip44.decrypt(payload, nip44.getConversationKey(secretKey, publicKey));

const proof = (amount: bigint, n = 1): Proof => ({
  id: '00ad268c4d1f5826',
  amount,
  secret: `${'ab'.repeat(31)}${n.toString(16).padStart(2, '0')}`,
  C: `02${'cd'.repeat(32)}`,
});
const id = (n: number) => n.toString(16).padStart(64, '0');

describe('NIP-60 events', () => {
  it('the spec text still names the kinds and fields used here', () => {
    const spec = readFixture('nostr', '60.md');
    for (const needle of ['kind:17375', 'kind:7375', 'kind:7376', '"del"', '["k", "7375"]', '"privkey"', '"created"', '"destroyed"']) {
      expect(spec).toContain(needle);
    }
  });

  it('wallet event: replaceable 17375, no public tags, content = encrypted [privkey, mint...] tags', () => {
    const event = buildWalletEvent({ privkey: id(9), mints: ['http://127.0.0.1:3338', 'https://mint.example'] }, cipher, 1000);
    expect(event.kind).toBe(KIND_WALLET);
    expect(event.tags).toEqual([]);
    expect(JSON.parse(otherClientDecrypt(event.content))).toEqual([
      ['privkey', id(9)],
      ['mint', 'http://127.0.0.1:3338'],
      ['mint', 'https://mint.example'],
    ]);
    expect(parseWalletContent(cipher.decrypt(event.content))).toEqual({ privkey: id(9), mints: ['http://127.0.0.1:3338', 'https://mint.example'] });
    expect(() => buildWalletEvent({ privkey: id(9), mints: [] }, cipher, 1)).toThrow(Nip60Error);
  });

  it('token event: 7375, content exactly {mint, unit, proofs, del} with proofs in the default cashu shape', () => {
    const event = buildTokenEvent({ mint: 'http://127.0.0.1:3338', unit: 'hash', proofs: [proof(1n), proof(8n, 2)], del: [id(1)] }, cipher, 1000);
    expect(event.kind).toBe(KIND_TOKEN);
    expect(event.tags).toEqual([]);
    const body = JSON.parse(otherClientDecrypt(event.content)) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['del', 'mint', 'proofs', 'unit']);
    expect(body.proofs).toEqual([
      { id: '00ad268c4d1f5826', amount: 1, secret: proof(1n).secret, C: proof(1n).C },
      { id: '00ad268c4d1f5826', amount: 8, secret: proof(8n, 2).secret, C: proof(8n, 2).C },
    ]);
    expect(parseTokenContent(cipher.decrypt(event.content))).toEqual({
      mint: 'http://127.0.0.1:3338',
      unit: 'hash',
      proofs: [proof(1n), proof(8n, 2)],
      del: [id(1)],
    });
    // a fresh token event carries no del at all
    const fresh = JSON.parse(otherClientDecrypt(buildTokenEvent({ mint: 'https://m', unit: 'sat', proofs: [proof(2n)], del: [] }, cipher, 1).content));
    expect(Object.keys(fresh)).not.toContain('del');
  });

  it('keeps ehash amounts beyond 2^53 exact, as JSON integers', () => {
    const big = 2n ** 63n;
    const event = buildTokenEvent({ mint: 'https://m', unit: 'hash', proofs: [proof(big), proof(2n ** 53n + 1n, 2)], del: [] }, cipher, 1);
    const plaintext = otherClientDecrypt(event.content);
    expect(plaintext).toContain('"amount":9223372036854775808');
    expect(parseTokenContent(plaintext).proofs.map((p) => p.amount)).toEqual([big, 2n ** 53n + 1n]);
  });

  it('reads unit "sat" when a token event omits it (spec default) and rejects malformed tokens', () => {
    expect(parseTokenContent(JSON.stringify({ mint: 'https://m', proofs: [{ ...proof(1n), amount: 1 }] })).unit).toBe('sat');
    expect(() => parseTokenContent('not json')).toThrow(Nip60Error);
    expect(() => parseTokenContent(JSON.stringify({ mint: 'https://m' }))).toThrow(/proofs/);
    expect(() => parseTokenContent(JSON.stringify({ mint: 'ftp://m', proofs: [] }))).toThrow(/mint/);
    expect(() => parseTokenContent(JSON.stringify({ mint: 'https://m', proofs: [{ ...proof(1n), amount: -1 }] }))).toThrow(/amount/);
    expect(() => parseTokenContent(JSON.stringify({ mint: 'https://m', proofs: [{ ...proof(1n), amount: 1, C: 'zz' }] }))).toThrow(/C/);
  });

  it('history event: 7376 with direction, amount as string, unit and created/destroyed e tags, all encrypted', () => {
    const event = buildHistoryEvent({ direction: 'out', amount: 4n, unit: 'hash', created: [id(2)], destroyed: [id(1)] }, cipher, 5);
    expect(event.kind).toBe(KIND_HISTORY);
    expect(event.tags).toEqual([]);
    expect(JSON.parse(otherClientDecrypt(event.content))).toEqual([
      ['direction', 'out'],
      ['amount', '4'],
      ['unit', 'hash'],
      ['e', id(1), '', 'destroyed'],
      ['e', id(2), '', 'created'],
    ]);
    expect(parseHistoryContent(cipher.decrypt(event.content))).toEqual({ direction: 'out', amount: 4n, unit: 'hash', created: [id(2)], destroyed: [id(1)] });
    expect(() => parseHistoryContent('[["amount","1"]]')).toThrow(Nip60Error);
  });

  it('deletion: kind 5 with e tags and the k tag NIP-60 requires', () => {
    const event = buildTokenDeletion([id(1), id(2)], 7);
    expect(event).toEqual({
      kind: KIND_DELETION,
      tags: [
        ['e', id(1)],
        ['e', id(2)],
        ['k', '7375'],
      ],
      content: '',
      created_at: 7,
    });
    expect(deletedEventIds(event)).toEqual([id(1), id(2)]);
    expect(deletedEventIds({ ...event, kind: KIND_TOKEN })).toEqual([]);
    expect(() => buildTokenDeletion(['nothex'], 1)).toThrow(Nip60Error);
  });

  it('NUT-27 mint list: kind 30078, d = mint-list, content = encrypted {mints, timestamp}', () => {
    const event = buildMintListEvent({ mints: ['https://a', 'https://b'], timestamp: 99 }, cipher, 99);
    expect(event.kind).toBe(KIND_MINT_LIST);
    expect(event.tags).toContainEqual(['d', 'mint-list']);
    expect(JSON.parse(otherClientDecrypt(event.content))).toEqual({ mints: ['https://a', 'https://b'], timestamp: 99 });
    expect(parseMintListContent(cipher.decrypt(event.content))).toEqual({ mints: ['https://a', 'https://b'], timestamp: 99 });
    expect(() => parseMintListContent('{"timestamp":1}')).toThrow(Nip60Error);
  });

  it('content is really encrypted: no proof secret or key in the clear', () => {
    const event = buildTokenEvent({ mint: 'https://m', unit: 'sat', proofs: [proof(1n)], del: [] }, cipher, 1);
    expect(event.content).not.toContain(proof(1n).secret);
    expect(bytesToHex(secretKey)).not.toBe(publicKey);
  });

  it("units of hashpool's epochs (hash_<66 hex>_<height>: 78+ characters) read back, up to 256; a longer one is refused", () => {
    const epoch = `hash_02${'ab'.repeat(32)}_905123`;
    expect(epoch.length).toBe(78);
    for (const unit of [epoch, `${epoch}_1`, 'u'.repeat(128), 'u'.repeat(256)]) {
      const token = buildTokenEvent({ mint: 'http://127.0.0.1:3338', unit, proofs: [proof(4n)], del: [] }, cipher, 10);
      expect(parseTokenContent(cipher.decrypt(token.content)).unit).toBe(unit);
      const history = buildHistoryEvent({ direction: 'in', amount: 4n, unit, created: [id(1)], destroyed: [] }, cipher, 10);
      expect(parseHistoryContent(cipher.decrypt(history.content)).unit).toBe(unit);
    }
    const tooLong = buildTokenEvent({ mint: 'http://127.0.0.1:3338', unit: 'u'.repeat(257), proofs: [proof(4n)], del: [] }, cipher, 10);
    expect(() => parseTokenContent(cipher.decrypt(tooLong.content))).toThrow(Nip60Error);
  });

  it('quote event 7374: quote id encrypted to self, NIP-40 expiration and mint in clear tags; deleted with k 7374', () => {
    const spec = readFixture('nostr', '60.md');
    for (const needle of ['"kind": 7374', '"expiration"', 'nip44_encrypt("quote-id")', '2 weeks']) expect(spec).toContain(needle);
    const event = buildQuoteEvent({ quoteId: 'b9f1e2c0-quote', mint: 'http://127.0.0.1:3338', expiration: 1000 + 14 * 86_400 }, cipher, 1000);
    expect(event.kind).toBe(KIND_QUOTE);
    expect(event.tags).toEqual([
      ['expiration', String(1000 + 14 * 86_400)],
      ['mint', 'http://127.0.0.1:3338'],
    ]);
    expect(otherClientDecrypt(event.content)).toBe('b9f1e2c0-quote');
    expect(parseQuoteEvent(event, cipher.decrypt(event.content))).toEqual({ quoteId: 'b9f1e2c0-quote', mint: 'http://127.0.0.1:3338', expiration: 1000 + 14 * 86_400 });
    expect(() => buildQuoteEvent({ quoteId: 'q', mint: 'http://127.0.0.1:3338', expiration: 1000 }, cipher, 1000)).toThrow(Nip60Error);
    const deletion = buildQuoteDeletion([id(7)], 2000);
    expect(deletion).toMatchObject({
      kind: KIND_DELETION,
      tags: [
        ['e', id(7)],
        ['k', String(KIND_QUOTE)],
      ],
    });
    expect(deletedEventIds(deletion)).toEqual([id(7)]);
  });
});

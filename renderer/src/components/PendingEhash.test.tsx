/** The "not minted yet" part of the Wallet page, rendered from API-shaped data. */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PendingEhashView, shortUnit } from './PendingEhash';

const epoch = `hash_02${'ab'.repeat(32)}_905123`;
const mint = 'http://127.0.0.1:3338';
const quote = (id: string, state: 'unpaid' | 'paid' | 'dropped', reason: string | null) => ({
  id,
  mint,
  unit: epoch,
  amount: 4,
  headerHash: null,
  minerId: null,
  state,
  source: 'event',
  seenAt: 0,
  issuedAt: null,
  reason,
});

describe('PendingEhashView', () => {
  it('shows immature ehash with its amount, each waiting quote as "pending: <reason>", dropped ones, expiry and a silent mint', () => {
    const html = renderToStaticMarkup(
      <PendingEhashView
        data={{
          quotes: [
            quote('q1', 'unpaid', 'immature: the mint holds it unpaid until the block that opened its epoch is confirmed'),
            quote('q2', 'paid', 'the mint refused to mint it: quote is pending (20005)'),
            quote('q3', 'dropped', 'expired: the mint no longer mints it although it was paid (20007)'),
          ],
          immature: [{ mint, unit: epoch, amount: 12, quotes: 3, expectedWork: 12 }],
          expiring: [{ mint, unit: epoch, keysetId: '01ab', amount: 8, finalExpiry: 1_900_000_000 }],
          mints: [{ url: mint, failures: 2, retryAt: 1, lastError: 'mint answered 503', lookup: 'none' }],
        }}
      />,
    );
    expect(html).toContain('Immature ehash');
    expect(html).toContain('pending: immature: the mint holds it unpaid');
    expect(html).toContain('pending: the mint refused to mint it: quote is pending (20005)');
    expect(html).toContain('dropped: expired: the mint no longer mints it');
    expect(html).toContain('expires on 2030-03-17');
    expect(html).toContain('is not answering (mint answered 503)');
    expect(html).toContain('cannot list quotes by key');
    expect(html).toContain(shortUnit(epoch));
  });

  it('renders nothing when everything is minted', () => {
    expect(renderToStaticMarkup(<PendingEhashView data={{ quotes: [], immature: [], expiring: [], mints: [{ url: mint, failures: 0, lookup: 'pubkey' }] }} />)).toBe('');
  });

  it('shortens epoch units to their start and height', () => {
    expect(shortUnit(epoch)).toBe('hash_02ababab…_905123');
    expect(shortUnit(`${epoch}_1`)).toBe('hash_02ababab…_905123_1');
    expect(shortUnit('hash')).toBe('hash');
  });
});

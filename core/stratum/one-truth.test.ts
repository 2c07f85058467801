/**
 * One truth per share, with hashpool's batching (a SubmitShares.Success per 10 shares, nothing for a
 * partial batch): a lone share sent just before its miner leaves is never acknowledged, but the pool quotes
 * it. The quote the wallet mints for its header hash settles it, whether the ledger still waited for it or
 * had given it up as lost; a miner still waiting hears the same verdict.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../../devnet/index';
import { until } from '../../test/until';
import type { Proxy, QuoteEvent, ShareEvent } from './proxy';
import { minerFor } from '../../device/sim/miner';
import { testProxy } from './testing/test-proxy';

let devnet: Devnet;
let proxy: Proxy;
let port: number;
let dir: string;
const quotes: QuoteEvent[] = [];
const shares: ShareEvent[] = [];

beforeAll(async () => {
  devnet = await startDevnet({ pool: { quotePollMs: 50, successFlushMs: 0, shareBatchSize: 10 } });
  dir = mkdtempSync(join(tmpdir(), 'axw-truth-'));
  const { pool } = devnet;
  proxy = testProxy([`stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}`], join(dir, 'ledger.sqlite'), {
    verdictTimeoutMs: 5000,
    verdictGraceMs: 300,
    lockingPubkey: () => `02${'ab'.repeat(32)}`,
    nominalHashrate: 1000,
  });
  proxy.on('quote', (q) => quotes.push(q));
  proxy.on('share', (s) => shares.push(s));
  port = (await proxy.start()).port;
});

afterAll(async () => {
  await proxy.stop();
  await devnet.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the wallet does with a quote: ask the mint, whose quote names the header hash as its request. */
async function headerHashOf(quoteId: string): Promise<string> {
  const quote = (await (await fetch(`${devnet.mint.url}/v1/mint/quote/ehash/${quoteId}`)).json()) as { request: string };
  return quote.request;
}

describe('a share judged after its miner left', () => {
  it('a lone share given up as lost is settled by the quote for its header hash', async () => {
    const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qlone.bitaxe' });
    await miner.connect();
    const pending = miner.submitShare();
    // the pool quotes it at once; the miner leaves before any Success (there never is one for a partial batch)
    const quote = await until(() => quotes.find((q) => q.worker === 'bc1qlone.bitaxe'), 'the quote');
    miner.close();
    const headerHash = await headerHashOf(quote.quoteId);
    await until(() => proxy.ledger.shareByHeaderHash(headerHash)?.reason === 'upstream-lost', 'the share given up as lost');
    await pending.catch(() => undefined);

    const settled = proxy.settleByQuote(headerHash);
    expect(settled).toMatchObject({ verdict: 'accepted', reason: null, worker: 'bc1qlone.bitaxe' });
    expect(proxy.ledger.shareByHeaderHash(headerHash)?.verdict).toBe('accepted');
    expect(proxy.snapshot().shares).toMatchObject({ accepted: 1, rejected: 0, awaiting: 0 });
    expect(shares.filter((s) => s.headerHash === headerHash).at(-1)).toMatchObject({ verdict: 'accepted' });
    // a second quote event for the same hash changes nothing
    proxy.settleByQuote(headerHash);
    expect(proxy.snapshot().shares).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it('a share still waiting for its batch is settled by its quote, and its miner hears it at once', async () => {
    const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qwait.bitaxe' });
    await miner.connect();
    const answer = miner.submitShare();
    const quote = await until(() => quotes.find((q) => q.worker === 'bc1qwait.bitaxe'), 'the quote');
    const headerHash = await headerHashOf(quote.quoteId);
    expect(proxy.ledger.shareByHeaderHash(headerHash)?.verdict).toBe('awaiting');
    proxy.settleByQuote(headerHash);
    // well before the 5 s verdict timeout
    expect(await answer).toMatchObject({ accepted: true, headerHash });
    expect(proxy.ledger.shareByHeaderHash(headerHash)?.verdict).toBe('accepted');
    expect(proxy.snapshot().miners.find((m) => m.worker === 'bc1qwait.bitaxe')).toMatchObject({ accepted: 1, awaiting: 0 });
    // when the miner leaves, the channel's grace ends without a Success: the share stays accepted
    miner.close();
    await new Promise((r) => setTimeout(r, 600));
    expect(proxy.ledger.shareByHeaderHash(headerHash)?.verdict).toBe('accepted');
    expect(proxy.snapshot().shares).toMatchObject({ accepted: 2, rejected: 0, awaiting: 0 });
  });
});

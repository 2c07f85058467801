/**
 * The Sv2 upstream against a scripted pool connection: the exact messages the proxy sends, batched
 * successes, and a miner that leaves before its shares are judged (their verdicts must still count).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Sv2AnyMessage, Sv2Message } from '../../lib/protocol/sv2/messages';
import { createProxy, type Proxy, type QuoteEvent, type ShareEvent } from './proxy';
import type { Sv2Conn } from './sv2-upstream';
import { minerFor } from '../../device/sim/miner';
import { until } from '../../test/until';
import { testProxy } from './testing/test-proxy';
import { DEFAULT_SHARE_BATCH, Sv2Channel } from './sv2-channel';
import { ACCEPTED, LOST_VERDICT, type Verdict } from './upstream';

const AUTHORITY = '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A pool that answers setup and channel opening like hashpool and otherwise does what the test says. */
function scriptedPool() {
  const sent: Sv2Message[] = [];
  let nextChannel = 7;
  let deliver: (m: Sv2AnyMessage) => void = () => undefined;
  const conn: Sv2Conn = {
    send(message) {
      sent.push(message);
      if (message.type === 'SetupConnection') setImmediate(() => deliver({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 }));
      if (message.type === 'OpenExtendedMiningChannel') {
        // channels 7, 8, 9...; the last byte of the extranonce prefix tells them apart in coinb1
        const channelId = nextChannel++;
        setImmediate(() => {
          deliver({
            type: 'OpenExtendedMiningChannelSuccess',
            requestId: message.requestId,
            channelId,
            target: new Uint8Array(32).fill(0xff),
            extranonceSize: 8,
            extranoncePrefix: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, channelId - 6]),
            groupChannelId: 0,
          });
          deliver({
            type: 'NewExtendedMiningJob',
            channelId,
            jobId: 42,
            minNtime: undefined,
            version: 0x20000000,
            versionRollingAllowed: true,
            merklePath: [new Uint8Array(32).fill(3)],
            coinbaseTxPrefix: Uint8Array.from([1, 2, 3]),
            coinbaseTxSuffix: Uint8Array.from([4, 5, 6]),
          });
          deliver({ type: 'SetNewPrevHash', channelId, jobId: 42, prevHash: new Uint8Array(32).fill(9), minNtime: 1_700_000_000, nbits: 0x207fffff });
        });
      }
    },
    on(event: 'message' | 'close', listener: never) {
      if (event === 'message') deliver = listener;
      return this;
    },
    close: () => undefined,
  };
  return { conn, sent, deliver: (m: Sv2AnyMessage) => deliver(m) };
}

async function setup(extra: Partial<Parameters<typeof createProxy>[0]> = {}): Promise<{ proxy: Proxy; port: number; pool: ReturnType<typeof scriptedPool> }> {
  const pool = scriptedPool();
  const dir = mkdtempSync(join(tmpdir(), 'axw-sv2ch-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const proxy = testProxy([`stratum2+tcp://127.0.0.1:1/${AUTHORITY}`], join(dir, 'ledger.sqlite'), {
    verdictTimeoutMs: 100,
    lockingPubkey: () => `03${'cd'.repeat(32)}`,
    sv2Connector: async () => pool.conn,
    ...extra,
  });
  cleanups.push(() => proxy.stop());
  const { port } = await proxy.start();
  return { proxy, port, pool };
}

describe('Sv2 upstream channel', () => {
  it('opens a channel with the locking key and maps the future job + prevhash to a clean notify', async () => {
    const { port, pool } = await setup();
    const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qz.rig' });
    cleanups.push(() => miner.close());
    await miner.connect();
    const open = pool.sent.find((m) => m.type === 'OpenExtendedMiningChannel');
    expect(open).toMatchObject({ userIdentity: `bc1qz.rig.03${'cd'.repeat(32)}`, minExtranonceSize: 8 });
    expect(pool.sent[0]).toMatchObject({ type: 'SetupConnection', protocol: 0, minVersion: 2, maxVersion: 2, flags: 4 });
    const job = miner.job!;
    // coinb1 = prefix || pool extranonce prefix; the miner adds its extranonce1 (4) + extranonce2 (4) = 8 bytes
    expect(job.coinbase1).toBe('010203' + '0001000000000001');
    expect(job.coinbase2).toBe('040506');
    expect(job.prevHash).toBe('09'.repeat(32));
    expect(job.ntime).toBe((1_700_000_000).toString(16));
    expect(job.nbits).toBe('207fffff');
    expect(job.cleanJobs).toBe(true);
    expect(miner.extranonce2Size).toBe(4);
  });

  it('sends SubmitSharesExtended with the full extranonce and settles a batch from one Success', async () => {
    const { proxy, port, pool } = await setup();
    const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qz.rig' });
    cleanups.push(() => miner.close());
    await miner.connect();
    const a = await miner.submitShare();
    const b = await miner.submitShare();
    // no verdict yet: answered from the local check, the ledger waits
    expect(a.accepted && b.accepted).toBe(true);
    expect(proxy.snapshot().shares.awaiting).toBe(2);
    const submits = pool.sent.filter((m): m is Extract<Sv2Message, { type: 'SubmitSharesExtended' }> => m.type === 'SubmitSharesExtended');
    expect(submits.map((s) => s.sequenceNumber)).toEqual([0, 1]);
    expect(submits[0]!.jobId).toBe(42);
    expect(Buffer.from(submits[0]!.extranonce).toString('hex')).toBe(miner.extranonce1 + '01000000');
    expect(submits[0]!.version).toBe(0x20002000);
    pool.deliver({ type: 'SubmitSharesError', channelId: 7, sequenceNumber: 1, errorCode: 'stale-share' });
    pool.deliver({ type: 'SubmitSharesSuccess', channelId: 7, lastSequenceNumber: 1, newSubmitsAcceptedCount: 1, newSharesSum: 1n });
    await until(() => proxy.snapshot().shares.awaiting === 0);
    expect(proxy.snapshot().shares).toEqual({ accepted: 1, rejected: 1, awaiting: 0, rejectReasons: { 'stale-share': 1 } });
    expect(proxy.ledger.shareByHeaderHash(a.headerHash)?.verdict).toBe('accepted');
  });

  it('answers the miner with the Stratum V1 code of the pool’s exact error code, never of words found in it', async () => {
    const { port, pool } = await setup({ verdictTimeoutMs: 10_000 });
    const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qz.codes' });
    cleanups.push(() => miner.close());
    await miner.connect();
    const answers = [miner.submitShare(), miner.submitShare(), miner.submitShare()];
    await until(() => pool.sent.filter((m) => m.type === 'SubmitSharesExtended').length === 3);
    pool.deliver({ type: 'SubmitSharesError', channelId: 7, sequenceNumber: 0, errorCode: 'stale-share' });
    pool.deliver({ type: 'SubmitSharesError', channelId: 7, sequenceNumber: 1, errorCode: 'duplicate-share' });
    // the words "job" and "low" in an unknown code mean nothing: a generic refusal (20), not 21 or 23
    pool.deliver({ type: 'SubmitSharesError', channelId: 7, sequenceNumber: 2, errorCode: 'job-slot-too-low' });
    const results = await Promise.all(answers);
    expect(results.map((r) => (r.accepted ? 'accepted' : r.reason))).toEqual(['stale-share', 'duplicate-share', 'job-slot-too-low']);
    const codes = miner.received.flatMap((m) => (m.kind === 'response' && Array.isArray(m.error) ? [m.error[0]] : []));
    expect(codes).toEqual([21, 22, 20]);
  });

  it.each([
    ['too-many-channels', 2],
    // a refusal whose text merely contains the words is no channel cap: that miner is refused, no second connection
    ['not-too-many-channels-but-banned', 1],
  ] as const)('opens a second pool connection only for the exact error code %s (connections: %i)', async (errorCode, connections) => {
    let connects = 0;
    const connector = async (): Promise<Sv2Conn> => {
      connects++;
      const pool = scriptedPool();
      let opened = 0;
      const send = pool.conn.send.bind(pool.conn);
      pool.conn.send = (message) => {
        if (message.type === 'OpenExtendedMiningChannel' && ++opened > 1) {
          setImmediate(() => pool.deliver({ type: 'OpenMiningChannelError', requestId: message.requestId, errorCode }));
          return;
        }
        send(message);
      };
      return pool.conn;
    };
    const { proxy, port } = await setup({ sv2Connector: connector, attachTimeoutMs: 2000 });
    const first = minerFor({ host: '127.0.0.1', port, user: 'bc1qz.one' });
    const second = minerFor({ host: '127.0.0.1', port, user: 'bc1qz.two' });
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );
    await first.connect();
    const secondWorks = await second.connect().then(
      () => true,
      () => false,
    );
    expect(connects).toBe(connections);
    expect(secondWorks).toBe(connections === 2);
    expect(proxy.snapshot().miners.filter((m) => m.upstream !== null)).toHaveLength(connections);
  });

  it('keeps a departed miner’s channel until its shares are judged, and still reports its quotes', async () => {
    const { proxy, port, pool } = await setup();
    const quotes: QuoteEvent[] = [];
    proxy.on('quote', (q) => quotes.push(q));
    const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qz.gone' });
    await miner.connect();
    const share = await miner.submitShare();
    miner.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.sent.some((m) => m.type === 'CloseChannel')).toBe(false);
    pool.deliver({ type: 'SubmitSharesSuccess', channelId: 7, lastSequenceNumber: 0, newSubmitsAcceptedCount: 1, newSharesSum: 1n });
    pool.deliver({ type: 'MintQuoteNotification', channelId: 7, quoteId: 'q-late', amount: 8n });
    await until(() => quotes.length === 1);
    expect(proxy.ledger.shareByHeaderHash(share.headerHash)?.verdict).toBe('accepted');
    expect(quotes).toMatchObject([{ quoteId: 'q-late', amount: 8n, worker: 'bc1qz.gone' }]);
    // the pool is told once the quotes had time to arrive, never before the verdicts
    expect(pool.sent.some((m) => m.type === 'CloseChannel')).toBe(false);
  });

  it('settles a share it had to give up as lost when a late Success arrives while the channel lingers', async () => {
    const { proxy, port, pool } = await setup({ verdictGraceMs: 200 });
    const shares: ShareEvent[] = [];
    proxy.on('share', (e) => shares.push(e));
    const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qz.late' });
    await miner.connect();
    const share = await miner.submitShare();
    expect(share.accepted).toBe(true); // answered from the local check after verdictTimeoutMs
    miner.close();
    await until(() => proxy.ledger.shareByHeaderHash(share.headerHash)?.reason === 'upstream-lost', 'the share given up as lost');
    expect(proxy.snapshot().shares).toMatchObject({ accepted: 0, rejected: 1 });
    pool.deliver({ type: 'SubmitSharesSuccess', channelId: 7, lastSequenceNumber: 0, newSubmitsAcceptedCount: 1, newSharesSum: 1n });
    await until(() => proxy.ledger.shareByHeaderHash(share.headerHash)?.verdict === 'accepted', 'the late verdict');
    expect(proxy.snapshot().shares).toEqual({ accepted: 1, rejected: 0, awaiting: 0, rejectReasons: {} });
    expect(shares.filter((e) => e.headerHash === share.headerHash).map((e) => [e.verdict, e.reason])).toEqual([
      ['awaiting', null],
      ['rejected', 'upstream-lost'],
      ['accepted', null],
    ]);
  });

  it('aggregates miners on one channel when asked, keeping their work apart by extranonce1', async () => {
    const { proxy, port, pool } = await setup({ aggregateChannels: true });
    const quotes: QuoteEvent[] = [];
    proxy.on('quote', (q) => quotes.push(q));
    const a = minerFor({ host: '127.0.0.1', port, user: 'bc1qa.one' });
    const b = minerFor({ host: '127.0.0.1', port, user: 'bc1qb.two' });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    await a.connect();
    await b.connect();
    const opens = pool.sent.filter((m) => m.type === 'OpenExtendedMiningChannel');
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({ userIdentity: `axewallet.03${'cd'.repeat(32)}`, minExtranonceSize: 8 });
    expect(a.extranonce1).not.toBe(b.extranonce1);
    await a.submitShare();
    await b.submitShare();
    const submits = pool.sent.filter((m): m is Extract<Sv2Message, { type: 'SubmitSharesExtended' }> => m.type === 'SubmitSharesExtended');
    expect(submits.map((x) => [x.channelId, x.sequenceNumber])).toEqual([
      [7, 0],
      [7, 1],
    ]);
    expect(Buffer.from(submits[0]!.extranonce).toString('hex').slice(0, 8)).toBe(a.extranonce1);
    expect(Buffer.from(submits[1]!.extranonce).toString('hex').slice(0, 8)).toBe(b.extranonce1);
    pool.deliver({ type: 'MintQuoteNotification', channelId: 7, quoteId: 'q-agg', amount: 2n });
    await until(() => quotes.length === 1);
    expect(quotes[0]).toMatchObject({ minerId: 'shared', quoteId: 'q-agg' });
    // one miner leaving keeps the shared channel for the other
    a.close();
    await new Promise((r) => setTimeout(r, 50));
    expect((await b.submitShare()).accepted).toBe(true);
  });

  it('follows SetTarget, SetExtranoncePrefix, a pool CloseChannel and Reconnect without dropping the miner', async () => {
    const { proxy, port, pool } = await setup();
    const miner = minerFor({ host: '127.0.0.1', port, user: 'bc1qt.w' });
    cleanups.push(() => miner.close());
    let disconnected = false;
    miner.on('disconnected', () => (disconnected = true));
    await miner.connect();
    const startDifficulty = miner.difficulty;
    // a harder target: set_difficulty and the current job again, at once
    const harder = new Uint8Array(32);
    harder[28] = 0xff; // difficulty ~0.004, far above the start
    pool.deliver({ type: 'SetTarget', channelId: 7, maximumTarget: harder });
    await miner.waitFor(() => miner.difficulty > startDifficulty, 2000, 'new difficulty');
    expect(proxy.snapshot().miners[0]!.difficulty).toBe(miner.difficulty);
    // a new prefix rides in coinb1 of the next job; the miner's extranonce1 stays
    const en1 = miner.extranonce1;
    pool.deliver({ type: 'SetExtranoncePrefix', channelId: 7, extranoncePrefix: Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]) });
    pool.deliver({
      type: 'NewExtendedMiningJob',
      channelId: 7,
      jobId: 43,
      minNtime: 1_700_000_100,
      version: 0x20000000,
      versionRollingAllowed: true,
      merklePath: [],
      coinbaseTxPrefix: Uint8Array.from([1]),
      coinbaseTxSuffix: Uint8Array.from([2]),
    });
    await miner.waitFor(() => miner.job!.coinbase1 === '01' + '09'.repeat(8), 2000, 'job with the new prefix');
    expect(miner.job!.cleanJobs).toBe(false);
    expect(miner.extranonce1).toBe(en1);
    // the pool closes the channel: the proxy opens a new one for the miner
    const opensBefore = pool.sent.filter((m) => m.type === 'OpenExtendedMiningChannel').length;
    pool.deliver({ type: 'CloseChannel', channelId: 7, reasonCode: 'maintenance' });
    await until(() => pool.sent.filter((m) => m.type === 'OpenExtendedMiningChannel').length === opensBefore + 1);
    await until(() => miner.job !== undefined && miner.job.coinbase1 === '010203' + '0001000000000002');
    // Reconnect: a new Noise session (same authority), channels reopened
    const setupsBefore = pool.sent.filter((m) => m.type === 'SetupConnection').length;
    pool.deliver({ type: 'Reconnect', newHost: '', newPort: 0 });
    await until(() => pool.sent.filter((m) => m.type === 'SetupConnection').length === setupsBefore + 1);
    await until(() => pool.sent.filter((m) => m.type === 'OpenExtendedMiningChannel').length === opensBefore + 2);
    // channel 9 is the one opened on the new session
    await until(() => miner.job !== undefined && miner.job.coinbase1 === '010203' + '0001000000000003');
    expect((await miner.submitShare()).accepted).toBe(true);
    expect(disconnected).toBe(false);
    expect(proxy.snapshot().upstream.state).toBe('up');
  });
});

describe('Sv2Channel verdicts', () => {
  function channel(send: (m: Sv2Message) => void) {
    return new Sv2Channel(0, { send, forget: () => undefined }, 7, 0, 8, new Uint8Array(4), new Uint8Array(32).fill(0xff), 1000);
  }
  function share(jobId: string, verdicts: Verdict[]) {
    return {
      jobId,
      extranonce: '00'.repeat(8),
      ntime: '65000000',
      nonce: '00000001',
      ntimeWord: 0x65000000,
      nonceWord: 1,
      versionBits: '00000000',
      version: 0x20000000,
      answer: { verdict: (v: Verdict) => verdicts.push(v), late: () => undefined },
    };
  }

  it('answers each share once: a batch Success settles every share up to it, a share that cannot be sent is lost at once', () => {
    const verdicts: Verdict[] = [];
    const sent: Sv2Message[] = [];
    const c = channel((m) => {
      if (m.type === 'SubmitSharesExtended' && m.jobId > 0xffffffff) throw new Error('U32 out of range');
      sent.push(m);
    });
    c.submit(share('42', verdicts));
    c.submit(share('42', verdicts));
    // a job id the wire cannot carry: never sent, so nothing would ever judge it
    c.submit(share(String(2 ** 33), verdicts));
    expect(verdicts).toEqual([LOST_VERDICT]);
    expect(sent.map((m) => m.type === 'SubmitSharesExtended' && m.sequenceNumber)).toEqual([0, 1]);
    c.handle({ type: 'SubmitSharesSuccess', channelId: 7, lastSequenceNumber: 1, newSubmitsAcceptedCount: 2, newSharesSum: 2n });
    expect(verdicts).toEqual([LOST_VERDICT, ACCEPTED, ACCEPTED]);
    expect(c.owedSince()).toBeUndefined();
  });

  it('owes an answer from the tenth share sent, counted in the order sent across the wrap at 2^32', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const c = channel(() => undefined);
      (c as unknown as { sequence: number }).sequence = 2 ** 32 - 8;
      for (let i = 0; i < DEFAULT_SHARE_BATCH; i++) {
        vi.setSystemTime(1_000_000 + i * 1000);
        c.submit(share('42', []));
      }
      // sequence numbers 2^32-8 to 1: the tenth sent is 1, sent at the last moment, not 2^32-1
      expect(c.owedSince()).toBe(1_000_000 + (DEFAULT_SHARE_BATCH - 1) * 1000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('settles shares across the wrap of sequence numbers at 2^32: a Success up to 1 covers 2^32-2 to 1, not 2', () => {
    const verdicts: Verdict[] = [];
    const sent: number[] = [];
    const c = channel((m) => m.type === 'SubmitSharesExtended' && sent.push(m.sequenceNumber));
    // a channel that has sent 2^32-2 shares (four billion: fifty days of a thousand a second)
    (c as unknown as { sequence: number }).sequence = 2 ** 32 - 2;
    for (let i = 0; i < 5; i++) c.submit(share('42', verdicts));
    expect(sent).toEqual([2 ** 32 - 2, 2 ** 32 - 1, 0, 1, 2]);
    c.handle({ type: 'SubmitSharesSuccess', channelId: 7, lastSequenceNumber: 1, newSubmitsAcceptedCount: 4, newSharesSum: 4n });
    expect(verdicts).toEqual([ACCEPTED, ACCEPTED, ACCEPTED, ACCEPTED]);
    c.handle({ type: 'SubmitSharesError', channelId: 7, sequenceNumber: 2, errorCode: 'invalid-job-id' });
    expect(verdicts.at(-1)).toMatchObject({ accepted: false, reason: 'invalid-job-id' });
    expect(c.owedSince()).toBeUndefined();
  });

  it('settles as lost a share left unanswered for 2^31 shares, so that it cannot hold back the later ones', () => {
    const first: Verdict[] = [];
    const later: Verdict[] = [];
    const c = channel(() => undefined);
    c.submit(share('42', first));
    c.submit(share('42', later));
    // the pool answers the second share with an error and never answers the first; two billion shares are sent since
    c.handle({ type: 'SubmitSharesError', channelId: 7, sequenceNumber: 1, errorCode: 'stale-share' });
    (c as unknown as { sequence: number }).sequence = 2 ** 31 + 1;
    c.submit(share('42', later));
    expect(first).toEqual([LOST_VERDICT]);
    c.handle({ type: 'SubmitSharesSuccess', channelId: 7, lastSequenceNumber: 2 ** 31 + 1, newSubmitsAcceptedCount: 1, newSharesSum: 1n });
    expect(later).toEqual([{ accepted: false, reason: 'stale-share', kind: expect.any(String) }, ACCEPTED]);
    expect(c.owedSince()).toBeUndefined();
  });
});

import { connect } from 'node:net';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesToHex, hashMeetsTarget, leBytesToBigInt, merkleRoot, serializeHeader, sha256d } from '../../lib/protocol/bitcoin/work';
import { ehashAmount } from '../../lib/protocol/ehash/amount';
import type { Sv2AnyMessage, Sv2MessageOf, Sv2MessageType } from '../../lib/protocol/sv2/messages';
import { connectSv2, type Sv2Connection } from '../../lib/transport/sv2';
import { startDevnet, type Devnet } from '../index';
import { searchNonce } from './cpu-miner';

const ALL_FF = new Uint8Array(32).fill(0xff);

/** A hand-driven Sv2 mining client on the library's transport. */
class TestClient {
  readonly received: Sv2AnyMessage[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  private sequence = 0;

  constructor(readonly connection: Sv2Connection) {
    connection.on('message', (m) => {
      this.received.push(m);
      this.wake();
    });
    connection.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(devnet: Devnet): Promise<TestClient> {
    const { host, port } = devnet.pool.sv2;
    return new TestClient(await connectSv2({ host, port, authorityPubkey: devnet.pool.authorityPubkey }));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(message: Sv2AnyMessage): void {
    this.connection.send(message);
  }

  count<K extends Sv2MessageType>(type: K): number {
    return this.received.filter((m) => m.type === type).length;
  }

  /** Waits for the `nth` (1-based) message of a type. */
  async nth<K extends Sv2MessageType>(type: K, nth = 1): Promise<Sv2MessageOf<K>> {
    for (;;) {
      const all = this.received.filter((m): m is Sv2MessageOf<K> => m.type === type);
      if (all.length >= nth) return all[nth - 1]!;
      if (this.closed) throw new Error(`closed while waiting for ${type}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async setup(): Promise<void> {
    this.send({
      type: 'SetupConnection',
      protocol: 0,
      minVersion: 2,
      maxVersion: 2,
      flags: 0b100,
      endpointHost: '127.0.0.1',
      endpointPort: 0,
      vendor: 'axewallet-test',
      hardwareVersion: 'cpu',
      firmware: '',
      deviceId: '',
    });
    await this.nth('SetupConnectionSuccess');
  }

  async openChannel(userIdentity: string, requestId = 1): Promise<Channel> {
    const jobsBefore = this.count('NewExtendedMiningJob');
    const prevHashesBefore = this.count('SetNewPrevHash');
    this.send({ type: 'OpenExtendedMiningChannel', requestId, userIdentity, nominalHashRate: 1, maxTarget: ALL_FF, minExtranonceSize: 8 });
    for (let n = 1; ; n++) {
      const success = await this.nth('OpenExtendedMiningChannelSuccess', n);
      if (success.requestId !== requestId) continue;
      const job = await this.nth('NewExtendedMiningJob', jobsBefore + 1);
      const prevHash = await this.nth('SetNewPrevHash', prevHashesBefore + 1);
      return new Channel(this, success, job, prevHash);
    }
  }

  nextSequence(): number {
    return ++this.sequence;
  }
}

class Channel {
  extranonceCounter = 0n;

  constructor(
    readonly client: TestClient,
    readonly success: Sv2MessageOf<'OpenExtendedMiningChannelSuccess'>,
    public job: Sv2MessageOf<'NewExtendedMiningJob'>,
    public prevHash: Sv2MessageOf<'SetNewPrevHash'>,
  ) {
    expect(job.minNtime).toBeUndefined(); // a future job, activated by SetNewPrevHash
    expect(prevHash.jobId).toBe(job.jobId);
  }

  get id(): number {
    return this.success.channelId;
  }

  get target(): bigint {
    return leBytesToBigInt(this.success.target);
  }

  /** Builds the header exactly as the spec says: coinbase = prefix || extranonce_prefix || extranonce || suffix. */
  header(extranonce: Uint8Array, version = this.job.version): Uint8Array {
    const coinbase = new Uint8Array([...this.job.coinbaseTxPrefix, ...this.success.extranoncePrefix, ...extranonce, ...this.job.coinbaseTxSuffix]);
    return serializeHeader({
      version,
      prevHash: this.prevHash.prevHash,
      merkleRoot: merkleRoot(sha256d(coinbase), this.job.merklePath),
      ntime: this.prevHash.minNtime,
      nbits: this.prevHash.nbits,
      nonce: 0,
    });
  }

  freshExtranonce(): Uint8Array {
    const out = new Uint8Array(this.success.extranonceSize);
    new DataView(out.buffer).setBigUint64(0, ++this.extranonceCounter, true);
    return out;
  }

  /** Mines a share meeting (or, with `meets` false, missing) the channel target. */
  mine(meets = true, version = this.job.version) {
    const extranonce = this.freshExtranonce();
    const found = searchNonce(this.header(extranonce, version), (h) => hashMeetsTarget(h, this.target) === meets)!;
    return { extranonce, nonce: found.nonce, hash: found.hash, version };
  }

  submit(share: { extranonce: Uint8Array; nonce: number; version: number }, overrides: Partial<Sv2MessageOf<'SubmitSharesExtended'>> = {}): number {
    const sequenceNumber = this.client.nextSequence();
    this.client.send({
      type: 'SubmitSharesExtended',
      channelId: this.id,
      sequenceNumber,
      jobId: this.job.jobId,
      nonce: share.nonce,
      ntime: this.prevHash.minNtime,
      version: share.version,
      extranonce: share.extranonce,
      ...overrides,
    });
    return sequenceNumber;
  }
}

async function errorFor(client: TestClient, sequenceNumber: number): Promise<string> {
  for (let n = 1; ; n++) {
    const error = await client.nth('SubmitSharesError', n);
    if (error.sequenceNumber === sequenceNumber) return error.errorCode;
  }
}

describe('devnet pool, Stratum V2 port with the mint', () => {
  let devnet: Devnet;
  const clients: TestClient[] = [];
  const lockingSecret = secp256k1.utils.randomSecretKey();
  const lockingKey = bytesToHex(secp256k1.getPublicKey(lockingSecret, true));

  beforeEach(async () => {
    devnet = await startDevnet({
      minimumDifficulty: 4,
      shareBatchSize: 2,
      testHooks: true,
      blockIntervalSeconds: 3600,
      pool: { templateRefreshSeconds: 0, quotePollMs: 20 },
    });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.connection.close();
    await devnet.close();
  });

  async function client(): Promise<TestClient> {
    const c = await TestClient.open(devnet);
    clients.push(c);
    await c.setup();
    return c;
  }

  it('mines CPU shares that are accepted in batches, notified with 0xC0, and PAID at the mint to the announced key', async () => {
    const c = await client();
    const channel = await c.openChannel(`rig1.${lockingKey}`);
    expect(channel.success.extranoncePrefix).toHaveLength(8);
    expect(channel.success.extranonceSize).toBe(8);
    expect(channel.target).toBe((1n << 252n) - 1n); // the floor for minimumDifficulty 4

    const shares = [channel.mine(), channel.mine(true, channel.job.version | 0x00a4e000)];
    const sequences = shares.map((s) => channel.submit(s));
    const success = await c.nth('SubmitSharesSuccess');
    expect(success).toMatchObject({ channelId: channel.id, lastSequenceNumber: sequences[1], newSubmitsAcceptedCount: 2 });

    const notes = [await c.nth('MintQuoteNotification', 1), await c.nth('MintQuoteNotification', 2)];
    const byHash = new Map(shares.map((s) => [bytesToHex(s.hash), s]));
    for (const note of notes) {
      expect(note.channelId).toBe(channel.id);
      const quote = devnet.mint.quote(note.quoteId)!;
      const share = byHash.get(quote.request)!;
      expect(share).toBeDefined(); // request == hex(raw sha256d(header)), no byte reversal
      expect(quote.pubkey).toBe(lockingKey);
      expect(quote.amount).toBe(ehashAmount(share.hash, 4));
      expect(note.amount).toBe(quote.amount);
      expect(quote.amount_paid).toBe(quote.amount);
      expect(quote.unit).toBe('hash');
    }
    const stats = devnet.pool.stats();
    expect(stats.accepted).toBe(2);
    expect(stats.quotes).toBe(2);
    expect(stats.channels[0]).toMatchObject({ port: 'sv2', worker: 'rig1', lockingKey, accepted: 2, notificationsSent: 2 });
  });

  it('rejects bad shares naming the sequence number and the reason', async () => {
    const c = await client();
    const channel = await c.openChannel('plainworker');
    const good = channel.mine();
    channel.submit(good);
    const checks: Array<[number, string]> = [];
    checks.push([channel.submit(good), 'duplicate-share']);
    checks.push([channel.submit(channel.mine(false)), 'difficulty-too-low']);
    checks.push([channel.submit(channel.mine(), { jobId: 999_999 }), 'invalid-job-id']);
    checks.push([channel.submit(channel.mine(), { channelId: 77 }), 'invalid-channel-id']);
    checks.push([channel.submit({ ...channel.mine(), extranonce: new Uint8Array(4) }), 'bad-extranonce-size']);
    checks.push([channel.submit(channel.mine(true, channel.job.version | 1)), 'version-rolling-not-allowed']);
    checks.push([channel.submit(channel.mine(), { ntime: channel.prevHash.minNtime - 1 }), 'invalid-timestamp']);
    for (const [sequence, reason] of checks) expect(await errorFor(c, sequence)).toBe(reason);

    // A new block: the old job is stale; the channel gets a future job and SetNewPrevHash for the new one.
    const stale = channel.mine();
    devnet.pool.findBlock();
    const nextJob = await c.nth('NewExtendedMiningJob', 2);
    const nextPrev = await c.nth('SetNewPrevHash', 2);
    expect(nextJob.minNtime).toBeUndefined();
    expect(nextPrev.jobId).toBe(nextJob.jobId);
    expect(await errorFor(c, channel.submit(stale))).toBe('stale-share');

    // The one good share is quoted to the pool's configured key (no key in user_identity).
    const note = await c.nth('MintQuoteNotification');
    expect(devnet.mint.quote(note.quoteId)!.pubkey).toBe(devnet.pool.lockingKey);
    const stats = devnet.pool.stats();
    expect(stats.accepted).toBe(1);
    expect(stats.rejected).toEqual({
      'duplicate-share': 1,
      'difficulty-too-low': 1,
      'invalid-job-id': 1,
      'bad-extranonce-size': 1,
      'version-rolling-not-allowed': 1,
      'invalid-timestamp': 1,
      'stale-share': 1,
    });
  });

  it('honours UpdateChannel (every job started before it keeps its target, as SRI channels_sv2 does), CloseChannel and Reconnect', async () => {
    const c = await client();
    const channel = await c.openChannel(`a.${lockingKey}`);
    const floorTarget = channel.target;
    const futureJob = channel.job;

    devnet.pool.refreshTemplate();
    const refreshed = await c.nth('NewExtendedMiningJob', 2);
    expect(refreshed.minNtime).toBeGreaterThanOrEqual(channel.prevHash.minNtime);

    const harder = new Uint8Array(32);
    harder[31] = 0x01; // 2^248: 16x harder than the floor
    c.send({ type: 'UpdateChannel', channelId: channel.id, nominalHashRate: 1, maximumTarget: harder });
    const setTarget = await c.nth('SetTarget');
    expect(leBytesToBigInt(setTarget.maximumTarget)).toBe(1n << 248n);
    c.send({ type: 'UpdateChannel', channelId: 99, nominalHashRate: 1, maximumTarget: ALL_FF });
    expect((await c.nth('UpdateChannelError')).errorCode).toBe('invalid-channel-id');
    devnet.pool.refreshTemplate();
    const afterTarget = await c.nth('NewExtendedMiningJob', 3);

    // A share good for the floor but not for the new target: fine on both jobs started before SetTarget (the
    // activated future job included), too easy on the job started after it.
    const between = (h: Uint8Array) => hashMeetsTarget(h, floorTarget) && !hashMeetsTarget(h, 1n << 248n);
    const sequences: number[] = [];
    for (const job of [refreshed, futureJob]) {
      channel.job = job;
      const extranonce = channel.freshExtranonce();
      const found = searchNonce(channel.header(extranonce), between)!;
      sequences.push(channel.submit({ extranonce, nonce: found.nonce, version: job.version }));
    }
    channel.job = afterTarget;
    const onNew = channel.freshExtranonce();
    const tooEasy = searchNonce(channel.header(onNew), between)!;
    expect(await errorFor(c, channel.submit({ extranonce: onNew, nonce: tooEasy.nonce, version: afterTarget.version }))).toBe('difficulty-too-low');
    expect(devnet.pool.stats().accepted).toBe(2);
    expect(c.received.some((m) => m.type === 'SubmitSharesError' && sequences.includes(m.sequenceNumber))).toBe(false);

    c.send({ type: 'CloseChannel', channelId: channel.id, reasonCode: 'done' });
    expect(await errorFor(c, channel.submit(channel.mine()))).toBe('invalid-channel-id');
    expect(devnet.pool.stats().channels[0]!.open).toBe(false);

    devnet.pool.reconnectSv2Clients();
    expect(await c.nth('Reconnect')).toMatchObject({ newHost: '', newPort: 0 });
  });

  it('follows the mint: a dropped 0xC0 leaves a findable quote, a held quote is notified once paid', async () => {
    const c = await client();
    const channel = await c.openChannel(`h.${lockingKey}`);
    devnet.mint.setHooks({ dropNotifications: 1 });
    channel.submit(channel.mine());
    channel.submit(channel.mine());
    await c.nth('SubmitSharesSuccess');
    const first = await c.nth('MintQuoteNotification');
    await expect.poll(() => devnet.pool.stats().quotes, { timeout: 15_000 }).toBe(2);
    expect(devnet.pool.stats().channels[0]!.notificationsSent).toBe(1);
    expect(devnet.mint.quote(first.quoteId)!.amount_paid).toBeGreaterThan(0n);

    devnet.mint.setHooks({ holdQuotesUnpaid: true });
    channel.submit(channel.mine());
    await expect.poll(() => devnet.pool.stats().quotes, { timeout: 15_000 }).toBe(3);
    expect(c.count('MintQuoteNotification')).toBe(1);
    expect(devnet.mint.confirmQuotes()).toBe(1);
    const held = await c.nth('MintQuoteNotification', 2);
    expect(devnet.mint.quote(held.quoteId)!.amount_paid).toBe(held.amount);
  });

  it('survives malformed clients and keeps serving others', async () => {
    // Not Noise at all.
    const raw = connect(devnet.pool.sv2.port, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.resume();
    raw.write(Buffer.alloc(200, 0x41));
    await new Promise<void>((resolve) => raw.once('close', () => resolve()));

    // Mining before SetupConnection: the pool hangs up.
    const rude = await TestClient.open(devnet);
    clients.push(rude);
    rude.send({ type: 'OpenExtendedMiningChannel', requestId: 1, userIdentity: 'x', nominalHashRate: 1, maxTarget: ALL_FF, minExtranonceSize: 8 });
    await rude.waitClosed();

    // A truncated SubmitSharesExtended, an unknown message, impossible channel requests: answered or skipped.
    const odd = await client();
    odd.send({ type: 'Unknown', extensionType: 0x8000, msgType: 0x1b, payload: new Uint8Array([1, 2, 3]) });
    odd.send({ type: 'Unknown', extensionType: 0x0000, msgType: 0x77, payload: new Uint8Array(10) });
    odd.send({ type: 'OpenExtendedMiningChannel', requestId: 5, userIdentity: 'x', nominalHashRate: Number.NaN, maxTarget: ALL_FF, minExtranonceSize: 8 });
    odd.send({ type: 'OpenExtendedMiningChannel', requestId: 6, userIdentity: 'x', nominalHashRate: 1, maxTarget: new Uint8Array(32), minExtranonceSize: 8 });
    odd.send({ type: 'OpenExtendedMiningChannel', requestId: 7, userIdentity: 'x', nominalHashRate: 1, maxTarget: ALL_FF, minExtranonceSize: 30 });
    // OpenStandardMiningChannel {request_id 9, ...}: extended channels only.
    odd.send({ type: 'Unknown', extensionType: 0, msgType: 0x10, payload: new Uint8Array([9, 0, 0, 0, 1, 0x78, 0, 0, 0, 0]) });
    const errors = [1, 2, 3, 4].map((n) => odd.nth('OpenMiningChannelError', n));
    expect((await Promise.all(errors)).map((e) => [e.requestId, e.errorCode])).toEqual([
      [5, 'invalid-nominal-hashrate'],
      [6, 'max-target-out-of-range'],
      [7, 'min-extranonce-size-too-large'],
      [9, 'unsupported-channel-type'],
    ]);
    const channel = await odd.openChannel('still-fine', 8);
    channel.submit(channel.mine());
    channel.submit(channel.mine());
    expect((await odd.nth('SubmitSharesSuccess')).newSubmitsAcceptedCount).toBe(2);

    const other = await client();
    const otherChannel = await other.openChannel('other');
    expect(otherChannel.success.extranoncePrefix).not.toEqual(channel.success.extranoncePrefix);
  });

  it('stop() is an outage on the same port; start() lets clients back in', async () => {
    const c = await client();
    await c.openChannel('x');
    const port = devnet.pool.sv2.port;
    await devnet.pool.stop();
    await c.waitClosed();
    await devnet.pool.start();
    expect(devnet.pool.sv2.port).toBe(port);
    const again = await client();
    const channel = await again.openChannel('x');
    channel.submit(channel.mine());
    channel.submit(channel.mine());
    expect((await again.nth('SubmitSharesSuccess')).newSubmitsAcceptedCount).toBe(2);
  });
});

describe('devnet pool, Sv2 vardiff and partial batches', () => {
  let devnet: Devnet;
  afterEach(async () => {
    await devnet.close();
  });

  it('raises the difficulty of a channel that shares too fast and flushes a partial batch when shares stop', async () => {
    devnet = await startDevnet({
      minimumDifficulty: 4,
      sharesPerMinute: 6,
      shareBatchSize: 10,
      blockIntervalSeconds: 3600,
      pool: { templateRefreshSeconds: 0, retargetSeconds: 2, successFlushMs: 200 },
    });
    const c = await TestClient.open(devnet);
    try {
      await c.setup();
      const channel = await c.openChannel('fast');
      const floor = channel.target;
      const sequences: number[] = [];
      for (let i = 0; i < 23; i++) sequences.push(channel.submit(channel.mine()));
      const batches = [await c.nth('SubmitSharesSuccess', 1), await c.nth('SubmitSharesSuccess', 2), await c.nth('SubmitSharesSuccess', 3)];
      expect(batches.map((b) => b.newSubmitsAcceptedCount)).toEqual([10, 10, 3]);
      expect(batches[2]!.lastSequenceNumber).toBe(sequences[22]);
      const setTarget = await c.nth('SetTarget');
      const raised = leBytesToBigInt(setTarget.maximumTarget);
      expect(raised < floor).toBe(true);
      expect(devnet.pool.stats().accepted).toBe(23);
    } finally {
      c.connection.close();
    }
  });
});

/**
 * One Sv2 connection to the pool, after the Noise handshake: SetupConnection, extended channels,
 * jobs, share validation with batched SubmitShares.Success, vardiff via SetTarget, and hashpool's
 * MintQuoteNotification (0xC0) for every quoted share. Independent of the socket: it gets messages
 * and sends messages, so the transport stays the library's business.
 */
import { bigIntToLeBytes, difficultyFromTarget, leBytesToBigInt } from '../../lib/protocol/bitcoin/work';
import { PROTOCOL_MINING, type Sv2AnyMessage, type Sv2Message, type Sv2MessageOf } from '../../lib/protocol/sv2/messages';
import { MAX_EXTRANONCE_BYTES, VERSION_ROLLING_MASK, type BlockTemplate } from './chain';
import { EXTRANONCE_PREFIX_BYTES, type PoolContext, type PoolSession } from './context';
import { parseUserIdentity } from './identity';
import { StatsBook, type ChannelStats } from './stats';
import { clampTarget, hashRateToTarget, Vardiff } from './vardiff';

export const SV2_PROTOCOL_VERSION = 2;
const KEPT_JOB_TARGETS = 64;
const OPEN_STANDARD_MINING_CHANNEL = 0x10;

export interface Sv2Link {
  send(message: Sv2Message): void;
  close(): void;
}

interface Channel {
  id: number;
  extranoncePrefix: Uint8Array;
  extranonceSize: number;
  lockingKey: string;
  vardiff: Vardiff;
  /** the target each started job is judged at (SetTarget applies to jobs started after it) */
  jobTargets: Map<number, bigint>;
  stats: ChannelStats;
  batch: { count: number; sum: bigint; lastSequence: number; lastShareMs: number };
}

export class Sv2PoolSession implements PoolSession {
  private readonly connectionId: number;
  private readonly channels = new Map<number, Channel>();
  private setupDone = false;
  private nextChannelId = 1;
  private closed = false;

  constructor(
    private readonly ctx: PoolContext,
    private readonly link: Sv2Link,
  ) {
    this.connectionId = ctx.nextConnectionId();
  }

  /** Handles one decoded message; anything a client gets wrong is answered or ignored, never thrown. */
  handle(message: Sv2AnyMessage, nowMs = Date.now()): void {
    if (this.closed) return;
    if (!this.setupDone) {
      if (message.type !== 'SetupConnection') {
        this.ctx.logger.warn('sv2 client sent a message before SetupConnection', { type: message.type });
        this.link.close();
        return;
      }
      this.setup(message);
      return;
    }
    switch (message.type) {
      case 'OpenExtendedMiningChannel':
        return this.openChannel(message, nowMs);
      case 'SubmitSharesExtended':
        return this.submit(message, nowMs);
      case 'UpdateChannel':
        return this.updateChannel(message, nowMs);
      case 'CloseChannel':
        return this.closeChannel(message.channelId);
      case 'SetupConnection':
        this.ctx.logger.warn('sv2 client repeated SetupConnection');
        return;
      case 'Unknown':
        // OpenStandardMiningChannel: this pool serves extended channels only; say so instead of leaving the client waiting.
        if ((message.extensionType & 0x7fff) === 0 && message.msgType === OPEN_STANDARD_MINING_CHANNEL && message.payload.length >= 4) {
          const requestId = new DataView(message.payload.buffer, message.payload.byteOffset).getUint32(0, true);
          this.link.send({ type: 'OpenMiningChannelError', requestId, errorCode: 'unsupported-channel-type' });
          return;
        }
        this.ctx.logger.debug('sv2 message ignored', { extensionType: message.extensionType, msgType: message.msgType });
        return;
      default:
        // Unknown or server-to-client messages from a client: log and carry on, as SRI does.
        this.ctx.logger.debug('sv2 message ignored', { type: message.type });
    }
  }

  onTemplate(template: BlockTemplate, newBlock: boolean): void {
    for (const channel of this.channels.values()) this.sendJob(channel, template, newBlock);
  }

  tick(nowMs: number): void {
    for (const channel of this.channels.values()) {
      const target = channel.vardiff.retarget(nowMs);
      if (target !== null) this.link.send({ type: 'SetTarget', channelId: channel.id, maximumTarget: bigIntToLeBytes(target) });
      const flushMs = this.ctx.settings.successFlushMs;
      if (flushMs > 0 && channel.batch.count > 0 && nowMs - channel.batch.lastShareMs >= flushMs) this.flushBatch(channel);
    }
  }

  /** Asks the client to reconnect (to the same pool when host/port are empty/0). */
  reconnect(newHost = '', newPort = 0): void {
    this.link.send({ type: 'Reconnect', newHost, newPort });
  }

  destroy(): void {
    this.closed = true;
    for (const channel of this.channels.values()) channel.stats.open = false;
    this.channels.clear();
  }

  private setup(message: Sv2MessageOf<'SetupConnection'>): void {
    if (message.protocol !== PROTOCOL_MINING) {
      this.link.send({ type: 'SetupConnectionError', flags: 0, errorCode: 'unsupported-protocol' });
      this.link.close();
      return;
    }
    if (message.minVersion > SV2_PROTOCOL_VERSION || message.maxVersion < SV2_PROTOCOL_VERSION) {
      this.link.send({ type: 'SetupConnectionError', flags: 0, errorCode: 'protocol-version-mismatch' });
      this.link.close();
      return;
    }
    this.setupDone = true;
    // Like hashpool's pool: echo the client's flags.
    this.link.send({ type: 'SetupConnectionSuccess', usedVersion: SV2_PROTOCOL_VERSION, flags: message.flags });
  }

  private openChannel(message: Sv2MessageOf<'OpenExtendedMiningChannel'>, nowMs: number): void {
    const fail = (errorCode: string) => this.link.send({ type: 'OpenMiningChannelError', requestId: message.requestId, errorCode });
    if (!Number.isFinite(message.nominalHashRate) || message.nominalHashRate < 0) return fail('invalid-nominal-hashrate');
    const maxTarget = leBytesToBigInt(message.maxTarget);
    if (maxTarget === 0n) return fail('max-target-out-of-range');
    if (EXTRANONCE_PREFIX_BYTES + message.minExtranonceSize > MAX_EXTRANONCE_BYTES) return fail('min-extranonce-size-too-large');
    if (this.channels.size >= this.ctx.settings.maxChannelsPerConnection) return fail('too-many-channels');

    const identity = parseUserIdentity(message.userIdentity);
    const lockingKey = identity.lockingKey ?? this.ctx.settings.lockingKey;
    const target = clampTarget(hashRateToTarget(message.nominalHashRate, this.ctx.settings.sharesPerMinute), this.ctx.floorTarget, maxTarget);
    const id = this.nextChannelId++;
    const channel: Channel = {
      id,
      extranoncePrefix: this.ctx.allocateExtranoncePrefix(),
      extranonceSize: message.minExtranonceSize,
      lockingKey,
      vardiff: new Vardiff({ sharesPerMinute: this.ctx.settings.sharesPerMinute, retargetSeconds: this.ctx.settings.retargetSeconds, floorTarget: this.ctx.floorTarget }, target, maxTarget, nowMs),
      jobTargets: new Map(),
      stats: this.ctx.stats.open({ port: 'sv2', connectionId: this.connectionId, channelId: id, worker: identity.worker, lockingKey }),
      batch: { count: 0, sum: 0n, lastSequence: 0, lastShareMs: nowMs },
    };
    this.channels.set(id, channel);
    this.link.send({
      type: 'OpenExtendedMiningChannelSuccess',
      requestId: message.requestId,
      channelId: id,
      target: bigIntToLeBytes(target),
      extranonceSize: channel.extranonceSize,
      extranoncePrefix: channel.extranoncePrefix,
      groupChannelId: 0,
    });
    this.ctx.logger.info('sv2 channel opened', { connection: this.connectionId, channel: id, worker: identity.worker, lockingKey });
    this.sendJob(channel, this.ctx.chain.current, true);
  }

  /**
   * A new block goes out as a future job activated by SetNewPrevHash; a refresh as an immediate job. Either way the
   * job keeps the target in force when it started, whatever SetTarget follows: SRI channels_sv2 (ExtendedChannel,
   * job_id_to_target, since 2025-12, in hashpool's channels_sv2 5.0.0) associates the activated future job with the
   * channel's target at activation and validates each share against its job's target.
   */
  private sendJob(channel: Channel, template: BlockTemplate, asFutureJob: boolean): void {
    const { prefix, suffix } = this.ctx.chain.coinbaseParts(template, EXTRANONCE_PREFIX_BYTES + channel.extranonceSize);
    if (asFutureJob) channel.jobTargets.clear();
    channel.jobTargets.set(template.id, channel.vardiff.target);
    if (channel.jobTargets.size > KEPT_JOB_TARGETS) channel.jobTargets.delete(channel.jobTargets.keys().next().value as number);
    this.link.send({
      type: 'NewExtendedMiningJob',
      channelId: channel.id,
      jobId: template.id,
      minNtime: asFutureJob ? undefined : template.ntime,
      version: template.version,
      versionRollingAllowed: true,
      merklePath: template.merklePath,
      coinbaseTxPrefix: prefix,
      coinbaseTxSuffix: suffix,
    });
    if (asFutureJob) {
      this.link.send({
        type: 'SetNewPrevHash',
        channelId: channel.id,
        jobId: template.id,
        prevHash: template.prevHash,
        minNtime: template.ntime,
        nbits: template.nbits,
      });
    }
  }

  private submit(message: Sv2MessageOf<'SubmitSharesExtended'>, nowMs: number): void {
    const channel = this.channels.get(message.channelId);
    if (!channel) {
      this.link.send({ type: 'SubmitSharesError', channelId: message.channelId, sequenceNumber: message.sequenceNumber, errorCode: 'invalid-channel-id' });
      return;
    }
    const target = channel.jobTargets.get(message.jobId) ?? channel.vardiff.target;
    const verdict = this.ctx.shares.validate(
      {
        jobId: message.jobId,
        extranoncePrefix: channel.extranoncePrefix,
        extranonce: message.extranonce,
        extranonceSize: channel.extranonceSize,
        version: message.version,
        versionMask: VERSION_ROLLING_MASK,
        ntime: message.ntime,
        nonce: message.nonce,
        target,
      },
      Math.floor(nowMs / 1000),
    );
    if (!verdict.ok) {
      StatsBook.reject(channel.stats, verdict.reason);
      this.link.send({ type: 'SubmitSharesError', channelId: channel.id, sequenceNumber: message.sequenceNumber, errorCode: verdict.reason });
      return;
    }
    channel.stats.accepted += 1;
    channel.vardiff.onShare();
    const batch = channel.batch;
    batch.count += 1;
    // new_shares_sum is the sum of share difficulties; a CPU share below difficulty 1 still counts as 1.
    batch.sum += BigInt(Math.max(1, Math.floor(difficultyFromTarget(target))));
    batch.lastSequence = message.sequenceNumber;
    batch.lastShareMs = nowMs;
    if (batch.count >= this.ctx.settings.shareBatchSize) this.flushBatch(channel);
    this.ctx.quoteShare(channel.stats, verdict.headerHash, channel.lockingKey, (quoteId, amount) => {
      // The channel may have closed while the mint answered: the quote stays findable by pubkey.
      if (this.closed || !this.channels.has(channel.id)) return;
      channel.stats.notificationsSent += 1;
      this.link.send({ type: 'MintQuoteNotification', channelId: channel.id, quoteId, amount });
    });
  }

  private flushBatch(channel: Channel): void {
    const batch = channel.batch;
    this.link.send({
      type: 'SubmitSharesSuccess',
      channelId: channel.id,
      lastSequenceNumber: batch.lastSequence,
      newSubmitsAcceptedCount: batch.count,
      newSharesSum: batch.sum,
    });
    batch.count = 0;
    batch.sum = 0n;
  }

  private updateChannel(message: Sv2MessageOf<'UpdateChannel'>, nowMs: number): void {
    const channel = this.channels.get(message.channelId);
    const fail = (errorCode: string) => this.link.send({ type: 'UpdateChannelError', channelId: message.channelId, errorCode });
    if (!channel) return fail('invalid-channel-id');
    if (!Number.isFinite(message.nominalHashRate) || message.nominalHashRate < 0) return fail('invalid-nominal-hashrate');
    const maxTarget = leBytesToBigInt(message.maximumTarget);
    if (maxTarget === 0n) return fail('max-target-out-of-range');
    const target = channel.vardiff.update(message.nominalHashRate, maxTarget, nowMs);
    this.link.send({ type: 'SetTarget', channelId: channel.id, maximumTarget: bigIntToLeBytes(target) });
  }

  private closeChannel(channelId: number): void {
    const channel = this.channels.get(channelId);
    if (!channel) return;
    channel.stats.open = false;
    this.channels.delete(channelId);
    this.ctx.logger.info('sv2 channel closed by client', { connection: this.connectionId, channel: channelId });
  }
}

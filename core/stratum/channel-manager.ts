/**
 * The channel manager (SRI translator's channel_manager): gives each miner an upstream channel on the link
 * in use (or a view of one shared channel when aggregating), keeps it bound across channel losses and
 * failovers, fits miners' extranonce layouts to the upstream's space, and raises the pool's quote notices
 * tagged with the miner.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from '../../lib/log';
import type { QuoteEvent, QuoteNotice } from '../../lib/protocol/ehash/quote';
import { targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { type AttachOutcome, type MinerSession, VERSION_ROLLING_MASK } from './miner-session';
import { SharedChannel } from './shared-channel';
import type { UpstreamChannel, UpstreamLink } from './upstream';

/** Our extranonce1 bytes and the miner's extranonce2 size when the upstream has room (8 bytes: hashpool's default). */
const OWN_EXTRANONCE1_BYTES = 4;
const MINER_EXTRANONCE2_BYTES = 4;

export type { QuoteEvent } from '../../lib/protocol/ehash/quote';

export interface ChannelManagerEvents {
  quote: [quote: QuoteEvent];
}

export interface ChannelManagerOptions {
  /** compressed secp256k1 key (hex33) quotes are locked to; announced in the Sv2 user_identity */
  lockingPubkey: () => string | undefined;
  /** H/s announced for a miner that has not suggested a difficulty yet */
  nominalHashrate: number;
  /** one Sv2 channel for all miners instead of one each */
  aggregateChannels: boolean;
  /** how long authorize waits for an upstream channel with work */
  attachTimeoutMs: number;
  logger: Logger;
  /** the link miners belong on now */
  currentLink: () => UpstreamLink | undefined;
  /** miners authorized now, for the shared channel's hashrate hint */
  minerCount: () => number;
  /** the link failed a miner's channel: the selector moves on */
  linkFailed: (link: UpstreamLink, detail: string) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForJob(channel: UpstreamChannel, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      channel.off('job', done);
      channel.off('closed', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    channel.once('job', done);
    channel.once('closed', done);
  });
}

export class ChannelManager extends EventEmitter<ChannelManagerEvents> {
  private readonly shared = new Map<UpstreamLink, Promise<SharedChannel>>();
  private extranonceCounter = randomBytes(4).readUInt32BE(0);
  /** extranonce space of the upstream in use, so new miners get a layout that fits it */
  private upstreamExtranonceSize = OWN_EXTRANONCE1_BYTES + MINER_EXTRANONCE2_BYTES;
  private stopped = false;

  constructor(private readonly opts: ChannelManagerOptions) {
    super();
  }

  stop(): void {
    this.stopped = true;
  }

  /** Our part of the extranonce (unique per miner) and the miner's extranonce2 size, fitted to the upstream in use. */
  layout(space = this.upstreamExtranonceSize): { extranonce1: string; extranonce2Size: number } {
    const extranonce2Size = Math.min(MINER_EXTRANONCE2_BYTES, space);
    const ownBytes = Math.min(OWN_EXTRANONCE1_BYTES, space - extranonce2Size);
    this.extranonceCounter = (this.extranonceCounter + 1) >>> 0;
    const extranonce1 = this.extranonceCounter
      .toString(16)
      .padStart(8, '0')
      .slice(8 - ownBytes * 2);
    return { extranonce1, extranonce2Size };
  }

  /** An upstream became the one in use: miners arriving get a layout that fits it, miners already here move to it. */
  follow(link: UpstreamLink, sessions: Iterable<MinerSession>): void {
    this.upstreamExtranonceSize = link.extranonceSpace ?? OWN_EXTRANONCE1_BYTES + MINER_EXTRANONCE2_BYTES;
    for (const session of sessions) {
      if (session.authorized && !session.attaching && !session.isClosed) void this.reattach(session, link);
    }
  }

  async attach(session: MinerSession): Promise<AttachOutcome> {
    const deadline = Date.now() + this.opts.attachTimeoutMs;
    // Wait for a running failover to finish so the miner lands on the upstream that will stay.
    while (!this.opts.currentLink() && Date.now() < deadline && !this.stopped && !session.isClosed) await sleep(50);
    const link = this.opts.currentLink();
    if (!link) return { ok: true, commit: () => undefined }; // no upstream yet: the miner gets work when one is up
    try {
      const channel = await this.openChannelWithin(session, link, deadline - Date.now());
      if (!channel.currentJob) await waitForJob(channel, deadline - Date.now());
      return {
        ok: true,
        commit: () => {
          if (session.isClosed || this.opts.currentLink() !== link) {
            channel.close();
            // a failover happened meanwhile: follow it
            const now = this.opts.currentLink();
            if (now && !session.isClosed) void this.reattach(session, now);
          } else {
            this.bind(session, channel, link);
          }
        },
      };
    } catch (error) {
      const e = error as Error & { code?: string };
      if (e.code === 'rejected') return { ok: false, reason: e.message };
      this.opts.logger.warn('could not open an upstream channel for a miner', { miner: session.id, error: e.message });
      this.opts.linkFailed(link, e.message);
      return { ok: true, commit: () => undefined };
    }
  }

  /** Opens a channel or fails after `ms`; a channel that opens too late is closed, never leaked. */
  private openChannelWithin(session: MinerSession, link: UpstreamLink, ms: number): Promise<UpstreamChannel> {
    return new Promise<UpstreamChannel>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(
        () => {
          late = true;
          reject(Object.assign(new Error('upstream did not open a channel in time'), { code: 'timeout' }));
        },
        Math.max(0, ms),
      );
      this.openChannelFor(session, link).then(
        (channel) => {
          clearTimeout(timer);
          if (late) channel.close();
          else resolve(channel);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private openChannelFor(session: MinerSession, link: UpstreamLink): Promise<UpstreamChannel> {
    if (this.opts.aggregateChannels && link.protocol === 'sv2') return this.sharedChannel(link).then((shared) => shared.view());
    const pubkey = this.opts.lockingPubkey();
    const worker = session.worker.slice(0, pubkey ? 255 - 67 : 255);
    const difficulty = session.suggestedDifficulty;
    return link.openChannel({
      worker: session.worker,
      password: session.password,
      userIdentity: pubkey ? `${worker}.${pubkey}` : worker,
      minExtranonceSize: session.extranonceNeeded,
      // a miner suggesting difficulty D wants about one share per 10 s at that difficulty
      nominalHashrate: difficulty ? (difficulty * 2 ** 32) / 10 : this.opts.nominalHashrate,
      maxTarget: difficulty ? targetFromDifficulty(difficulty) : undefined,
      versionMask: session.grantedMask,
    });
  }

  /** The one channel all miners share on `link` (aggregation), opened on first use. */
  private sharedChannel(link: UpstreamLink): Promise<SharedChannel> {
    let shared = this.shared.get(link);
    if (!shared) {
      const pubkey = this.opts.lockingPubkey();
      shared = link
        .openChannel({
          worker: 'axewallet',
          password: '',
          userIdentity: pubkey ? `axewallet.${pubkey}` : 'axewallet',
          minExtranonceSize: OWN_EXTRANONCE1_BYTES + MINER_EXTRANONCE2_BYTES,
          nominalHashrate: this.opts.nominalHashrate * Math.max(1, this.opts.minerCount()),
          versionMask: VERSION_ROLLING_MASK,
        })
        .then((channel) => {
          const entry = new SharedChannel(channel, () => this.shared.delete(link));
          channel.on('quote', (notice) => this.emitQuote('shared', 'shared', link, notice));
          channel.once('closed', () => this.shared.delete(link));
          return entry;
        });
      shared.catch(() => this.shared.delete(link));
      this.shared.set(link, shared);
    }
    return shared;
  }

  private bind(session: MinerSession, channel: UpstreamChannel, link: UpstreamLink): void {
    if (channel.isClosed) {
      // it died between opening and binding (a Reconnect crossed it): open another
      void this.reattach(session, link);
      return;
    }
    this.upstreamExtranonceSize = channel.extranonceSize;
    if (channel.extranonceSize < session.extranonceNeeded) {
      channel.close();
      const { extranonce1, extranonce2Size } = this.layout(channel.extranonceSize);
      session.relayout(extranonce1, extranonce2Size);
      if (session.isClosed) return;
      void this.reattach(session, link);
      return;
    }
    channel.on('quote', (notice) => this.emitQuote(session.id, session.worker, link, notice));
    channel.once('closed', (reason) => {
      if (session.channel !== channel || session.isClosed || this.opts.currentLink() !== link) return;
      this.opts.logger.info('upstream channel closed; reopening', { miner: session.id, reason });
      setTimeout(() => void this.reattach(session, link), 200).unref();
    });
    session.useChannel(channel);
  }

  private async reattach(session: MinerSession, link: UpstreamLink): Promise<void> {
    if (session.isClosed || this.opts.currentLink() !== link || this.stopped) return;
    try {
      const channel = await this.openChannelWithin(session, link, this.opts.attachTimeoutMs);
      if (session.isClosed || this.opts.currentLink() !== link) {
        channel.close();
        return;
      }
      this.bind(session, channel, link);
    } catch (error) {
      const e = error as Error & { code?: string };
      if (e.code === 'rejected') {
        session.close();
        return;
      }
      this.opts.linkFailed(link, e.message);
    }
  }

  private emitQuote(minerId: string, worker: string, link: UpstreamLink, notice: QuoteNotice): void {
    this.emit('quote', { minerId, worker, quoteId: notice.quoteId, amount: notice.amount, upstream: link.url, ...(notice.error ? { error: notice.error } : {}) });
  }
}

/**
 * Channel aggregation: many miners on one upstream channel (SRI's aggregate_channels). Each miner
 * gets a view that forwards the channel's work and submits; the miners' own extranonce1 keeps their
 * work apart. The channel closes when the last view does.
 */
import { type ChannelJob, type ChannelShare, UpstreamChannel } from './upstream';

export class SharedChannel {
  private views = 0;

  constructor(
    readonly channel: UpstreamChannel,
    private readonly onEmpty: () => void,
  ) {
    // every miner's view listens to it: a thousand listeners are the design, not a leak
    channel.setMaxListeners(0);
  }

  view(): UpstreamChannel {
    this.views++;
    return new ChannelView(this.channel, () => {
      if (--this.views === 0) {
        this.onEmpty();
        this.channel.close();
      }
    });
  }
}

class ChannelView extends UpstreamChannel {
  private released = false;
  private readonly detach: () => void;

  constructor(
    private readonly inner: UpstreamChannel,
    private readonly release: () => void,
  ) {
    super();
    const onJob = (job: ChannelJob) => this.emit('job', job);
    const onTarget = (difficulty: number) => this.emit('target', difficulty);
    const onMask = (mask: number) => this.emit('versionMask', mask);
    const onClosed = (reason: string) => this.emit('closed', reason);
    inner.on('job', onJob);
    inner.on('target', onTarget);
    inner.on('versionMask', onMask);
    inner.on('closed', onClosed);
    this.detach = () => {
      inner.off('job', onJob);
      inner.off('target', onTarget);
      inner.off('versionMask', onMask);
      inner.off('closed', onClosed);
    };
  }

  get extranonceSize(): number {
    return this.inner.extranonceSize;
  }

  get difficulty(): number {
    return this.inner.difficulty;
  }

  get currentJob(): ChannelJob | undefined {
    return this.inner.currentJob;
  }

  get isClosed(): boolean {
    return this.released || this.inner.isClosed;
  }

  submit(share: ChannelShare): void {
    this.inner.submit(share);
  }

  /** The shared channel's difficulty is the pool's; a miner's wish applies to its own notifies only. */
  suggestDifficulty(): void {}

  close(): void {
    if (this.released) return;
    this.released = true;
    this.detach();
    this.release();
  }
}

/**
 * Channel aggregation: many miners on one upstream channel (SRI's aggregate_channels). Each miner
 * gets a view that forwards the channel's work and submits; the miners' own extranonce1 keeps their
 * work apart. The channel closes when the last view does.
 */
import { type ChannelJob, type ChannelShare, UpstreamChannel } from './upstream';

export class SharedChannel {
  private readonly views = new Set<ChannelView>();

  constructor(
    readonly channel: UpstreamChannel,
    private readonly onEmpty: () => void,
  ) {
    // The channel's events reach the views from here: a thousand views each listening on their own would be four
    // closures a miner, and under tsx (keepNames) each closure carries its own property table (~0.3 KB).
    channel.on('job', (job) => this.each((view) => view.emit('job', job)));
    channel.on('target', (difficulty) => this.each((view) => view.emit('target', difficulty)));
    channel.on('versionMask', (mask) => this.each((view) => view.emit('versionMask', mask)));
    channel.on('closed', (reason) => this.each((view) => view.emit('closed', reason)));
  }

  view(): UpstreamChannel {
    const view = new ChannelView(this.channel, this);
    this.views.add(view);
    return view;
  }

  /** A view closed: it hears nothing more, and the channel closes with the last one. */
  release(view: ChannelView): void {
    if (!this.views.delete(view) || this.views.size > 0) return;
    this.onEmpty();
    this.channel.close();
  }

  private each(deliver: (view: ChannelView) => void): void {
    for (const view of this.views) deliver(view);
  }
}

class ChannelView extends UpstreamChannel {
  private released = false;

  constructor(
    private readonly inner: UpstreamChannel,
    private readonly shared: SharedChannel,
  ) {
    super();
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
    this.shared.release(this);
  }
}

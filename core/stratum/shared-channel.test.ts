/**
 * Channel aggregation: every miner's view hears the shared channel's work, a closed view hears nothing more, the
 * channel closes with the last view, and a thousand views add no listeners of their own to the channel.
 */
import { describe, expect, it } from 'vitest';
import { SharedChannel } from './shared-channel';
import { type ChannelJob, type ChannelShare, UpstreamChannel } from './upstream';

/** The upstream side of the shared channel, driven by the test. */
class ScriptedChannel extends UpstreamChannel {
  readonly extranonceSize = 8;
  readonly difficulty = 1;
  currentJob: ChannelJob | undefined;
  isClosed = false;
  readonly submitted: ChannelShare[] = [];

  submit(share: ChannelShare): void {
    this.submitted.push(share);
  }

  suggestDifficulty(): void {}

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.emit('closed', 'closed here');
  }
}

const job = { jobId: 7, cleanJobs: true } as unknown as ChannelJob;

describe('SharedChannel', () => {
  it('hands the channel’s work to every open view, and closes the channel with the last view', () => {
    const channel = new ScriptedChannel();
    let emptied = 0;
    const shared = new SharedChannel(channel, () => emptied++);
    const heard: string[] = [];
    const views = [0, 1, 2].map((i) => {
      const view = shared.view();
      view.on('job', (j) => heard.push(`${i}:job ${j.jobId}`));
      view.on('target', (d) => heard.push(`${i}:target ${d}`));
      view.on('versionMask', (m) => heard.push(`${i}:mask ${m}`));
      return view;
    });

    channel.emit('job', job);
    channel.emit('target', 2);
    channel.emit('versionMask', 0x1fffe000);
    expect(heard).toEqual(['0:job 7', '1:job 7', '2:job 7', '0:target 2', '1:target 2', '2:target 2', '0:mask 536862720', '1:mask 536862720', '2:mask 536862720']);

    heard.length = 0;
    views[1]!.close();
    views[1]!.close();
    channel.emit('job', job);
    expect(heard).toEqual(['0:job 7', '2:job 7']);
    expect(views[1]!.isClosed).toBe(true);
    expect(channel.isClosed).toBe(false);

    views[0]!.close();
    views[2]!.close();
    expect(channel.isClosed).toBe(true);
    expect(emptied).toBe(1);
  });

  it('tells every open view when the channel closes under them', () => {
    const channel = new ScriptedChannel();
    const shared = new SharedChannel(channel, () => undefined);
    const closed: string[] = [];
    for (const i of [0, 1]) shared.view().on('closed', (reason) => closed.push(`${i}:${reason}`));
    channel.close();
    expect(closed).toEqual(['0:closed here', '1:closed here']);
  });

  it('adds no listener to the channel per view: a thousand miners cost the channel nothing', () => {
    const channel = new ScriptedChannel();
    const shared = new SharedChannel(channel, () => undefined);
    const before = (['job', 'target', 'versionMask', 'closed'] as const).map((event) => channel.listenerCount(event));
    for (let i = 0; i < 1000; i++) shared.view();
    expect((['job', 'target', 'versionMask', 'closed'] as const).map((event) => channel.listenerCount(event))).toEqual(before);
  });
});

/**
 * The job book's memory of sent shares: a resubmitted share is caught within its upstream job (also when that job was
 * handed out again under another id), a new channel starts afresh, and the hashes of jobs no longer held are let go.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { liveMemoryBytes } from '../../test/heap';
import { JobBook } from './job-book';
import type { ChannelJob, UpstreamChannel } from './upstream';

// the book only keeps the channel beside each job it hands out
const channel = {} as UpstreamChannel;

function upstreamJob(jobId: string): ChannelJob {
  return {
    jobId,
    prevHash: '00'.repeat(32),
    coinbasePrefix: '01000000',
    coinbaseSuffix: 'ffffffff',
    merkleBranches: [],
    version: '20000000',
    nbits: '1d00ffff',
    ntime: '6756b000',
    cleanJobs: true,
    versionRolling: true,
    difficulty: 1,
  };
}

const hash = () => randomBytes(32);

describe('JobBook', () => {
  it('catches a resubmitted share within its upstream job, also under a job handed out again; a new channel starts afresh', () => {
    const book = new JobBook();
    const job = upstreamJob('1');
    book.issue(channel, job, 1, '', true);
    const h = hash();
    expect(book.firstTime(job, h)).toBe(true);
    expect(book.firstTime(job, h)).toBe(false);
    // a keepalive hands the same upstream job out again under a new id
    book.issue(channel, job, 1, '', false);
    expect(book.firstTime(job, h)).toBe(false);
    expect(book.firstTime(job, hash())).toBe(true);
    book.reset();
    expect(book.firstTime(job, h)).toBe(true);
  });

  it('remembers at most 1,024 shares per job, the oldest forgotten first', () => {
    const book = new JobBook();
    const job = upstreamJob('1');
    book.issue(channel, job, 1, '', true);
    const first = hash();
    book.firstTime(job, first);
    for (let i = 0; i < 1024; i++) book.firstTime(job, hash());
    expect(book.firstTime(job, first)).toBe(true);
  });

  it('lets go of the hashes of jobs it no longer holds: a hundred miners past a new block keep none of the old block', () => {
    const books = Array.from({ length: 100 }, () => new JobBook());
    const before = liveMemoryBytes();
    let next = 0;
    const mine = () => {
      const job = upstreamJob(String(next++));
      for (const book of books) {
        book.issue(channel, job, 1, '', true);
        for (let i = 0; i < 1024; i++) book.firstTime(job, hash());
      }
    };
    mine();
    // a new block: a clean job, and nothing holds the old one any more
    for (const book of books) book.issue(channel, upstreamJob(String(next++)), 1, '', true);
    const kept = liveMemoryBytes() - before;
    // 100 x 1,024 hashes at 36 bytes each would be ~3.6 MB if the books still held them
    expect(kept).toBeLessThan(2 * 1024 * 1024);
  });
});

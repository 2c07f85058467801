/**
 * One job's memory of the shares sent: exact (hashes alike in their first bytes are told apart), the oldest forgotten
 * past the limit, found through an index whatever their first bytes, and no JS object kept per hash.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { liveHeapBytes } from '../../test/heap';
import { SentHashes } from './sent-hashes';
import { seededRandom } from '../../test/seeded-random';

const hash = () => randomBytes(32);

describe('SentHashes', () => {
  it('takes a hash once; the same bytes again, in another buffer, are a duplicate', () => {
    const sent = new SentHashes(1024);
    const h = hash();
    expect(sent.addIfNew(h)).toBe(true);
    expect(sent.addIfNew(Buffer.from(h))).toBe(false);
    expect(sent.addIfNew(hash())).toBe(true);
  });

  it('tells apart hashes that share their first bytes, or differ only in their last', () => {
    const sent = new SentHashes(1024);
    const a = hash();
    const sameHead = Buffer.concat([a.subarray(0, 4), randomBytes(28)]);
    const lastByteOff = Buffer.from(a);
    lastByteOff[31] = lastByteOff[31]! ^ 1;
    expect(sent.addIfNew(a)).toBe(true);
    expect(sent.addIfNew(sameHead)).toBe(true);
    expect(sent.addIfNew(lastByteOff)).toBe(true);
    expect(sent.addIfNew(a)).toBe(false);
    expect(sent.addIfNew(sameHead)).toBe(false);
    expect(sent.addIfNew(lastByteOff)).toBe(false);
  });

  it('keeps every hash while it grows to the limit, then forgets the oldest first', () => {
    const sent = new SentHashes(100);
    const hashes = Array.from({ length: 150 }, hash);
    for (const h of hashes.slice(0, 100)) expect(sent.addIfNew(h)).toBe(true);
    for (const h of hashes.slice(0, 100)) expect(sent.addIfNew(h)).toBe(false);
    // 50 more push out the first 50, oldest first
    for (const h of hashes.slice(100)) expect(sent.addIfNew(h)).toBe(true);
    for (const h of hashes.slice(50)) expect(sent.addIfNew(h)).toBe(false);
    expect(sent.addIfNew(hashes[0]!)).toBe(true);
  });

  it('agrees with a plain set and queue through thousands of adds, with first bytes made to collide', () => {
    // few distinct first bytes, alike modulo the index's size too: long probe runs that wrap around the index end,
    // and every forgotten hash taken out of the middle of one
    const limit = 200;
    const sent = new SentHashes(limit);
    const kept = new Set<string>();
    const order: string[] = [];
    const pool = Array.from({ length: 600 }, (_, i) => {
      const h = hash();
      h.writeInt32LE([0, 511, 1023, 7][i % 4]! | ((i % 3) << 16), 0);
      return h;
    });
    const random = seededRandom(7);
    for (let step = 0; step < 20_000; step++) {
      const h = pool[random.below(pool.length)]!;
      const key = h.toString('hex');
      const isNew = !kept.has(key);
      expect(sent.addIfNew(h)).toBe(isNew);
      if (!isNew) continue;
      kept.add(key);
      order.push(key);
      if (order.length > limit) kept.delete(order.shift()!);
    }
  });

  it('refuses what is not a 32-byte hash', () => {
    expect(() => new SentHashes(16).addIfNew(randomBytes(31))).toThrow(/32 bytes/);
  });

  it('keeps no JS object per hash: 100 jobs of 1,024 hashes add little to the JS heap', () => {
    const before = liveHeapBytes();
    const probe = hash();
    const jobs = Array.from({ length: 100 }, () => new SentHashes(1024));
    for (const sent of jobs) {
      for (let i = 0; i < 1023; i++) sent.addIfNew(hash());
      sent.addIfNew(probe);
    }
    const grown = liveHeapBytes() - before;
    // as hex strings in sets, the same 102,400 hashes held ~9.6 MB of JS heap
    expect(grown).toBeLessThan(1024 * 1024);
    expect(jobs.filter((sent) => sent.addIfNew(probe))).toHaveLength(0);
  });
});

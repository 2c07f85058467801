import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadCpuUs, threadUserSystemUs, type UserSystemUs } from './thread-cpu';

const SPIN = `let x = 0; for (let i = 0; i < 3e8; i++) x += i; require('node:worker_threads').parentPort.postMessage(x);`;

describe('threadCpuUs', () => {
  it("counts the calling thread alone: a worker's work shows in the process's CPU, not in this thread's", async () => {
    const threadBefore = threadCpuUs();
    const processBefore = process.cpuUsage();
    await new Promise((resolve, reject) => {
      const worker = new Worker(SPIN, { eval: true });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const thread = threadCpuUs()! - threadBefore!;
    const { user, system } = process.cpuUsage(processBefore);
    expect(thread).toBeGreaterThan(0);
    expect(user + system).toBeGreaterThan(4 * thread);
  });
});

describe('threadUserSystemUs', () => {
  const spent = (work: () => void): UserSystemUs => {
    const before = threadUserSystemUs()!;
    work();
    const after = threadUserSystemUs()!;
    return { userUs: after.userUs - before.userUs, systemUs: after.systemUs - before.systemUs };
  };

  it("puts a loop of the thread's own code in user time and the kernel's work for it in system time", () => {
    const spin = spent(() => {
      let x = 0;
      for (let i = 0; i < 3e8; i++) x += i;
      expect(x).toBeGreaterThan(0);
    });
    expect(spin.userUs).toBeGreaterThan(0);
    expect(spin.userUs).toBeGreaterThan(5 * spin.systemUs);
    // the kernel writes /proc/self/status out afresh for every read
    const reads = spent(() => {
      for (let i = 0; i < 20_000; i++) readFileSync('/proc/self/status');
    });
    expect(reads.systemUs).toBeGreaterThan(reads.userUs);
  });
});

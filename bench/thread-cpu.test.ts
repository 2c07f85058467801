import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadCpuUs } from './thread-cpu';

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

import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { type ThreadSchedule, threadSchedule, threadUserSystemUs, type UserSystemUs } from './thread-cpu';

const SPIN = `let x = 0; for (let i = 0; i < 3e8; i++) x += i; require('node:worker_threads').parentPort.postMessage(x);`;

function spinFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('threadSchedule', () => {
  it("counts the calling thread alone: a worker's work shows in the process's CPU, not in this thread's", async () => {
    const threadBefore = threadSchedule()!;
    const processBefore = process.cpuUsage();
    await new Promise((resolve, reject) => {
      const worker = new Worker(SPIN, { eval: true });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const thread = threadSchedule()!.cpuUs - threadBefore.cpuUs;
    const { user, system } = process.cpuUsage(processBefore);
    expect(thread).toBeGreaterThan(0);
    expect(user + system).toBeGreaterThan(4 * thread);
  });

  it('counts the time the thread was ready to run and its core was taken', () => {
    // pinned to one core with three spinning workers, the thread is on it about a quarter of the time and waits the rest
    const firstCpu = /Cpus_allowed_list:\s*(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
    const script = `
      import { Worker } from 'node:worker_threads';
      import { threadSchedule } from ${JSON.stringify(fileURLToPath(new URL('./thread-cpu.ts', import.meta.url)))};
      const spin = ${spinFor.toString()};
      const workers = [0, 1, 2].map(() => new Worker(\`(\${spin.toString()})(1500)\`, { eval: true }));
      await Promise.all(workers.map((worker) => new Promise((online) => worker.once('online', online))));
      const before = threadSchedule();
      spin(400);
      const after = threadSchedule();
      process.stdout.write(JSON.stringify({ cpuUs: after.cpuUs - before.cpuUs, waitedUs: after.waitedUs - before.waitedUs }));
      process.exit(0);
    `;
    const pinned = JSON.parse(execFileSync('taskset', ['-c', firstCpu, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as ThreadSchedule;
    expect(pinned.cpuUs).toBeGreaterThan(0);
    expect(pinned.waitedUs).toBeGreaterThan(1.5 * pinned.cpuUs);
  });

  it('counts a timeslice for every wait the thread wakes from', () => {
    // Atomics.wait sleeps in the kernel for the whole timeout every time; a timer need not: when the loop's turn ran
    // past the timer's due time, libuv polls without blocking and the thread never leaves its core (CI saw 19 of 20)
    const neverNotified = new Int32Array(new SharedArrayBuffer(4));
    const before = threadSchedule()!.timeslices;
    for (let i = 0; i < 20; i++) Atomics.wait(neverNotified, 0, 0, 2);
    expect(threadSchedule()!.timeslices - before).toBeGreaterThanOrEqual(20);
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

/**
 * The calling thread's own time on a CPU, and its time waiting for one. process.cpuUsage() sums every thread of a
 * process, and Node 20 has no per-thread figure, so a relay on a worker thread and a proxy's event loop apart from its
 * ledger writer and V8's helpers can only be told apart through Linux's /proc/thread-self. Undefined where the kernel
 * does not keep it.
 */
import { readFileSync } from 'node:fs';

/** A thread's time on a CPU (user and kernel together) and its time runnable but waiting for one, in µs. */
export interface ThreadSchedule {
  cpuUs: number;
  /** time the thread could have run and every core it may use was taken: what other threads and processes cost it */
  waitedUs: number;
  /** the times it was put on a CPU: each wake-up from a wait, and each return after it was preempted */
  timeslices: number;
}

/** From /proc/thread-self/schedstat, which keeps the times in ns. */
export function threadSchedule(): ThreadSchedule | undefined {
  try {
    const [onCpu, waiting, timeslices] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { cpuUs: Number(onCpu) / 1000, waitedUs: Number(waiting) / 1000, timeslices: Number(timeslices) };
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc/<task>/stat counts in these ticks on every architecture Node runs on there. */
const USER_HZ = 100;

export interface UserSystemUs {
  userUs: number;
  systemUs: number;
}

/**
 * User and kernel time apart, in µs (/proc/thread-self/stat, counted in 10 ms ticks, so only a stretch of seconds
 * says much): what a thread spends in its own code against what the kernel spends on its socket calls.
 */
export function threadUserSystemUs(): UserSystemUs | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // the thread's name (the second field) sits in parentheses and may hold spaces; utime and stime are the 14th and
    // 15th fields, the 12th and 13th after it
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { userUs: (Number(fields[11]) * 1e6) / USER_HZ, systemUs: (Number(fields[12]) * 1e6) / USER_HZ };
  } catch {
    return undefined;
  }
}

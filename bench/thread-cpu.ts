/**
 * The calling thread's own time on a CPU, user and kernel, in µs (Linux's /proc/thread-self/schedstat, kept in ns).
 * process.cpuUsage() sums every thread of a process, and Node 20 has no per-thread figure, so a relay on a worker
 * thread and a proxy's event loop apart from its ledger writer and V8's helpers can only be told apart this way.
 * Undefined where the kernel does not keep it.
 */
import { readFileSync } from 'node:fs';

export function threadCpuUs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000;
  } catch {
    return undefined;
  }
}

/**
 * How often one core interrupted another to wake a thread there: the rescheduling and function-call interrupts Linux
 * counts in /proc/interrupts, all cores summed. A perf trace of the 1-miner step (docs/SPEED.md, 2026-12-07 late)
 * found nearly all of them to be a thread woken on the core other than its waker's: the kernel queues the wake-up on
 * the target core and interrupts it. On a VM whose idle cores halt, each such wake-up waits for the host to run the
 * halted core again (~50 µs here, against ~8 µs for a wake-up on the waker's own core), so how many a submit pays
 * decides much of its latency. Machine-wide: it speaks for one path only while that path alone carries the load.
 */
import { readFileSync } from 'node:fs';

/** What the two counts are called after their per-core columns, on x86 and on arm64 alike. */
const WAKE_UP_INTERRUPTS = ['Rescheduling interrupts', 'Function call interrupts'];

/**
 * The rescheduling and function-call interrupts of all cores in a /proc/interrupts text, undefined when it lists
 * either not at all (a kernel that does not count them).
 */
export function wakeUpInterrupts(procInterrupts: string): number | undefined {
  const [header, ...lines] = procInterrupts.split('\n');
  const cores =
    header
      ?.trim()
      .split(/\s+/)
      .filter((column) => column.startsWith('CPU')).length ?? 0;
  if (cores === 0) return undefined;
  let total = 0;
  for (const name of WAKE_UP_INTERRUPTS) {
    const line = lines.find((candidate) => candidate.trimEnd().endsWith(name));
    if (line === undefined) return undefined;
    const counts = line
      .slice(line.indexOf(':') + 1)
      .trim()
      .split(/\s+/)
      .slice(0, cores)
      .map(Number);
    if (counts.length < cores || counts.some((count) => !Number.isFinite(count))) return undefined;
    for (const count of counts) total += count;
  }
  return total;
}

/** This machine's count so far; undefined where the kernel does not keep it. */
export function crossCoreWakeUps(): number | undefined {
  try {
    return wakeUpInterrupts(readFileSync('/proc/interrupts', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Small shared helpers for benchmarks: rates, percentiles, memory. */
export function ratePerSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count / ms) * 1000 * 10) / 10 : 0;
}

export function percentile(sortedOrUnsorted: number[], p: number): number {
  if (sortedOrUnsorted.length === 0) return 0;
  const sorted = [...sortedOrUnsorted].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** The middle value (the upper one of an even count): what a benchmark reports of several rounds. */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** CPU ms (user and system, all of this process's threads) of one call of `fn`: the median of `rounds` after a warm-up. */
export function medianCpuMs(fn: () => unknown, rounds = 5): number {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    runs.push((used.user + used.system) / 1000);
  }
  return median(runs);
}

/** Runs fn repeatedly for about `ms` milliseconds; returns operations per second. */
export async function opsPerSecond(fn: () => unknown | Promise<unknown>, ms = 1000): Promise<number> {
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await fn();
    count++;
  }
  return ratePerSecond(count, performance.now() - start);
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

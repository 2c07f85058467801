/**
 * The proxy bench's memory figures: the proxy process's RSS, live heap and young generation as miners connect, per
 * 1,000 of them.
 */
import { round } from './measure';
import { BenchClient, type ProxyProcess } from './proxy-harness';
import type { ProxyMemory } from './proxy-worker';

/** Growth of the proxy process's RSS in MB, and two parts of it (after a full GC each). */
interface MemoryGrowth {
  rss: number;
  /** live JS objects */
  liveHeap: number;
  /** V8's young generation: empty after the GC, but as large as V8 last grew it */
  youngGeneration: number;
}

/** The proxy process's memory as miners connect: once for the first 100, then per 1,000 miners. */
export interface MemoryPer1000 {
  /**
   * MB for the first 100 miners from idle, whole, not per 1,000: mostly what a process grows once whatever the number
   * of miners (V8's young generation, sized for the allocation rate of the burst of their connecting and at most 16 MB
   * with ENGINE_NODE_FLAGS; the pages of the code and of the old generation their first requests touch)
   */
  first100: MemoryGrowth;
  /** per 1,000 miners from 100 to 1,000: what each miner holds, the process's one-time growth behind it */
  per1000From100: MemoryGrowth;
  /** per 1,000 miners from 1,000 to 4,000 */
  eachFurther1000: MemoryGrowth;
  /** from idle to 1,000 miners, the one-time growth included (the figure this bench judged until 2026-12-06) */
  first1000FromIdle: MemoryGrowth;
}

/**
 * The proxy process's memory at idle, 100, 1,000 and 4,000 miners. Until 2026-12-06 the bench judged the growth from
 * idle to the first 1,000, which moved by ±10 MB from run to run with the young generation's one-time growth; with
 * 100 miners as a step, that growth (7 MB of the first 100 miners' 12 with one aggregated channel, in three probes)
 * stays with the first 100, and the per-1,000 figures say what connections cost.
 */
export async function memoryPer1000(proxy: ProxyProcess, withWork: boolean): Promise<MemoryPer1000> {
  const list: BenchClient[] = [];
  const connect = async (count: number) => {
    const batch: BenchClient[] = [];
    for (let i = 0; i < count; i++) batch.push(new BenchClient(proxy.port, `bc1qbench.idle${list.length + i}`, list.length + i));
    list.push(...batch);
    if (withWork) {
      await Promise.all(batch.map((c) => c.whenReady));
      // a share each, so each holds what a mining miner does (its hashing state, the job's sent hashes)
      await Promise.all(batch.filter((c) => !c.refused).map((c) => new Promise<void>((answered) => ((c.onAnswer = answered), c.submit()))));
    } else while (batch.some((c) => !c.authorized && !c.refused)) await new Promise((r) => setTimeout(r, 20));
    return proxy.memory();
  };
  const idle = await proxy.memory();
  const at100 = await connect(100);
  const at1000 = await connect(900);
  for (let i = 0; i < 3; i++) await connect(1000);
  const at4000 = await proxy.memory();
  for (const c of list) c.close();
  const refused = list.filter((c) => c.refused).length;
  if (refused > 0) process.stderr.write(`proxy bench: ${refused} of ${list.length} miners were refused a channel\n`);
  const growth = (from: ProxyMemory, to: ProxyMemory, thousands: number): MemoryGrowth => {
    const mb = (bytes: number) => round(bytes / 1024 / 1024 / thousands, 1);
    return { rss: mb(to.rss - from.rss), liveHeap: mb(to.heapUsed - from.heapUsed), youngGeneration: mb(to.youngGenerationBytes - from.youngGenerationBytes) };
  };
  return {
    first100: growth(idle, at100, 1),
    per1000From100: growth(at100, at1000, 0.9),
    eachFurther1000: growth(at1000, at4000, 3),
    first1000FromIdle: growth(idle, at1000, 1),
  };
}

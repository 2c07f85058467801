/**
 * What a thread's JS heap allocates over a stretch of work, from V8's own figures: before each garbage collection the
 * heap's used size less what the collection before left, and at the end what was added since the last. For the same
 * work it comes out the same run after run (within about 1% for the proxy's submits), where a collection's pause
 * depends on the machine; and what a submit allocates sets how often the young generation is collected, each time
 * copying what is still alive, so it is the garbage collector's share of a submit that a count can show.
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';

export interface HeapAllocation {
  bytes: number;
  /** young-generation collections (scavenges) while measuring */
  youngCollections: number;
  /** the others (mark-compact, in full or started concurrently) */
  fullCollections: number;
}

export class AllocationMeter {
  private profiler: GCProfiler | undefined;
  private usedAtStart = 0;

  start(): void {
    this.profiler?.stop();
    this.profiler = new GCProfiler();
    this.profiler.start();
    this.usedAtStart = getHeapStatistics().used_heap_size;
  }

  stop(): HeapAllocation {
    const usedAtEnd = getHeapStatistics().used_heap_size;
    const profile = this.profiler?.stop();
    this.profiler = undefined;
    if (!profile) throw new Error('the allocation meter was not started');
    let bytes = 0;
    let usedAfterLast = this.usedAtStart;
    let youngCollections = 0;
    for (const collection of profile.statistics) {
      bytes += collection.beforeGC.heapStatistics.usedHeapSize - usedAfterLast;
      usedAfterLast = collection.afterGC.heapStatistics.usedHeapSize;
      if (collection.gcType === 'Scavenge') youngCollections++;
    }
    bytes += usedAtEnd - usedAfterLast;
    return { bytes, youngCollections, fullCollections: profile.statistics.length - youngCollections };
  }
}

/** the meter a bench worker runs between 'allocation-start' and 'allocation-stop' */
const workerMeter = new AllocationMeter();

/**
 * A bench worker's answer to bench/instructions.bench.ts: 'allocation-start' starts its meter (and says so, so that no
 * counted submit comes first), 'allocation-stop' replies with what its heap allocated; other messages are not its own.
 */
export function answerAllocationMessage(message: string, reply: (answer: unknown) => void): void {
  if (message === 'allocation-start') {
    workerMeter.start();
    reply({ allocationStarted: true });
  }
  if (message === 'allocation-stop') reply(workerMeter.stop());
}

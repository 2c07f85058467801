/**
 * Runs one Stratum proxy in its own process for bench/proxy.bench.ts, so its event loop shares a core with
 * neither the pool nor the load generators, and its memory is its own (process RSS, nothing else in it).
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { parseUpstreamUrl } from '../core/api/upstream-url';
import { installPlatformCrypto } from '../lib/platform';
import { silentLogger } from '../lib/log';
import { createProxy } from '../core/stratum/proxy';
import { answerAllocationMessage } from './heap-allocation';
import type { ProxyCpu } from './proxy-harness';
import { threadSchedule, threadUserSystemUs } from './thread-cpu';

export interface ProxyWorkerInput {
  upstreams: string[];
  ledgerPath: string;
  attachTimeoutMs?: number;
  aggregateChannels?: boolean;
}

installPlatformCrypto();
const input = JSON.parse(process.argv[2]!) as ProxyWorkerInput;
const proxy = createProxy({
  stratumHost: '127.0.0.1',
  stratumPort: 0,
  upstreams: input.upstreams.map(parseUpstreamUrl),
  verdictTimeoutMs: 2000,
  ledgerPath: input.ledgerPath,
  lockingPubkey: () => undefined,
  logger: silentLogger,
  // every bench client connects from 127.0.0.1
  limits: { maxConnections: 5000, perAddress: 5000, submitsPerSecond: 1e6, submitBurst: 1e6 },
  nominalHashrate: 1,
  attachTimeoutMs: input.attachTimeoutMs,
  aggregateChannels: input.aggregateChannels,
});
const send = (message: unknown) => process.send!(message);

/**
 * The process's RSS and the live JS heap in it, after a full GC, and the memory V8's young generation holds then:
 * empty, but as large as V8 last grew it for a burst of allocation (it gives it back only seconds after the burst).
 */
export interface ProxyMemory {
  rss: number;
  heapUsed: number;
  youngGenerationBytes: number;
}

/** This process's garbage collections: how many and how long in all (ms), and the longest pause since last asked. */
export interface GcStats {
  count: number;
  totalMs: number;
  longestMs: number;
}
const collections: GcStats = { count: 0, totalMs: 0, longestMs: 0 };
/** Each collection since last asked: when it started (ms since the epoch, comparable across processes) and its pause. */
export type GcPause = [startMs: number, durationMs: number];
let pauses: GcPause[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    collections.count++;
    collections.totalMs += entry.duration;
    collections.longestMs = Math.max(collections.longestMs, entry.duration);
    pauses.push([performance.timeOrigin + entry.startTime, entry.duration]);
  }
}).observe({ entryTypes: ['gc'] });

process.on('message', (message: string) => {
  if (message === 'snapshot') send({ snapshot: proxy.snapshot() });
  if (message === 'memory') {
    global.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    const youngGenerationBytes = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
    send({ rss, heapUsed, youngGenerationBytes } satisfies ProxyMemory);
  }
  // user + system CPU of the whole process (the proxy's thread and the ledger's writer thread), and the system
  // (kernel: socket reads and writes) part of it, in microseconds
  // and how long the proxy's own event loop was busy (ms), the ledger writer's thread not included; and the CPU of
  // the event loop's thread alone (µs, and that as user and kernel time), without the ledger writer's and V8's helper
  // threads, and how long it waited for a core (µs), where the kernel says
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({
      cpuUs: user + system,
      systemUs: system,
      loopBusyMs: performance.eventLoopUtilization().active,
      loopSchedule: threadSchedule(),
      loopThread: threadUserSystemUs(),
    } satisfies ProxyCpu);
  }
  if (message === 'gc') {
    send({ ...collections });
    collections.longestMs = 0;
  }
  if (message === 'gcPauses') {
    send({ pauses });
    pauses = [];
  }
  answerAllocationMessage(message, send);
  if (message === 'stop') void proxy.stop().then(() => send({ stopped: true }));
});

// an orderly exit, so --cpu-prof (BENCH_PROXY_PROF) writes the main thread's profile too
process.on('SIGTERM', () => process.exit(0));

void proxy.start().then(({ port }) => send({ port }));

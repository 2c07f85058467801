/**
 * The proxy bench's latency rounds: each path's percentiles per round and their medians, the proxy's garbage
 * collection and CPU per answered submit in each round, and the 1-miner measurement, run on the paths in turn.
 */
import { median, percentile, round } from './measure';
import { clients, type ProxyCpu, type ProxyProcess, type RelayThread } from './proxy-harness';
import { crossCoreWakeUps } from './cross-core-wakeups';
import type { UserSystemUs } from './thread-cpu';

/**
 * The counted stretch of a measurement: `counting` runs as its counted submits start and `counted` once the last is
 * answered, each awaited (the proxy's CPU is read at both).
 */
export interface Stretch {
  counting(): Promise<unknown>;
  counted(): Promise<unknown>;
}

/** One miner, one submit at a time; the first `warmup` answers (JIT tiering on every path) are not counted. */
export async function sequential(port: number, count: number, warmup: number, stretch?: Stretch): Promise<number[]> {
  const [c] = await clients(port, 1, 'seq');
  await new Promise<void>((done) => {
    let left = warmup + count;
    c!.onAnswer = () => {
      left--;
      if (left === count) void Promise.resolve(stretch?.counting()).then(() => c!.submit());
      else if (left > 0) c!.submit();
      else done();
    };
    c!.submit();
  });
  await stretch?.counted();
  c!.close();
  return c!.latencies.slice(warmup);
}

export interface Percentiles {
  p50: number;
  p99: number;
  samples: number;
}

export function summary(samples: number[]): Percentiles {
  return { p50: round(percentile(samples, 50), 3), p99: round(percentile(samples, 99), 3), samples: samples.length };
}

// five, not three: in a median of three, two slow rounds of one path (seen in runs on 2026-12-05) decided a target
export const LATENCY_ROUNDS = 5;

/** The proxy's garbage collection during one round: how many, their total and the longest pause (ms). */
export interface GcRound {
  collections: number;
  totalMs: number;
  longestMs: number;
}

/** Runs `work` and reports the proxy's garbage collection meanwhile (its pauses set the latency tail). */
export async function withGc<T>(proxy: ProxyProcess, work: () => Promise<T>): Promise<{ result: T; gc: GcRound }> {
  const before = await proxy.gc();
  const result = await work();
  const after = await proxy.gc();
  return { result, gc: { collections: after.count - before.count, totalMs: round(after.totalMs - before.totalMs, 1), longestMs: round(after.longestMs, 1) } };
}

export type PathName = 'direct' | 'relay' | 'proxy';

/**
 * CPU per answered submit in each round (µs): the whole proxy process (its event loop, the ledger writer and V8's
 * helper threads), the proxy's event-loop thread alone, and the relay's thread, which does the same socket reads and
 * writes and nothing else. The thread figures are null where the kernel does not say.
 */
export interface CpuRounds {
  proxyCpuUsPerSubmitRounds: number[];
  proxyLoopThreadUsPerSubmitRounds: Array<number | null>;
  relayThreadUsPerSubmitRounds: Array<number | null>;
}

export function emptyCpuRounds(): CpuRounds {
  return { proxyCpuUsPerSubmitRounds: [], proxyLoopThreadUsPerSubmitRounds: [], relayThreadUsPerSubmitRounds: [] };
}

/** What a count (µs of CPU unless said) grew by per submit between two readings, null when either is missing. */
export function perSubmit(before: number | undefined, after: number | undefined, submits: number, digits = 1): number | null {
  return before === undefined || after === undefined ? null : round((after - before) / Math.max(1, submits), digits);
}

/** µs of user and of kernel time per submit between two readings of a thread, null when either is missing. */
export function userSystemPerSubmit(before: UserSystemUs | undefined, after: UserSystemUs | undefined, submits: number) {
  if (!before || !after) return null;
  return { userUs: perSubmit(before.userUs, after.userUs, submits), systemUs: perSubmit(before.systemUs, after.systemUs, submits) };
}

/** A path's percentiles over its rounds: the median of each. */
function medians(list: Percentiles[]): Percentiles {
  return { p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)), samples: median(list.map((r) => r.samples)) };
}

/**
 * Each path's p50 and p99 are the medians of its rounds (one round's p99 swings 2-10x on a shared machine), and added =
 * path minus direct. The proxy's garbage collection and the CPU per answered submit are listed for each round.
 */
export function compared(rounds: Record<PathName, Percentiles[]>, proxyGcRounds: GcRound[], cpu: CpuRounds) {
  const direct = medians(rounds.direct);
  const relay = medians(rounds.relay);
  const proxy = medians(rounds.proxy);
  return {
    directMs: direct,
    relayMs: relay,
    proxyMs: proxy,
    relayAddedP50Ms: round(relay.p50 - direct.p50),
    relayAddedP99Ms: round(relay.p99 - direct.p99),
    addedP50Ms: round(proxy.p50 - direct.p50),
    addedP99Ms: round(proxy.p99 - direct.p99),
    p99RoundsMs: { direct: rounds.direct.map((r) => r.p99), relay: rounds.relay.map((r) => r.p99), proxy: rounds.proxy.map((r) => r.p99) },
    proxyGcRounds,
    ...cpu,
  };
}
export type Comparison = ReturnType<typeof compared>;

/** The 1-miner step's paths, in the order each round takes them. */
const ONE_MINER_PATHS = ['direct', 'relay', 'stratumFloor', 'stratumFloorWithLedger', 'proxy'] as const;
type OneMinerPath = (typeof ONE_MINER_PATHS)[number];
/** The least a Stratum proxy does, on a thread of the bench's: alone, and keeping the proxy's share ledger. */
const FLOORS = ['stratumFloor', 'stratumFloorWithLedger'] as const;
export type Floors = Record<(typeof FLOORS)[number], RelayThread>;

/**
 * The same load direct, through the bare relay, through the least a Stratum proxy does (bench/stratum-floor.ts), that
 * least keeping the proxy's share ledger, and through the proxy, in turn, LATENCY_ROUNDS times. The floor says what any
 * Stratum proxy adds on this machine, where a target is in milliseconds rather than against the relay; with the ledger,
 * what keeping it adds to that (its writer thread's batches move where the machine's wake-ups land: docs/SPEED.md,
 * 2026-12-08). The proxy's garbage collection is counted from its round's start (its miner connecting and the warm-up
 * included). Each path's wake-ups of a thread on another core per submit (bench/cross-core-wakeups.ts) show how much of
 * its latency is the machine waking cores rather than work.
 */
export async function inTurn(
  measure: (port: number, stretch?: Stretch) => Promise<number[]>,
  ports: Record<PathName | keyof Floors, number>,
  proxyProcess: ProxyProcess,
  relay: RelayThread,
  floors: Floors,
) {
  const rounds: Record<PathName, Percentiles[]> = { direct: [], relay: [], proxy: [] };
  const floorRounds = Object.fromEntries(FLOORS.map((floor) => [floor, [] as Percentiles[]])) as Record<keyof Floors, Percentiles[]>;
  const floorThreadUsPerSubmitRounds = Object.fromEntries(FLOORS.map((floor) => [floor, [] as Array<number | null>])) as Record<keyof Floors, Array<number | null>>;
  const proxyGcRounds: GcRound[] = [];
  const cpuRounds = emptyCpuRounds();
  const wakeUpRounds = Object.fromEntries(ONE_MINER_PATHS.map((path) => [path, [] as Array<number | null>])) as Record<OneMinerPath, Array<number | null>>;
  for (let i = 0; i < LATENCY_ROUNDS; i++) {
    const direct = await withWakeUps(measure, ports.direct);
    rounds.direct.push(summary(direct.latencies));
    wakeUpRounds.direct.push(direct.wakeUpsPerSubmit);
    const relayed = await onThread(measure, ports.relay, relay);
    rounds.relay.push(summary(relayed.latencies));
    cpuRounds.relayThreadUsPerSubmitRounds.push(relayed.usPerSubmit);
    wakeUpRounds.relay.push(relayed.wakeUpsPerSubmit);
    for (const floor of FLOORS) {
      const floored = await onThread(measure, ports[floor], floors[floor]);
      floorRounds[floor].push(summary(floored.latencies));
      floorThreadUsPerSubmitRounds[floor].push(floored.usPerSubmit);
      wakeUpRounds[floor].push(floored.wakeUpsPerSubmit);
    }
    const cpu: ProxyCpu[] = [];
    const read = async () => cpu.push(await proxyProcess.cpu());
    const proxied = await withGc(proxyProcess, () => withWakeUps(measure, ports.proxy, read));
    rounds.proxy.push(summary(proxied.result.latencies));
    wakeUpRounds.proxy.push(proxied.result.wakeUpsPerSubmit);
    proxyGcRounds.push(proxied.gc);
    const submits = proxied.result.latencies.length;
    cpuRounds.proxyCpuUsPerSubmitRounds.push(perSubmit(cpu[0]!.cpuUs, cpu[1]!.cpuUs, submits)!);
    cpuRounds.proxyLoopThreadUsPerSubmitRounds.push(perSubmit(cpu[0]!.loopSchedule?.cpuUs, cpu[1]!.loopSchedule?.cpuUs, submits));
  }
  const comparison = compared(rounds, proxyGcRounds, cpuRounds);
  const floor = medians(floorRounds.stratumFloor);
  const withLedger = medians(floorRounds.stratumFloorWithLedger);
  return {
    ...comparison,
    stratumFloorMs: floor,
    stratumFloorAddedP50Ms: round(floor.p50 - comparison.directMs.p50),
    stratumFloorAddedP99Ms: round(floor.p99 - comparison.directMs.p99),
    stratumFloorWithLedgerMs: withLedger,
    stratumFloorWithLedgerAddedP50Ms: round(withLedger.p50 - comparison.directMs.p50),
    stratumFloorWithLedgerAddedP99Ms: round(withLedger.p99 - comparison.directMs.p99),
    p99RoundsMs: {
      ...comparison.p99RoundsMs,
      stratumFloor: floorRounds.stratumFloor.map((r) => r.p99),
      stratumFloorWithLedger: floorRounds.stratumFloorWithLedger.map((r) => r.p99),
    },
    stratumFloorThreadUsPerSubmitRounds: floorThreadUsPerSubmitRounds.stratumFloor,
    stratumFloorWithLedgerThreadUsPerSubmitRounds: floorThreadUsPerSubmitRounds.stratumFloorWithLedger,
    crossCoreWakeUpsPerSubmit: Object.fromEntries(ONE_MINER_PATHS.map((path) => [path, medianOrNull(wakeUpRounds[path])])) as Record<OneMinerPath, number | null>,
    crossCoreWakeUpsPerSubmitRounds: wakeUpRounds,
  };
}

/** The median of the rounds that have a figure; null when none has (a kernel that does not count wake-ups). */
function medianOrNull(values: Array<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : median(known);
}

/**
 * `measure` on one path with the machine's cross-core wake-ups per answered submit over its counted stretch (null
 * where the kernel does not count them), `read` run at both ends of the stretch too.
 */
async function withWakeUps(measure: (port: number, stretch?: Stretch) => Promise<number[]>, port: number, read?: () => Promise<unknown>) {
  const wakeUps: Array<number | undefined> = [];
  const mark = async () => {
    await read?.();
    wakeUps.push(crossCoreWakeUps());
  };
  const latencies = await measure(port, { counting: mark, counted: mark });
  return { latencies, wakeUpsPerSubmit: perSubmit(wakeUps[0], wakeUps[1], latencies.length, 2) };
}

/** `measure` on a path served by `thread`, with the thread's CPU per answered submit (null where the kernel does not say). */
async function onThread(measure: (port: number, stretch?: Stretch) => Promise<number[]>, port: number, thread: RelayThread) {
  const cpu: Array<number | undefined> = [];
  const measured = await withWakeUps(measure, port, async () => cpu.push((await thread.cpu()).schedule?.cpuUs));
  return { ...measured, usPerSubmit: perSubmit(cpu[0], cpu[1], measured.latencies.length) };
}

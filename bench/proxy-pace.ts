/**
 * What a submit costs the proxy's event loop at a fleet's pace and at five times it, against the relay's thread and
 * against the least a Stratum proxy does (bench/stratum-floor.ts): the same 1,000 miners on each path, their
 * submits evenly spaced. At 1,000 shares/s each submit finds the loop idle for most of a millisecond, its core used
 * meanwhile by the pool, the load generator and the other paths; at 5,000/s the loop is hardly ever idle. The difference
 * between the two goes with the pace: most likely what a submit pays for a core whose caches others have used since the
 * last one, which the relay's far smaller path pays too, far less of (no cache counters here to show it; probes ruled
 * out the number of connections and of wake-ups, docs/SPEED.md). The floor splits what the proxy adds to the relay's
 * cost into what reading and writing Stratum at all costs on Node and what the proxy does beyond that.
 */
import { crossCoreWakeUps } from './cross-core-wakeups';
import { type BenchClient, clients, type ProxyProcess, RelayThread } from './proxy-harness';
import { perSubmit, userSystemPerSubmit } from './proxy-latency';
import type { UserSystemUs } from './thread-cpu';

const PACES = [1000, 5000];
const ROUNDS = 3;
const ROUND_MS = 5000;

/** Sends `perSecond` submits for `ms`, one every 1000/perSecond ms by the clock, from the miners in turn. */
async function evenly(miners: BenchClient[], perSecond: number, ms: number): Promise<void> {
  const until = performance.now() + ms;
  let due = performance.now();
  let next = 0;
  while (performance.now() < until) {
    for (; due <= performance.now(); due += 1000 / perSecond) miners[next++ % miners.length]!.submit();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const answeredBy = (miners: BenchClient[]) => miners.reduce((sum, miner) => sum + miner.answered, 0);

/** One thread's readings: its user and kernel time, and its timeslices (undefined where the kernel does not keep them). */
interface ThreadReading {
  time: UserSystemUs | undefined;
  timeslices: number | undefined;
}

const PATH_NAMES = ['proxyLoopThread', 'relayThread', 'stratumFloorThread'] as const;
type PathName = (typeof PATH_NAMES)[number];

interface PacedPath {
  miners: BenchClient[];
  read: () => Promise<ThreadReading>;
}

interface RoundCost {
  submits: number;
  userUs: number | null;
  systemUs: number | null;
  timeslicesPerSubmit: number | null;
  /** the whole machine's (bench/cross-core-wakeups.ts), while this path alone carried submits */
  crossCoreWakeUpsPerSubmit: number | null;
}

/** A thread on the relay's model (its CPU read the same way) as a paced path. */
async function threadPath(thread: RelayThread, tag: string): Promise<PacedPath> {
  return {
    miners: await clients(thread.port, 1000, tag),
    read: async () => {
      const cpu = await thread.cpu();
      return { time: cpu.thread, timeslices: cpu.schedule?.timeslices };
    },
  };
}

/**
 * Per pace, the median round's µs per answered submit for each thread: user and kernel time, the timeslices (each
 * wake-up, and each return after a preemption), and the machine's wake-ups of a thread on another core. The paths:
 * the proxy's loop, the bare relay's thread, and the least a Stratum proxy does (bench/stratum-floor.ts) on a thread
 * of its own; rounds take them in turn. Null figures where the kernel does not keep them.
 */
export async function costByPace(ports: { relay: number; proxy: number }, proxy: ProxyProcess, relay: RelayThread, stratumFloor: RelayThread) {
  const paths: Record<PathName, PacedPath> = {
    proxyLoopThread: {
      miners: await clients(ports.proxy, 1000, 'vp'),
      read: async () => {
        const cpu = await proxy.cpu();
        return { time: cpu.loopThread, timeslices: cpu.loopSchedule?.timeslices };
      },
    },
    relayThread: await threadPath(relay, 'vr'),
    stratumFloorThread: await threadPath(stratumFloor, 'vf'),
  };
  // the 1-miner rounds and the open loops before this warmed the three paths' code; each path's connections for a
  // second first
  for (const path of Object.values(paths)) await evenly(path.miners, PACES[0]!, 1000);
  const byPace: Record<string, unknown> = {};
  for (const perSecond of PACES) {
    const rounds: Record<PathName, RoundCost[]> = { proxyLoopThread: [], relayThread: [], stratumFloorThread: [] };
    for (let i = 0; i < ROUNDS; i++) for (const name of PATH_NAMES) rounds[name].push(await pacedRound(paths[name], perSecond));
    const median = Object.fromEntries(PATH_NAMES.map((name) => [name, medianRound(rounds[name])]));
    byPace[`sharesPerSecond${perSecond}`] = { ...median, rounds };
  }
  for (const path of Object.values(paths)) for (const miner of path.miners) miner.close();
  return { miners: 1000, roundMs: ROUND_MS, ...byPace };
}

async function pacedRound(path: PacedPath, perSecond: number): Promise<RoundCost> {
  const from = await path.read();
  const wakeUpsFrom = crossCoreWakeUps();
  const answeredFrom = answeredBy(path.miners);
  await evenly(path.miners, perSecond, ROUND_MS);
  // the last answers arrive before the reading
  await new Promise((resolve) => setTimeout(resolve, 200));
  const wakeUpsTo = crossCoreWakeUps();
  const to = await path.read();
  const submits = answeredBy(path.miners) - answeredFrom;
  const time = userSystemPerSubmit(from.time, to.time, submits);
  return {
    submits,
    userUs: time?.userUs ?? null,
    systemUs: time?.systemUs ?? null,
    timeslicesPerSubmit: perSubmit(from.timeslices, to.timeslices, submits, 2),
    crossCoreWakeUpsPerSubmit: perSubmit(wakeUpsFrom, wakeUpsTo, submits, 2),
  };
}

/** The round with the median user time. */
function medianRound(rounds: RoundCost[]): RoundCost {
  return [...rounds].sort((a, b) => (a.userUs ?? 0) - (b.userUs ?? 0))[Math.floor(rounds.length / 2)]!;
}

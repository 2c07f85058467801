/**
 * The proxy bench's open loops: n miners on each path sharing a fleet's rate of submits, the paths taking turns in
 * short slices or all at once, with what decides each round's tail (stalls, the proxy's garbage collection) and the
 * twin relay that says whether the run can tell 1.2x apart.
 */
import { median, percentile, round } from './measure';
import { clients, type PoolThread, type ProxyProcess, type RelayThread } from './proxy-harness';
import type { GcPause } from './proxy-worker';
import { type Comparison, compared, emptyCpuRounds, type GcRound, LATENCY_ROUNDS, type PathName, type Percentiles, perSubmit, summary, userSystemPerSubmit, withGc } from './proxy-latency';

/**
 * When the submits of an open loop go out, at `perSecond` on average either way:
 * - `independent`: each miner finds its shares at random moments, so a fleet's submits arrive as a Poisson process.
 *   Each submit's moment is drawn ahead (exponential gaps) and it is sent on the first timer turn at or after it
 *   (Node's timers fire ~1 ms apart), so two or three go out together only as often as chance puts them together.
 * - `bursts`: five at the same instant every 5 ms, so each waits for the four sent with it in every process on the
 *   way. Harder than a fleet makes it; the bench used only this until 2026-12-05.
 * Both keep to the rate by the clock: a late timer sends what came due meanwhile.
 */
const ARRIVALS = {
  independent: { submitsAtOnce: 1, timerMs: 1, nextGapMs: (perSecond: number) => (-Math.log(1 - Math.random()) * 1000) / perSecond },
  bursts: { submitsAtOnce: 5, timerMs: 5, nextGapMs: (perSecond: number) => (5 * 1000) / perSecond },
};
export type Arrivals = keyof typeof ARRIVALS;

/**
 * The open loops add a second bare relay on a thread of its own, the same code as the first: the run's own noise
 * floor. Three identical relays measured side by side came out 2.2-6.5x apart in their p99 (three probes on
 * 2026-12-06), so the proxy's p99 within 1.2x of the relay's or not means something only in a run where the twin's is.
 */
type OpenLoopPath = PathName | 'relayTwin';
const OPEN_LOOP_PATHS: readonly OpenLoopPath[] = ['direct', 'relay', 'relayTwin', 'proxy'];

/** The submits answered over a path's rounds. */
function answered(rounds: Percentiles[]): number {
  return rounds.reduce((sum, r) => sum + r.samples, 0);
}

/** The indexes of the slowest 1% of `latencies` (at least one), slowest first. */
function slowestOnePercent(latencies: number[]): number[] {
  const order = latencies.map((_, i) => i).sort((a, b) => latencies[b]! - latencies[a]!);
  return order.slice(0, Math.max(1, Math.floor(order.length / 100)));
}

/** Which of a path's submits were in flight during one of the proxy's garbage-collection pauses, among its slowest 1%. */
function duringGc(samples: { latencies: number[]; sentAt: number[] }, pauses: GcPause[]): { slowest: number; slowestDuringGc: number; p99OutsideGc: number } {
  const inPause = samples.latencies.map((latency, i) => {
    const sent = samples.sentAt[i]!;
    return pauses.some(([start, ms]) => start < sent + latency && start + ms > sent);
  });
  const slowest = slowestOnePercent(samples.latencies);
  const outside = samples.latencies.filter((_, i) => !inPause[i]);
  return { slowest: slowest.length, slowestDuringGc: slowest.filter((i) => inPause[i]).length, p99OutsideGc: round(percentile(outside, 99), 3) };
}

/**
 * How many separate stalls a path's slowest 1% in a round came from: submits in flight at the same time (or within
 * 1 ms of each other) count as one. A round's p99 is its ~30th slowest submit, so one stall that holds up 30 submits
 * (30 ms at 1,000 shares/s) decides it alone; in probe runs on 2026-12-06 the slowest 1% came from 1-11 stalls a round.
 */
function stallsAmongSlowest(samples: { latencies: number[]; sentAt: number[] }): number {
  const slowest = slowestOnePercent(samples.latencies).sort((a, b) => samples.sentAt[a]! - samples.sentAt[b]!);
  let stalls = 0;
  let end = -Infinity;
  for (const i of slowest) {
    const sent = samples.sentAt[i]!;
    if (sent > end + 1) stalls++;
    end = Math.max(end, sent + samples.latencies[i]!);
  }
  return stalls;
}

/**
 * How the paths share the machine in an open loop. Either way each path gets 3 s of its fleet's rate a round and one
 * new job from the pool in all its rounds.
 * - `inTurns`: slices of SLICE_MS, each on one path, 15 per path in each of LATENCY_ROUNDS rounds, each turn of the
 *   four paths in an order drawn at random. This machine stalls every path now and then for 20-550 ms; measured one
 *   path after another in 3 s rounds, a stall fell on whichever path's round it hit (the relay's own added p99 ranged
 *   from -7.5 to 32 ms across runs), and taking turns every SLICE_MS a stall falls on the four paths alike. A fixed
 *   rotation put the pool's new job (every 30 s on its own timer then) on the same path's slices run after run. But
 *   each path then idles three quarters of the time, which a fleet's shares never let a proxy do, and V8's memory
 *   reducer reads the proxy's idle turns as a quiet engine: three full collections of 6-16 ms within 1.3 s in a probe
 *   on 2026-12-06, most of what separated the proxy's p99 from the relay's (docs/SPEED.md).
 * - `together`: the four paths at once, each at its fleet's rate, in TOGETHER_ROUNDS rounds of 3 s (the same minute
 *   of wall time as in turns): the load a fleet keeps up, and a stall falls on the four paths at the same moment. The
 *   pool and the load generator then carry four fleets, which raises every path's tail, the direct one's too.
 */
export type Arrangement = 'inTurns' | 'together';
const SLICE_MS = 200;
const SLICES_PER_PATH_PER_ROUND = 15;
const TOGETHER_ROUNDS = 20;
const TOGETHER_ROUND_MS = SLICE_MS * SLICES_PER_PATH_PER_ROUND;

function* slicesInRandomTurns(): Generator<OpenLoopPath> {
  for (;;) {
    const turn = [...OPEN_LOOP_PATHS];
    for (let i = turn.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [turn[i], turn[j]] = [turn[j]!, turn[i]!];
    }
    yield* turn;
  }
}

/**
 * n miners on each path, all connected throughout, those of each path sharing `perSecond` submits, the paths taking
 * turns or together (Arrangement). First `warmupMs` on each path, not counted. The proxy's and the relay's CPU per
 * answered submit cover their rounds' whole time, in turns the other paths' slices included (idle turns, and the
 * pool's new jobs, which both pass on to their miners).
 */
export async function openLoop(
  ports: Record<OpenLoopPath, number>,
  n: number,
  perSecond: number,
  arrivals: Arrivals,
  arrangement: Arrangement,
  warmupMs: number,
  proxyProcess: ProxyProcess,
  relay: RelayThread,
  pool: PoolThread,
) {
  const miners = {
    direct: await clients(ports.direct, n, `d${n}-`),
    relay: await clients(ports.relay, n, `r${n}-`),
    relayTwin: await clients(ports.relayTwin, n, `t${n}-`),
    proxy: await clients(ports.proxy, n, `p${n}-`),
  };
  const { submitsAtOnce, timerMs, nextGapMs } = ARRIVALS[arrivals];
  const sent: Record<OpenLoopPath, number> = { direct: 0, relay: 0, relayTwin: 0, proxy: 0 };
  // each path's next submit; a path back from idle turns starts from now, not with the submits it was not driven for
  const due: Record<OpenLoopPath, number> = { direct: 0, relay: 0, relayTwin: 0, proxy: 0 };
  const drive = async (paths: readonly OpenLoopPath[], ms: number) => {
    const until = performance.now() + ms;
    for (const path of paths) due[path] = Math.max(due[path], performance.now());
    while (performance.now() < until) {
      const now = performance.now();
      for (const path of paths) {
        for (; due[path] <= now; due[path] += nextGapMs(perSecond)) {
          for (let i = 0; i < submitsAtOnce; i++) miners[path][sent[path]++ % n]!.submit();
        }
      }
      await new Promise((r) => setTimeout(r, timerMs));
    }
  };
  const take = (path: OpenLoopPath) => ({ latencies: miners[path].flatMap((c) => c.latencies.splice(0)), sentAt: miners[path].flatMap((c) => c.sentAt.splice(0)) });

  const schedule = arrangement === 'together' ? together(drive, pool) : inTurns(drive, pool);
  await schedule.warmUp(warmupMs);
  await new Promise((r) => setTimeout(r, 300));
  for (const path of OPEN_LOOP_PATHS) take(path);
  await proxyProcess.gcPauses();

  const rounds: Record<OpenLoopPath, Percentiles[]> = { direct: [], relay: [], relayTwin: [], proxy: [] };
  const proxyGcRounds: GcRound[] = [];
  const cpuRounds = emptyCpuRounds();
  const slowestDuringGcRounds: string[] = [];
  const p99OutsideGcRounds: number[] = [];
  const threadsFrom = { proxy: await proxyProcess.cpu(), relay: await relay.cpu() };
  const stallsRounds: Record<'relay' | 'relayTwin' | 'proxy', number[]> = { relay: [], relayTwin: [], proxy: [] };
  for (let r = 0; r < schedule.rounds; r++) {
    const cpuBefore = await proxyProcess.cpu();
    const relayBefore = (await relay.cpu()).schedule?.cpuUs;
    const { gc } = await withGc(proxyProcess, async () => {
      await schedule.round(r);
      // the last answers of the window, counted with its last round
      if (r === schedule.rounds - 1) await new Promise((done) => setTimeout(done, 300));
    });
    const cpuAfter = await proxyProcess.cpu();
    const relayAfter = (await relay.cpu()).schedule?.cpuUs;
    const samples = { direct: take('direct'), relay: take('relay'), relayTwin: take('relayTwin'), proxy: take('proxy') };
    for (const path of OPEN_LOOP_PATHS) rounds[path].push(summary(samples[path].latencies));
    for (const path of ['relay', 'relayTwin', 'proxy'] as const) stallsRounds[path].push(stallsAmongSlowest(samples[path]));
    proxyGcRounds.push(gc);
    cpuRounds.proxyCpuUsPerSubmitRounds.push(perSubmit(cpuBefore.cpuUs, cpuAfter.cpuUs, samples.proxy.latencies.length)!);
    cpuRounds.proxyLoopThreadUsPerSubmitRounds.push(perSubmit(cpuBefore.loopSchedule?.cpuUs, cpuAfter.loopSchedule?.cpuUs, samples.proxy.latencies.length));
    cpuRounds.relayThreadUsPerSubmitRounds.push(perSubmit(relayBefore, relayAfter, samples.relay.latencies.length));
    const byGc = duringGc(samples.proxy, await proxyProcess.gcPauses());
    slowestDuringGcRounds.push(`${byGc.slowestDuringGc}/${byGc.slowest}`);
    p99OutsideGcRounds.push(byGc.p99OutsideGc);
  }
  const threadsTo = { proxy: await proxyProcess.cpu(), relay: await relay.cpu() };
  for (const path of OPEN_LOOP_PATHS) for (const c of miners[path]) c.close();
  const comparison = compared(rounds, proxyGcRounds, cpuRounds);
  return {
    arrangement,
    sliceMs: schedule.sliceMs,
    ...comparison,
    addedP99OverRelayRoundByRound: roundByRound(rounds.proxy, rounds),
    twin: twinCheck(rounds.relayTwin, comparison, rounds),
    // how much of the proxy's tail its own garbage collection makes: of its slowest 1% a round, how many were in
    // flight during one of its pauses, and its p99 over the submits that were not (median of rounds)
    proxySlowestDuringItsGcRounds: slowestDuringGcRounds,
    proxyP99OutsideItsGcMs: median(p99OutsideGcRounds),
    proxyP99OutsideItsGcRoundsMs: p99OutsideGcRounds,
    // the proxy's event-loop thread and the relay's thread per answered submit over all the rounds, user and kernel
    // time apart: the kernel's part is their socket calls, the user part the code around them
    userSystemUsPerSubmit: {
      proxyLoopThread: userSystemPerSubmit(threadsFrom.proxy.loopThread, threadsTo.proxy.loopThread, answered(rounds.proxy)),
      relayThread: userSystemPerSubmit(threadsFrom.relay.thread, threadsTo.relay.thread, answered(rounds.relay)),
    },
    // how long each of those threads was ready to run and waited for a core, per answered submit over the rounds:
    // what the machine's other threads and processes cost it
    waitedForCoreUsPerSubmit: {
      proxyLoopThread: perSubmit(threadsFrom.proxy.loopSchedule?.waitedUs, threadsTo.proxy.loopSchedule?.waitedUs, answered(rounds.proxy)),
      relayThread: perSubmit(threadsFrom.relay.schedule?.waitedUs, threadsTo.relay.schedule?.waitedUs, answered(rounds.relay)),
    },
    // how many separate stalls each round's slowest 1% came from (stallsAmongSlowest)
    stallsAmongSlowest1PercentRounds: stallsRounds,
    // when the pool's new jobs came (Schedule.jobPushes)
    jobPushes: schedule.jobPushes,
  };
}

type Drive = (paths: readonly OpenLoopPath[], ms: number) => Promise<void>;

/** Where a path's one new job came in turns: the round, and the slice among that path's in the round. */
type PushInTurns = { round: number; slice: number };
/** Where the one new job came with the paths together: the round, and ms into it. */
type PushTogether = { round: number; atMs: number };

/**
 * An arrangement's warm-up (`ms` on each path, not counted) and rounds, the length of a turn where the paths take
 * turns, and when in the rounds the pool pushed its new jobs.
 */
interface Schedule {
  warmUp(ms: number): Promise<void>;
  sliceMs: number | null;
  rounds: number;
  round(r: number): Promise<void>;
  jobPushes: Record<OpenLoopPath, PushInTurns> | PushTogether;
}

/**
 * The pool's new jobs in turns: one per path, at the start of one of its slices drawn at random, so each path counts
 * one. A new job reaches all 4,000 connections at once: the pool writes 4,000 notifies, the relays and the proxy each
 * pass 1,000 on (14-21 ms of their threads, jobPushCost) and the load generator reads 4,000, while the submits of the
 * path driven then wait. With the pool's own 30 s timer, the two or three of an open loop fell on whichever paths'
 * slices they hit: a path that drew one had one in a 3 s round of its submits, ten times a fleet's rate. In a probe run
 * on 2026-12-06 with the timer, two of the proxy's five rounds at 1,000 miners had a p99 of 72 and 88 ms; in three
 * without it, none of fifteen went over 25 ms.
 */
function inTurns(drive: Drive, pool: PoolThread): Schedule {
  const draw = () => ({ round: Math.floor(Math.random() * LATENCY_ROUNDS), slice: Math.floor(Math.random() * SLICES_PER_PATH_PER_ROUND) });
  const pushes: Record<OpenLoopPath, PushInTurns> = { direct: draw(), relay: draw(), relayTwin: draw(), proxy: draw() };
  const slices = slicesInRandomTurns();
  return {
    async warmUp(ms) {
      for (const path of OPEN_LOOP_PATHS) await drive([path], ms);
    },
    sliceMs: SLICE_MS,
    rounds: LATENCY_ROUNDS,
    jobPushes: pushes,
    async round(r) {
      const slicesOf: Record<OpenLoopPath, number> = { direct: 0, relay: 0, relayTwin: 0, proxy: 0 };
      for (let k = 0; k < SLICES_PER_PATH_PER_ROUND * OPEN_LOOP_PATHS.length; k++) {
        const path: OpenLoopPath = slices.next().value!;
        if (pushes[path].round === r && pushes[path].slice === slicesOf[path]++) await pool.refreshTemplate();
        await drive([path], SLICE_MS);
      }
    },
  };
}

/** Together: one new job at a moment drawn at random, which every path counts, as a fleet's miners all get it. */
function together(drive: Drive, pool: PoolThread): Schedule {
  const push: PushTogether = { round: Math.floor(Math.random() * TOGETHER_ROUNDS), atMs: Math.floor(Math.random() * TOGETHER_ROUND_MS) };
  return {
    warmUp: (ms) => drive(OPEN_LOOP_PATHS, ms),
    sliceMs: null,
    rounds: TOGETHER_ROUNDS,
    jobPushes: push,
    async round(r) {
      if (r !== push.round) return drive(OPEN_LOOP_PATHS, TOGETHER_ROUND_MS);
      await drive(OPEN_LOOP_PATHS, push.atMs);
      await pool.refreshTemplate();
      await drive(OPEN_LOOP_PATHS, TOGETHER_ROUND_MS - push.atMs);
    },
  };
}

/**
 * The twin relay against the relay, as the proxy is judged against it: twin over relay in added p99 (and in p99, which
 * a direct path slower than the relays' does not turn negative). `resolves1_2x`: the two identical relays came within
 * 1.2x of each other both ways, so this run can tell a 1.2x difference in p99 apart at all.
 */
function twinCheck(twinRounds: Percentiles[], comparison: Comparison, rounds: Record<OpenLoopPath, Percentiles[]>) {
  const twinP99 = median(twinRounds.map((r) => r.p99));
  const relayAdded = comparison.relayAddedP99Ms;
  const twinAdded = twinP99 - comparison.directMs.p99;
  const within = (a: number, b: number) => a > 0 && b > 0 && a <= 1.2 * b && b <= 1.2 * a;
  return {
    relayTwinMs: { p50: median(twinRounds.map((r) => r.p50)), p99: twinP99 },
    relayTwinAddedP99Ms: round(twinAdded),
    twinOverRelayAddedP99: round(twinAdded / relayAdded, 2),
    twinOverRelayP99: round(twinP99 / comparison.relayMs.p99, 2),
    twinOverRelayAddedP99RoundByRound: roundByRound(twinRounds, rounds),
    relayTwinP99RoundsMs: twinRounds.map((r) => r.p99),
    resolves1_2x: within(twinAdded, relayAdded),
  };
}

/**
 * A path's added p99 over the relay's, paired by round: each round's p99 less the direct path's in the same round, the
 * median of those, over the relay's. A stall lifts every path of a round together, so taking the difference within
 * the round takes most of it out, where the median rounds of two paths may come from different rounds.
 */
function roundByRound(pathRounds: Percentiles[], rounds: Record<OpenLoopPath, Percentiles[]>): number | null {
  const added = (list: Percentiles[]) => median(list.map((r, i) => r.p99 - rounds.direct[i]!.p99));
  const relayAdded = added(rounds.relay);
  return relayAdded > 0 ? round(added(pathRounds) / relayAdded, 2) : null;
}

/**
 * What a submit costs the proxy's event loop at a fleet's pace and at five times it, against the relay's thread: the
 * same 1,000 miners on each path, their submits evenly spaced. At 1,000 shares/s each submit finds the loop idle for
 * most of a millisecond, its core used meanwhile by the pool, the load generator and the other paths; at 5,000/s the
 * loop is hardly ever idle. The difference between the two is what a submit pays for a core whose caches others have
 * used since the last one, which the relay's far smaller path pays too, far less of.
 */
import { round } from './measure';
import { type BenchClient, clients, type ProxyProcess, type RelayThread } from './proxy-harness';
import { userSystemPerSubmit } from './proxy-latency';

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

/**
 * Per pace, the median round's µs per answered submit for each thread: user and kernel time, and the timeslices (each
 * wake-up, and each return after a preemption). Rounds alternate proxy and relay. Null figures where the kernel does
 * not keep them.
 */
export async function costByPace(ports: { relay: number; proxy: number }, proxy: ProxyProcess, relay: RelayThread) {
  const miners = { proxy: await clients(ports.proxy, 1000, 'vp'), relay: await clients(ports.relay, 1000, 'vr') };
  // the open loops before this warmed both paths' code; these connections warm up with a second each
  for (const path of [miners.proxy, miners.relay]) await evenly(path, PACES[0]!, 1000);
  const byPace: Record<string, unknown> = {};
  for (const perSecond of PACES) {
    const rounds: { proxy: Array<ReturnType<typeof costs>>; relay: Array<ReturnType<typeof costs>> } = { proxy: [], relay: [] };
    for (let i = 0; i < ROUNDS; i++) {
      const proxyFrom = await proxy.cpu();
      const proxyAnsweredFrom = answeredBy(miners.proxy);
      await evenly(miners.proxy, perSecond, ROUND_MS);
      // the last answers arrive before the reading
      await new Promise((resolve) => setTimeout(resolve, 200));
      const proxyTo = await proxy.cpu();
      rounds.proxy.push(costs(proxyFrom.loopThread, proxyTo.loopThread, proxyFrom.loopSchedule?.timeslices, proxyTo.loopSchedule?.timeslices, answeredBy(miners.proxy) - proxyAnsweredFrom));
      const relayFrom = await relay.cpu();
      const relayAnsweredFrom = answeredBy(miners.relay);
      await evenly(miners.relay, perSecond, ROUND_MS);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const relayTo = await relay.cpu();
      rounds.relay.push(costs(relayFrom.thread, relayTo.thread, relayFrom.schedule?.timeslices, relayTo.schedule?.timeslices, answeredBy(miners.relay) - relayAnsweredFrom));
    }
    byPace[`sharesPerSecond${perSecond}`] = { proxyLoopThread: medianRound(rounds.proxy), relayThread: medianRound(rounds.relay), proxyRounds: rounds.proxy, relayRounds: rounds.relay };
  }
  for (const miner of [...miners.proxy, ...miners.relay]) miner.close();
  return { miners: 1000, roundMs: ROUND_MS, ...byPace };
}

function costs(from: Parameters<typeof userSystemPerSubmit>[0], to: Parameters<typeof userSystemPerSubmit>[1], slicesFrom: number | undefined, slicesTo: number | undefined, submits: number) {
  const time = userSystemPerSubmit(from, to, submits);
  const timeslices = slicesFrom === undefined || slicesTo === undefined ? null : round((slicesTo - slicesFrom) / Math.max(1, submits), 2);
  return { submits, userUs: time?.userUs ?? null, systemUs: time?.systemUs ?? null, timeslicesPerSubmit: timeslices };
}

/** The round with the median user time. */
function medianRound<T extends { userUs: number | null }>(rounds: T[]): T {
  return [...rounds].sort((a, b) => (a.userUs ?? 0) - (b.userUs ?? 0))[Math.floor(rounds.length / 2)]!;
}

/**
 * The proxy's tail targets judged over several runs of the proxy bench at once. One run's p99 swings 2-10x between
 * rounds on a shared machine, and its twin relay (the same code as the relay) came out up to 2.45x apart from the relay
 * in a single run, so one run cannot tell 1.2x from 1.5x. Pooled, the rounds of all runs give one figure for each path,
 * read both ways one run reads it: the median round's p99 less the direct path's median round (`medianRounds`, what a
 * run's met flags use), and the median over the rounds of each round's p99 less the direct path's in that round
 * (`byRound`, the run's "paired by round"). They can differ by as much as the target's margin, so a target is judged
 * on both. Resampling whole runs (a run's rounds share that hour's machine) gives the range each could have come out
 * in: the 2.5th to 97.5th percentile over the resamples. A target is met when both ranges are within it, missed when
 * both lie beyond it, and otherwise more runs are needed. The twin relay, judged against the relay the same way, shows
 * what agreeing looks like.
 */
import { seededRandom } from '../test/seeded-random';
import { median, round } from './measure';

/** One run's rounds of one comparison: each path's p99 in each round (ms), rounds in the order run. */
export interface RunRounds {
  direct: number[];
  relay: number[];
  proxy: number[];
  /** the second bare relay, where the comparison ran one (the open loops) */
  relayTwin?: number[];
  /** the least a Stratum proxy does, where the comparison ran it (1 miner, since the runs of 2026-12-07 evening) */
  stratumFloor?: number[];
}

type AddedPath = 'relay' | 'proxy' | 'relayTwin' | 'stratumFloor';

/** How a path's p99 is set against the direct path's: median rounds apart, or round by round. */
export type Pairing = 'medianRounds' | 'byRound';

export interface Range {
  /** over all the runs' rounds */
  estimate: number;
  /** 2.5th and 97.5th percentile over resamples of the runs */
  low: number;
  high: number;
}

/** Met: the whole range within the bound. Missed: the whole range beyond it. Unresolved: the range straddles it. */
export type Verdict = 'met' | 'missed' | 'unresolved';

const RESAMPLES = 2000;

/** What a path adds to the direct path's p99 over the runs' rounds together (ms). */
export function addedP99(runs: readonly RunRounds[], path: AddedPath, pairing: Pairing): number {
  if (pairing === 'byRound') return median(runs.flatMap((run) => (run[path] ?? []).map((p99, i) => p99 - run.direct[i]!)));
  return median(runs.flatMap((run) => run[path] ?? [])) - median(runs.flatMap((run) => run.direct));
}

/** A path's added p99 over the relay's; NaN where the relay added nothing (then no ratio says anything). */
export function overRelay(runs: readonly RunRounds[], path: 'proxy' | 'relayTwin', pairing: Pairing): number {
  const relay = addedP99(runs, 'relay', pairing);
  return relay > 0 ? addedP99(runs, path, pairing) / relay : Number.NaN;
}

/**
 * `statistic` over all the runs, and its range over `resamples` draws of as many runs with replacement (seeded, so
 * the same files give the same range). Draws where the statistic is not a number are left out.
 */
export function rangeOver(runs: readonly RunRounds[], statistic: (runs: readonly RunRounds[]) => number, seed = 1, resamples = RESAMPLES): Range {
  if (runs.length === 0) throw new Error('no runs to pool');
  const random = seededRandom(seed);
  const values: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const drawn = runs.map(() => runs[random.below(runs.length)]!);
    const value = statistic(drawn);
    if (Number.isFinite(value)) values.push(value);
  }
  values.sort((a, b) => a - b);
  const at = (fraction: number) => values[Math.min(values.length - 1, Math.floor(fraction * values.length))] ?? Number.NaN;
  return { estimate: round(statistic(runs)), low: round(at(0.025)), high: round(at(0.975)) };
}

export function verdict(range: Range, bound: number): Verdict {
  if (range.high <= bound) return 'met';
  if (range.low > bound) return 'missed';
  return 'unresolved';
}

/** One verdict from both pairings: met or missed only where they agree. */
function agreed(ranges: Record<Pairing, Range>, bound: number): Verdict {
  const byMedianRounds = verdict(ranges.medianRounds, bound);
  return byMedianRounds === verdict(ranges.byRound, bound) ? byMedianRounds : 'unresolved';
}

/** `statistic` under each pairing, with its range. */
function bothPairings(runs: readonly RunRounds[], statistic: (runs: readonly RunRounds[], pairing: Pairing) => number): Record<Pairing, Range> {
  return { medianRounds: rangeOver(runs, (drawn) => statistic(drawn, 'medianRounds')), byRound: rangeOver(runs, (drawn) => statistic(drawn, 'byRound')) };
}

const roundsIn = (runs: readonly RunRounds[]) => runs.reduce((sum, run) => sum + run.direct.length, 0);

/** The proxy's p99 against the relay's, pooled: target `bound` times the relay's added p99. */
export function pooledRatio(runs: readonly RunRounds[], bound: number) {
  const proxy = bothPairings(runs, (drawn, pairing) => overRelay(drawn, 'proxy', pairing));
  const twin = runs.every((run) => run.relayTwin !== undefined) ? bothPairings(runs, (drawn, pairing) => overRelay(drawn, 'relayTwin', pairing)) : undefined;
  const paths: AddedPath[] = twin ? ['relay', 'proxy', 'relayTwin'] : ['relay', 'proxy'];
  const addedMs = (pairing: Pairing) => Object.fromEntries(paths.map((path) => [path, round(addedP99(runs, path, pairing))]));
  return {
    runs: runs.length,
    rounds: roundsIn(runs),
    addedP99Ms: { medianRounds: addedMs('medianRounds'), byRound: addedMs('byRound') },
    proxyOverRelay: proxy,
    verdict: agreed(proxy, bound),
    // the twin is the relay's own code: ranges around 1 that stay within the bound say the runs can judge it
    ...(twin ? { twinOverRelay: twin, twinWithinBound: agreed(twin, bound) === 'met' } : {}),
  };
}

/**
 * The proxy's added p99 in ms, pooled: target at most `boundMs`. Where runs measured the least a Stratum proxy does
 * too, its added p99 over those runs says whether any Stratum proxy meets the bound on that machine, and the proxy's
 * over the same runs what the proxy adds beyond it.
 */
export function pooledAddedMs(runs: readonly RunRounds[], boundMs: number) {
  const proxy = bothPairings(runs, (drawn, pairing) => addedP99(drawn, 'proxy', pairing));
  const withFloor = runs.filter((run) => run.stratumFloor !== undefined);
  const floor = withFloor.length > 0 ? bothPairings(withFloor, (drawn, pairing) => addedP99(drawn, 'stratumFloor', pairing)) : undefined;
  return {
    runs: runs.length,
    rounds: roundsIn(runs),
    addedP99Ms: proxy,
    relayAddedP99Ms: bothPairings(runs, (drawn, pairing) => addedP99(drawn, 'relay', pairing)),
    verdict: agreed(proxy, boundMs),
    ...(floor
      ? {
          stratumFloor: {
            runs: withFloor.length,
            addedP99Ms: floor,
            verdict: agreed(floor, boundMs),
            proxyAddedP99Ms: bothPairings(withFloor, (drawn, pairing) => addedP99(drawn, 'proxy', pairing)),
          },
        }
      : {}),
  };
}

/** The comparisons with a tail target, by their name in the proxy suite's `addedLatency`. */
export type TailComparison = 'miners1' | 'miners1000' | 'miners1000Together';

interface SavedComparison {
  p99RoundsMs?: { direct?: number[]; relay?: number[]; proxy?: number[]; stratumFloor?: number[] };
  twin?: { relayTwinP99RoundsMs?: number[] };
}

const isNumbers = (value: unknown): value is number[] => Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && Number.isFinite(v));

/**
 * Each tail comparison's rounds in what `npm run bench -- proxy` printed (npm's own lines before the JSON are skipped).
 * Throws, saying what is missing, for anything else.
 */
export function roundsFromBenchOutput(text: string): Record<TailComparison, RunRounds> & { code?: string; targets: { ratio: number; oneMinerMs: number } } {
  const start = text.indexOf('{');
  if (start < 0) throw new Error('no JSON in it');
  const document = JSON.parse(text.slice(start)) as {
    code?: string;
    suites?: { proxy?: { addedLatency?: Record<string, SavedComparison>; targets?: Record<string, number>; error?: string } };
  };
  const suite = document.suites?.proxy;
  if (!suite) throw new Error('no proxy suite in it (run `npm run bench -- proxy`)');
  if (suite.error) throw new Error(`the proxy suite failed in that run: ${suite.error}`);
  const ratio = suite.targets?.addedP99VsRelayAt1000Miners;
  const oneMinerMs = suite.targets?.addedP99MsAt1Miner;
  if (typeof ratio !== 'number' || typeof oneMinerMs !== 'number') throw new Error('its proxy suite names no tail targets');
  const comparison = (name: TailComparison): RunRounds => {
    const saved = suite.addedLatency?.[name];
    const rounds = saved?.p99RoundsMs;
    if (!rounds || !isNumbers(rounds.direct) || !isNumbers(rounds.relay) || !isNumbers(rounds.proxy)) throw new Error(`${name} has no p99 rounds`);
    if (rounds.relay.length !== rounds.direct.length || rounds.proxy.length !== rounds.direct.length) throw new Error(`${name}: the paths ran different numbers of rounds`);
    const inStep = (path: number[] | undefined): path is number[] => isNumbers(path) && path.length === rounds.direct!.length;
    const twin = saved.twin?.relayTwinP99RoundsMs;
    return {
      direct: rounds.direct,
      relay: rounds.relay,
      proxy: rounds.proxy,
      ...(inStep(twin) ? { relayTwin: twin } : {}),
      ...(inStep(rounds.stratumFloor) ? { stratumFloor: rounds.stratumFloor } : {}),
    };
  };
  return {
    ...(typeof document.code === 'string' ? { code: document.code } : {}),
    miners1: comparison('miners1'),
    miners1000: comparison('miners1000'),
    miners1000Together: comparison('miners1000Together'),
    targets: { ratio, oneMinerMs },
  };
}

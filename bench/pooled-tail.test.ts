import { describe, expect, it } from 'vitest';
import { addedP99, overRelay, pooledAddedMs, pooledRatio, rangeOver, roundsFromBenchOutput, type RunRounds, verdict } from './pooled-tail';

/** A run whose rounds have the direct path at `direct` ms and each other path that much higher, with `jitter` per round. */
function run(direct: number, added: { relay: number; proxy: number; relayTwin?: number }, rounds = 5, jitter = 0.5): RunRounds {
  const at = (extra: number) => Array.from({ length: rounds }, (_, i) => direct + extra + (i - (rounds - 1) / 2) * jitter);
  return { direct: at(0), relay: at(added.relay), proxy: at(added.proxy), ...(added.relayTwin === undefined ? {} : { relayTwin: at(added.relayTwin) }) };
}

describe('pooled tail', () => {
  it('sets each path against the direct one by the median rounds and round by round, over every run’s rounds', () => {
    const runs: RunRounds[] = [
      { direct: [1, 2, 3], relay: [2, 3, 4], proxy: [3, 4, 10] },
      { direct: [5, 6, 7], relay: [7, 8, 9], proxy: [9, 9, 9] },
    ];
    // median rounds (the upper middle): direct 1,2,3,5,6,7 -> 5; relay 2,3,4,7,8,9 -> 7; proxy 3,4,9,9,9,10 -> 9
    expect(addedP99(runs, 'relay', 'medianRounds')).toBe(2);
    expect(addedP99(runs, 'proxy', 'medianRounds')).toBe(4);
    expect(overRelay(runs, 'proxy', 'medianRounds')).toBe(2);
    // round by round: relay 1,1,1,2,2,2 -> 2; proxy 2,2,7,4,3,2 -> 3
    expect(addedP99(runs, 'relay', 'byRound')).toBe(2);
    expect(addedP99(runs, 'proxy', 'byRound')).toBe(3);
    expect(overRelay(runs, 'proxy', 'byRound')).toBe(1.5);
  });

  it('has no ratio where the relay added nothing', () => {
    for (const pairing of ['medianRounds', 'byRound'] as const) {
      expect(overRelay([run(5, { relay: 0, proxy: 1 })], 'proxy', pairing)).toBeNaN();
      expect(overRelay([run(5, { relay: -0.5, proxy: 1 })], 'proxy', pairing)).toBeNaN();
    }
  });

  it('calls a range met, missed or unresolved from the whole of it', () => {
    expect(verdict({ estimate: 1, low: 0.9, high: 1.2 }, 1.2)).toBe('met');
    expect(verdict({ estimate: 1.5, low: 1.21, high: 2 }, 1.2)).toBe('missed');
    expect(verdict({ estimate: 1.1, low: 0.9, high: 1.3 }, 1.2)).toBe('unresolved');
    expect(verdict({ estimate: Number.NaN, low: Number.NaN, high: Number.NaN }, 1.2)).toBe('unresolved');
  });

  it('finds a proxy that adds twice the relay’s tail in every run missed, and one that adds the same met', () => {
    const machines = [3, 6, 9, 12];
    const twice = pooledRatio(
      machines.map((direct) => run(direct, { relay: 1, proxy: 2, relayTwin: 1 })),
      1.2,
    );
    expect(twice.proxyOverRelay.medianRounds).toEqual({ estimate: 2, low: 2, high: 2 });
    expect(twice.proxyOverRelay.byRound).toEqual({ estimate: 2, low: 2, high: 2 });
    expect(twice.verdict).toBe('missed');
    expect(twice.twinWithinBound).toBe(true);
    const same = pooledRatio(
      machines.map((direct) => run(direct, { relay: 1, proxy: 1, relayTwin: 1 })),
      1.2,
    );
    expect(same.verdict).toBe('met');
    expect(same.rounds).toBe(20);
  });

  it('leaves it unresolved when the runs disagree, and says so for the twin too', () => {
    const runs = [
      run(4, { relay: 1, proxy: 1, relayTwin: 1 }),
      run(8, { relay: 1, proxy: 3, relayTwin: 2.5 }),
      run(5, { relay: 2, proxy: 2, relayTwin: 1 }),
      run(7, { relay: 1, proxy: 2.5, relayTwin: 1 }),
    ];
    const pooled = pooledRatio(runs, 1.2);
    expect(pooled.proxyOverRelay.byRound.low).toBeLessThanOrEqual(1.2);
    expect(pooled.proxyOverRelay.byRound.high).toBeGreaterThan(1.2);
    expect(pooled.verdict).toBe('unresolved');
    expect(pooled.twinWithinBound).toBe(false);
  });

  it('leaves it unresolved when the two pairings disagree', () => {
    // one run: by the median rounds the proxy adds 1 ms to the relay's 4, round by round 3 to the relay's 1
    const pooled = pooledRatio([{ direct: [1, 5, 9], relay: [2, 9, 10], proxy: [4, 6, 12] }], 1.2);
    expect(pooled.proxyOverRelay.medianRounds.estimate).toBe(0.25);
    expect(pooled.proxyOverRelay.byRound.estimate).toBe(3);
    expect(pooled.verdict).toBe('unresolved');
  });

  it('draws the same ranges from the same runs, and other ones from another seed', () => {
    const runs = Array.from({ length: 12 }, (_, i) => run(4 + i, { relay: 1 + (i % 3) * 0.5, proxy: 1 + i * 0.2 }));
    const ratio = (drawn: readonly RunRounds[]) => overRelay(drawn, 'proxy', 'byRound');
    expect(rangeOver(runs, ratio, 7)).toEqual(rangeOver(runs, ratio, 7));
    const seeds = [1, 2, 3, 4, 5].map((seed) => rangeOver(runs, ratio, seed, 50));
    expect(new Set(seeds.map((r) => `${r.low}/${r.high}`)).size).toBeGreaterThan(1);
    expect(() => rangeOver([], ratio)).toThrow('no runs');
  });

  it('judges the 1-miner tail in milliseconds', () => {
    const met = pooledAddedMs([run(0.3, { relay: 0.05, proxy: 0.2 }, 5, 0.05), run(0.4, { relay: 0.1, proxy: 0.25 }, 5, 0.05)], 0.3);
    expect(met.addedP99Ms.byRound.high).toBeLessThanOrEqual(0.3);
    expect(met.verdict).toBe('met');
    expect(pooledAddedMs([run(0.3, { relay: 0.05, proxy: 0.5 }, 5, 0.05), run(0.4, { relay: 0.1, proxy: 0.7 }, 5, 0.05)], 0.3).verdict).toBe('missed');
  });

  it('pools the least a Stratum proxy does over the runs that measured it, with the proxy over the same runs', () => {
    const older = run(0.3, { relay: 0.05, proxy: 1.5 }, 5, 0.05);
    const withFloor = (direct: number) => ({ ...run(direct, { relay: 0.05, proxy: 0.6 }, 5, 0.05), stratumFloor: run(direct, { relay: 0, proxy: 0.4 }, 5, 0.05).proxy });
    const pooled = pooledAddedMs([older, withFloor(0.3), withFloor(0.5)], 0.3);
    expect(pooled.runs).toBe(3);
    expect(pooled.stratumFloor?.runs).toBe(2);
    expect(pooled.stratumFloor?.addedP99Ms.byRound).toEqual({ estimate: 0.4, low: 0.4, high: 0.4 });
    expect(pooled.stratumFloor?.verdict).toBe('missed');
    // the older run's 1.5 ms is in the proxy's figure over all runs, not in the one beside the floor
    expect(pooled.stratumFloor?.proxyAddedP99Ms.byRound).toEqual({ estimate: 0.6, low: 0.6, high: 0.6 });
    expect(pooled.addedP99Ms.byRound.high).toBe(1.5);
    expect(pooledAddedMs([older], 0.3).stratumFloor).toBeUndefined();
  });
});

describe('rounds from a saved bench run', () => {
  const comparison = (rounds: number, twin = true) => ({
    p99RoundsMs: { direct: Array(rounds).fill(1), relay: Array(rounds).fill(2), proxy: Array(rounds).fill(3) },
    ...(twin ? { twin: { relayTwinP99RoundsMs: Array(rounds).fill(2) } } : {}),
  });
  const saved = (proxy: unknown) => `\n> axewallet@0.1.0 bench\n> node --import tsx bench/run.ts proxy\n\n${JSON.stringify({ node: 'v20', cpus: 2, code: 'abc1234', suites: { proxy } })}\n`;
  const suite = {
    addedLatency: { miners1: comparison(5, false), miners1000: comparison(5), miners1000Together: comparison(20) },
    targets: { addedP99VsRelayAt1000Miners: 1.2, addedP99MsAt1Miner: 0.3 },
  };

  it('reads each tail comparison past npm’s own lines, with the twin where the run had one', () => {
    const runs = roundsFromBenchOutput(saved(suite));
    expect(runs.targets).toEqual({ ratio: 1.2, oneMinerMs: 0.3 });
    expect(runs.code).toBe('abc1234');
    expect(runs.miners1.relayTwin).toBeUndefined();
    expect(runs.miners1000Together.direct).toHaveLength(20);
    expect(runs.miners1000Together.relayTwin).toHaveLength(20);
  });

  it('reads the floor’s 1-miner rounds where the run measured them, and leaves them out where they do not match', () => {
    const floorRounds = (n: number) => ({ ...comparison(5, false), p99RoundsMs: { ...comparison(5, false).p99RoundsMs, stratumFloor: Array(n).fill(2.5) } });
    expect(roundsFromBenchOutput(saved({ ...suite, addedLatency: { ...suite.addedLatency, miners1: floorRounds(5) } })).miners1.stratumFloor).toEqual([2.5, 2.5, 2.5, 2.5, 2.5]);
    expect(roundsFromBenchOutput(saved({ ...suite, addedLatency: { ...suite.addedLatency, miners1: floorRounds(4) } })).miners1.stratumFloor).toBeUndefined();
    expect(roundsFromBenchOutput(saved(suite)).miners1.stratumFloor).toBeUndefined();
  });

  it('says what is missing in a file it cannot use', () => {
    expect(() => roundsFromBenchOutput('npm ERR! something')).toThrow('no JSON');
    expect(() => roundsFromBenchOutput(JSON.stringify({ suites: { wallet: {} } }))).toThrow('no proxy suite');
    expect(() => roundsFromBenchOutput(saved({ error: 'pool died' }))).toThrow('failed in that run: pool died');
    expect(() => roundsFromBenchOutput(saved({ ...suite, targets: {} }))).toThrow('no tail targets');
    const noRounds = { ...suite, addedLatency: { ...suite.addedLatency, miners1000: { p99RoundsMs: { direct: [1], relay: [], proxy: [1] } } } };
    expect(() => roundsFromBenchOutput(saved(noRounds))).toThrow('miners1000 has no p99 rounds');
    const uneven = { ...suite, addedLatency: { ...suite.addedLatency, miners1: { p99RoundsMs: { direct: [1, 2], relay: [1], proxy: [1, 2] } } } };
    expect(() => roundsFromBenchOutput(saved(uneven))).toThrow('different numbers of rounds');
  });
});

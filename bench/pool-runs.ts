/**
 * `npm run bench:pool -- FILE...`: the proxy's tail targets over several saved runs of `npm run bench -- proxy`
 * (bench/pooled-tail.ts). Prints JSON; a file it cannot read is named on stderr and left out.
 */
import { readFileSync } from 'node:fs';
import { pooledAddedMs, pooledRatio, roundsFromBenchOutput, type RunRounds, type TailComparison } from './pooled-tail';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: npm run bench:pool -- FILE... (each what `npm run bench -- proxy` printed)\n');
  process.exit(2);
}
const read: Array<{ file: string; runs: ReturnType<typeof roundsFromBenchOutput> }> = [];
for (const file of files) {
  try {
    read.push({ file, runs: roundsFromBenchOutput(readFileSync(file, 'utf8')) });
  } catch (error) {
    process.stderr.write(`bench:pool: left out ${file}: ${(error as Error).message}\n`);
  }
}
if (read.length === 0) {
  process.stderr.write('bench:pool: none of the files holds a proxy suite run\n');
  process.exit(1);
}
const { targets } = read[0]!.runs;
const runsOf = (name: TailComparison): RunRounds[] => read.map(({ runs }) => runs[name]);
const result = {
  runs: read.map(({ file, runs }) => ({ file, code: runs.code ?? 'not recorded' })),
  targets,
  miners1: pooledAddedMs(runsOf('miners1'), targets.oneMinerMs),
  miners1000: pooledRatio(runsOf('miners1000'), targets.ratio),
  miners1000Together: pooledRatio(runsOf('miners1000Together'), targets.ratio),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

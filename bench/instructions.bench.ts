/**
 * Instructions per submit, counted by callgrind (valgrind), for the proxy's event loop, the least a Stratum proxy does
 * (bench/stratum-floor.ts) and the bare relay, all three to the pool's Sv1 port, and the proxy once more to its Sv2
 * port (Noise, and the quote notice each accepted share brings back): the same 50 miners on each, one submit in flight
 * each, 20,000 submits to warm each path's code to its optimized tiers and then 20,000 counted. Each path runs in a
 * process of its own under callgrind with counting off until the warm-up is done, its compiled code named from
 * `--perf-basic-prof`. The proxy's other threads (the ledger's writer, V8's helpers) are counted apart from its loop.
 * Seconds swing by a quarter between runs on a shared machine and callgrind's instructions hardly move for the same
 * work, so this says to a few per cent what the proxy does per submit beyond the floor, and in which functions. It
 * does not see the kernel (socket reads and writes, waking up) nor what a cold cache costs: the pace step of the
 * proxy suite measures those in time. Over the same counted submits each path's loop says what its JS heap allocated
 * (bench/heap-allocation.ts), which sets how often it collects garbage and is as steady from run to run.
 * Needs valgrind (`apt-get install valgrind`); the devnet pool runs on a thread of this process, not counted.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_NODE_FLAGS } from '../core/system/engine-flags';
import { parseAnnotate, parseCodeMap, perUnit, type ThreadCost } from './callgrind';
import type { HeapAllocation } from './heap-allocation';
import { round } from './measure';
import { type BenchClient, clients, PoolThread } from './proxy-harness';
import type { ProxyWorkerInput } from './proxy-worker';
import type { RelayInput } from './relay-worker';

const MINERS = 50;
const WARM_SUBMITS = 20_000;
const COUNTED_SUBMITS = 20_000;
const TOP_FUNCTIONS = 25;

type PathName = 'proxy' | 'proxyViaSv2' | 'stratumFloor' | 'relay';

/** Where each path sends its miners' shares: the pool's Sv1 port, or (the proxy only) its Sv2 port over Noise. */
interface PoolPorts {
  sv1Port: number;
  sv2Url: string;
}

/** Each miner submits again as soon as it is answered, until `total` submits are answered. */
async function closedLoop(miners: BenchClient[], total: number): Promise<void> {
  let sent = 0;
  let answered = 0;
  await new Promise<void>((resolve) => {
    for (const miner of miners) {
      miner.onAnswer = () => {
        answered++;
        if (sent < total) {
          sent++;
          miner.submit();
        } else if (answered === total) resolve();
      };
      sent++;
      miner.submit();
    }
  });
}

/** Sends `message` to a forked path and waits for its answer. */
function ask(child: ChildProcess, message: string): Promise<unknown> {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

/** Counting on or off, or the counts so far written out, in the process `pid` runs under callgrind. */
function callgrind(command: 'on' | 'off' | 'dump', pid: number): void {
  execFileSync('callgrind_control', command === 'dump' ? ['-d', String(pid)] : ['-i', command, String(pid)], { stdio: 'ignore' });
}

/** One path under callgrind: its loop thread's instructions per submit, and all its other threads' together. */
async function countPath(path: PathName, pool: PoolPorts, dir: string) {
  const out = join(dir, `${path}.callgrind`);
  const isProxy = path === 'proxy' || path === 'proxyViaSv2';
  const entry = isProxy ? './proxy-worker.ts' : './relay-worker.ts';
  const upstream = path === 'proxyViaSv2' ? pool.sv2Url : `stratum+tcp://127.0.0.1:${pool.sv1Port}`;
  const input: ProxyWorkerInput | RelayInput = isProxy
    ? { upstreams: [upstream], ledgerPath: join(dir, `${path}-ledger.sqlite`) }
    : { poolPort: pool.sv1Port, forwarder: path === 'relay' ? 'bytes' : 'stratum' };
  const child = fork(fileURLToPath(new URL(entry, import.meta.url)), [JSON.stringify(input)], {
    execPath: 'valgrind',
    execArgv: [
      '--tool=callgrind',
      '--quiet',
      '--instr-atstart=no',
      '--separate-threads=yes',
      // V8 writes and rewrites its code in memory callgrind must watch
      '--smc-check=all-non-file',
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--import',
      'tsx',
      '--perf-basic-prof-only-functions',
      ...ENGINE_NODE_FLAGS,
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pid = child.pid!;
  let allocation: HeapAllocation | undefined;
  // a path that dies ends the bench's wait for it, whatever it was waiting for
  const died = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${path} under callgrind exited (${signal ?? code})`)));
  });
  try {
    const port = await Promise.race([died, new Promise<number>((resolve) => child.once('message', (message) => resolve((message as { port: number }).port)))]);
    const miners = await Promise.race([died, clients(port, MINERS, `i${path}`)]);
    await Promise.race([died, closedLoop(miners, WARM_SUBMITS)]);
    await Promise.race([died, ask(child, 'allocation-start')]);
    callgrind('on', pid);
    await Promise.race([died, closedLoop(miners, COUNTED_SUBMITS)]);
    callgrind('off', pid);
    allocation = (await Promise.race([died, ask(child, 'allocation-stop')])) as HeapAllocation;
    callgrind('dump', pid);
    for (const miner of miners) miner.close();
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
  }
  const map = parseCodeMap(readFileSync(`/tmp/perf-${pid}.map`, 'utf8'));
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
  // one file per thread that ran while counting: the first is the loop's
  const files = readdirSync(dir)
    .filter((name) => name.startsWith(`${path}.callgrind.`) && /-\d+$/.test(name))
    .sort();
  const threads: ThreadCost[] = files.map((name) => parseAnnotate(execFileSync('callgrind_annotate', ['--threshold=100', join(dir, name)], { encoding: 'utf8', maxBuffer: 64 << 20 }), map));
  const [loop, ...others] = threads;
  if (!loop) throw new Error(`callgrind wrote no counts for the ${path}`);
  return {
    loopThread: perUnit(loop, COUNTED_SUBMITS, TOP_FUNCTIONS),
    otherThreads: Math.round(others.reduce((sum, thread) => sum + thread.total, 0) / COUNTED_SUBMITS),
    heapBytesPerSubmit: Math.round(allocation!.bytes / COUNTED_SUBMITS),
    youngCollections: allocation!.youngCollections,
    fullCollections: allocation!.fullCollections,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  try {
    execFileSync('callgrind_control', ['-h'], { stdio: 'ignore' });
  } catch {
    throw new Error('valgrind is not installed: `apt-get install valgrind` (instructions are counted by callgrind)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'axw-instructions-'));
  const pool = await PoolThread.start({ maxConnections: 10_000, sharesPerMinute: 1e9, retargetSeconds: 3600, shareBatchSize: 10, successFlushMs: 5, templateRefreshSeconds: 0 });
  try {
    const ports: PoolPorts = { sv1Port: pool.sv1Port, sv2Url: `stratum2+tcp://127.0.0.1:${pool.sv2Port}/${pool.authorityPubkey}` };
    const relay = await countPath('relay', ports, dir);
    const stratumFloor = await countPath('stratumFloor', ports, dir);
    const proxy = await countPath('proxy', ports, dir);
    const proxyViaSv2 = await countPath('proxyViaSv2', ports, dir);
    const loop = (path: { loopThread: { total: number } }) => path.loopThread.total;
    return {
      miners: MINERS,
      warmSubmits: WARM_SUBMITS,
      countedSubmits: COUNTED_SUBMITS,
      instructionsPerSubmit: { proxy, proxyViaSv2, stratumFloor, relay },
      loopThreadProxyOverStratumFloor: round(loop(proxy) / loop(stratumFloor), 2),
      loopThreadStratumFloorOverRelay: round(loop(stratumFloor) / loop(relay), 2),
      loopThreadProxyAboveStratumFloor: loop(proxy) - loop(stratumFloor),
      loopThreadSv2UpstreamOverSv1: round(loop(proxyViaSv2) / loop(proxy), 2),
      heapBytesProxyOverStratumFloor: round(proxy.heapBytesPerSubmit / stratumFloor.heapBytesPerSubmit, 2),
    };
  } finally {
    await pool.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

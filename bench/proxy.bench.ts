/**
 * The local Stratum proxy under load, against the devnet pool in this process:
 * - added latency: the same clients submit through the proxy, through a bare TCP pass-through relay
 *   (the floor any relay in that position pays here) and straight to the pool's Sv1 port (1 miner
 *   sequential; 100 and 1,000 miners sharing 1,000 shares/s), each after a warm-up that is not counted;
 * - submits/s forwarded to the Sv2 upstream at saturation (vs the pool's Sv1 port direct);
 * - RSS per 1,000 miner connections.
 * The proxy runs on its own thread; the pool and the load generators share the main thread, for the
 * direct baseline and the proxied runs alike, so the ratios compare like with like.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MiningSnapshot } from '../core/api/mining';
import { startPool, type DevnetPool } from '../devnet/pool/pool';
import { percentile, ratePerSecond, round } from './measure';

/** A bare Stratum V1 client: handshake, then submits with unique nonces (every hash meets the devnet floor). */
class BenchClient {
  private readonly socket: Socket;
  private buffer = '';
  private nextId = 10;
  private nonce = 0;
  private jobId = '';
  private ntime = '';
  private extranonce2Size = 0;
  private readonly sentAt = new Map<number, number>();
  readonly latencies: number[] = [];
  answered = 0;
  accepted = 0;
  authorized = false;
  private ready!: () => void;
  readonly whenReady = new Promise<void>((r) => (this.ready = r));
  /** called on every answer to a submit */
  onAnswer: (() => void) | undefined;

  constructor(
    port: number,
    private readonly user: string,
    private readonly index: number,
  ) {
    this.socket = connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.setEncoding('utf8');
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: string) => this.onData(chunk));
    this.socket.write(
      `{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}\n{"id":2,"method":"mining.subscribe","params":["bench"]}\n{"id":3,"method":"mining.authorize","params":["${user}","x"]}\n`,
    );
  }

  submit(): void {
    const id = this.nextId++;
    const nonce = (this.nonce++ >>> 0).toString(16).padStart(8, '0');
    // extranonce2 carries the client index so no two clients ever submit the same share
    const en2 = (this.index >>> 0).toString(16).padStart(this.extranonce2Size * 2, '0').slice(-this.extranonce2Size * 2);
    this.sentAt.set(id, performance.now());
    this.socket.write(`{"id":${id},"method":"mining.submit","params":["${this.user}","${this.jobId}","${en2}","${this.ntime}","${nonce}","00000000"]}\n`);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const msg = JSON.parse(line) as { id: number | null; method?: string; params?: unknown[]; result?: unknown };
      if (msg.method === 'mining.notify' && msg.params) {
        this.jobId = String(msg.params[0]);
        this.ntime = String(msg.params[7]);
        if (this.extranonce2Size > 0) this.ready();
      } else if (msg.id === 2 && Array.isArray(msg.result)) {
        this.extranonce2Size = Number(msg.result[2]);
      } else if (msg.id === 3) {
        this.authorized = true;
      } else if (typeof msg.id === 'number' && msg.id >= 10) {
        const sent = this.sentAt.get(msg.id);
        if (sent !== undefined) {
          this.sentAt.delete(msg.id);
          this.latencies.push(performance.now() - sent);
        }
        this.answered++;
        if (msg.result === true) this.accepted++;
        this.onAnswer?.();
      }
    }
  }
}

async function clients(port: number, n: number, tag: string): Promise<BenchClient[]> {
  const list: BenchClient[] = [];
  for (let i = 0; i < n; i++) list.push(new BenchClient(port, `bc1qbench.${tag}${i}`, i));
  await Promise.all(list.map((c) => c.whenReady));
  return list;
}

/** RSS growth per 1,000 authorized miner connections on `port`. */
async function rssPer1000(port: number, count: number, withWork: boolean): Promise<number> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  const list: BenchClient[] = [];
  for (let i = 0; i < count; i++) list.push(new BenchClient(port, `bc1qbench.idle${i}`, i));
  if (withWork) await Promise.all(list.map((c) => c.whenReady));
  else while (list.some((c) => !c.authorized)) await new Promise((r) => setTimeout(r, 20));
  global.gc?.();
  const grown = process.memoryUsage().rss - before;
  for (const c of list) c.close();
  return round((grown / 1024 / 1024) * (1000 / count), 1);
}

/** One miner, one submit at a time; the first `warmup` answers (JIT tiering on every path) are not counted. */
async function sequential(port: number, count: number, warmup: number): Promise<number[]> {
  const [c] = await clients(port, 1, 'seq');
  await new Promise<void>((done) => {
    let left = warmup + count;
    c!.onAnswer = () => (--left > 0 ? c!.submit() : done());
    c!.submit();
  });
  c!.close();
  return c!.latencies.slice(warmup);
}

/** n miners sharing `perSecond` submits: `warmupMs` not counted, then `ms` measured. */
async function openLoop(port: number, n: number, perSecond: number, warmupMs: number, ms: number): Promise<number[]> {
  const list = await clients(port, n, `o${n}-`);
  const tickMs = 5;
  const perTick = (perSecond * tickMs) / 1000;
  let owed = 0;
  let next = 0;
  const started = performance.now();
  let counted = false;
  while (performance.now() - started < warmupMs + ms) {
    if (!counted && performance.now() - started >= warmupMs) {
      counted = true;
      for (const c of list) c.latencies.length = 0;
    }
    owed += perTick;
    while (owed >= 1) {
      list[next++ % n]!.submit();
      owed--;
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const c of list) c.close();
  return list.flatMap((c) => c.latencies);
}

/** A bare pass-through on its own thread: each miner connection piped to its own pool connection, nothing parsed. */
class RelayThread {
  private constructor(
    private readonly worker: Worker,
    readonly port: number,
  ) {}

  static async start(poolPort: number): Promise<RelayThread> {
    const source = `
      const net = require('node:net');
      const { parentPort, workerData } = require('node:worker_threads');
      const server = net.createServer((miner) => {
        miner.setNoDelay(true);
        const pool = net.connect({ host: '127.0.0.1', port: workerData.poolPort, noDelay: true });
        miner.pipe(pool);
        pool.pipe(miner);
        miner.on('error', () => pool.destroy());
        pool.on('error', () => miner.destroy());
        miner.on('close', () => pool.destroy());
      });
      server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`;
    const worker = new Worker(source, { eval: true, workerData: { poolPort } });
    const port = await new Promise<number>((resolve) => worker.once('message', resolve));
    return new RelayThread(worker, port);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** n miners each keeping `window` submits in flight; answered submits per second. */
async function saturate(port: number, n: number, window: number, ms: number): Promise<{ perSecond: number; answered: number }> {
  const list = await clients(port, n, `s${n}-`);
  const started = performance.now();
  for (const c of list) {
    c.onAnswer = () => {
      if (performance.now() - started < ms) c.submit();
    };
    for (let i = 0; i < window; i++) c.submit();
  }
  await new Promise((r) => setTimeout(r, ms));
  const elapsed = performance.now() - started;
  const answered = list.reduce((sum, c) => sum + c.answered, 0);
  for (const c of list) c.close();
  return { perSecond: ratePerSecond(answered, elapsed), answered };
}

/** A proxy on its own thread (bench/proxy-worker.ts). */
class ProxyThread {
  private constructor(
    private readonly worker: Worker,
    readonly port: number,
  ) {}

  static async start(data: { upstreams: string[]; ledgerPath: string; attachTimeoutMs?: number }): Promise<ProxyThread> {
    // Node 20 does not pass tsx's loader hooks to workers: register them first, then load the TypeScript entry.
    const entry = new URL('./proxy-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: data });
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: { port: number }) => resolve(m.port));
    });
    return new ProxyThread(worker, port);
  }

  snapshot(): Promise<MiningSnapshot> {
    return new Promise((resolve) => {
      this.worker.once('message', (m: { snapshot: MiningSnapshot }) => resolve(m.snapshot));
      this.worker.postMessage('snapshot');
    });
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => {
      this.worker.once('message', resolve);
      this.worker.postMessage('stop');
    });
    await this.worker.terminate();
  }
}

function summary(samples: number[]): { p50: number; p99: number; samples: number } {
  return { p50: round(percentile(samples, 50), 3), p99: round(percentile(samples, 99), 3), samples: samples.length };
}

/** The same load direct, through the bare relay and through the proxy; added = path minus direct. */
async function threeWays(measure: (port: number) => Promise<number[]>, ports: { direct: number; relay: number; proxy: number }) {
  const direct = summary(await measure(ports.direct));
  const relay = summary(await measure(ports.relay));
  const proxy = summary(await measure(ports.proxy));
  return {
    directMs: direct,
    relayMs: relay,
    proxyMs: proxy,
    relayAddedP50Ms: round(relay.p50 - direct.p50),
    relayAddedP99Ms: round(relay.p99 - direct.p99),
    addedP50Ms: round(proxy.p50 - direct.p50),
    addedP99Ms: round(proxy.p99 - direct.p99),
  };
}

const stage = (what: string) => process.env.BENCH_DEBUG && process.stderr.write(`proxy bench: ${what}\n`);

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'axw-proxy-bench-'));
  const pool: DevnetPool = await startPool({ maxConnections: 10_000, sharesPerMinute: 1e9, retargetSeconds: 3600, shareBatchSize: 10, successFlushMs: 5 });
  const proxies: ProxyThread[] = [];
  const newProxy = async (upstreams: string[], extra: { attachTimeoutMs?: number } = {}) => {
    const proxy = await ProxyThread.start({ upstreams, ledgerPath: join(dir, `ledger-${proxies.length}.sqlite`), ...extra });
    proxies.push(proxy);
    return { proxy, port: proxy.port };
  };
  try {
    const sv1Url = `stratum+tcp://127.0.0.1:${pool.sv1.port}`;
    const sv2Url = `stratum2+tcp://127.0.0.1:${pool.sv2.port}/${pool.authorityPubkey}`;
    const viaSv1 = await newProxy([sv1Url]);

    const relay = await RelayThread.start(pool.sv1.port);
    const latency: Record<string, unknown> = {};
    try {
      const ports = { direct: pool.sv1.port, relay: relay.port, proxy: viaSv1.port };
      latency.miners1 = await threeWays((port) => sequential(port, 3000, 1000), ports);
      stage('sequential');
      for (const n of [100, 1000]) {
        latency[`miners${n}`] = { sharesPerSecond: 1000, ...(await threeWays((port) => openLoop(port, n, 1000, 1000, 3000), ports)) };
        stage(`open loop ${n}`);
      }
    } finally {
      await relay.stop();
    }

    const viaSv2 = await newProxy([sv2Url]);
    const directSat = await saturate(pool.sv1.port, 100, 20, 2000);
    stage('direct saturation');
    const sv2Sat = await saturate(viaSv2.port, 100, 20, 2000);
    stage('sv2 saturation');
    await new Promise((r) => setTimeout(r, 200));
    const forwarded = (await viaSv2.proxy.snapshot()).shares;

    // Memory: 1,000 authorized miners on a proxy. Without an upstream: the proxy's own sockets and sessions.
    // With the Sv2 upstream: plus a channel per miner (a pool connection per 64), and the pool's side (same process).
    const bare = await newProxy([], { attachTimeoutMs: 10 });
    const rssBare = await rssPer1000(bare.port, 1000, false);
    stage('rss bare');
    const withSv2 = await newProxy([sv2Url]);
    const rssSv2 = await rssPer1000(withSv2.port, 1000, true);
    stage('rss sv2');

    return {
      addedLatency: latency,
      saturation: {
        miners: 100,
        inFlightPerMiner: 20,
        directSv1SubmitsPerSecond: directSat.perSecond,
        proxyToSv2SubmitsPerSecond: sv2Sat.perSecond,
        ratioVsDirect: round(sv2Sat.perSecond / directSat.perSecond, 3),
        ledger: forwarded,
      },
      memory: {
        rssMbPer1000ProxyConnections: rssBare,
        rssMbPer1000WithSv2Upstream: rssSv2,
        note: 'both include the bench clients’ own sockets; the second also the in-process pool’s side of each upstream connection',
      },
      targets: { addedP99MsAt1000Miners: 0.3, sv2SubmitsPerSecond: 20000, rssMbPer1000: 20 },
    };
  } finally {
    for (const p of proxies) await p.stop();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

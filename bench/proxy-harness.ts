/**
 * The parts bench/proxy.bench.ts measures with: Stratum V1 bench clients, and the pool, the bare relay and the proxy
 * each on a thread or in a process of its own, so that the load generators share an event loop with none of them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MiningSnapshot } from '../core/api/mining';
import { ENGINE_NODE_FLAGS } from '../core/system/engine-flags';
import type { PoolOptions } from '../devnet/pool/pool';
import { ratePerSecond } from './measure';
import type { GcPause, GcStats, ProxyMemory, ProxyWorkerInput } from './proxy-worker';
import type { RelayInput } from './relay-worker';
import type { ThreadSchedule, UserSystemUs } from './thread-cpu';

/** A bare Stratum V1 client: handshake, then submits with unique nonces (every hash meets the devnet floor). */
export class BenchClient {
  private readonly socket: Socket;
  private buffer = '';
  private nextId = 10;
  private nonce = 0;
  private jobId = '';
  private ntime = '';
  private extranonce2Size = 0;
  private readonly inFlight = new Map<number, number>();
  readonly latencies: number[] = [];
  /** when each of `latencies` was sent, in ms since the epoch (comparable with the proxy process's clock) */
  readonly sentAt: number[] = [];
  answered = 0;
  accepted = 0;
  authorized = false;
  refused = false;
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
    const en2 = (this.index >>> 0)
      .toString(16)
      .padStart(this.extranonce2Size * 2, '0')
      .slice(-this.extranonce2Size * 2);
    this.inFlight.set(id, performance.now());
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
        this.authorized = msg.result === true;
        // refused (no channel in time): counted as done, so a bench never waits forever
        if (!this.authorized) {
          this.refused = true;
          this.ready();
        }
      } else if (typeof msg.id === 'number' && msg.id >= 10) {
        const sent = this.inFlight.get(msg.id);
        if (sent !== undefined) {
          this.inFlight.delete(msg.id);
          this.latencies.push(performance.now() - sent);
          this.sentAt.push(performance.timeOrigin + sent);
        }
        this.answered++;
        if (msg.result === true) this.accepted++;
        this.onAnswer?.();
      }
    }
  }
}

export async function clients(port: number, n: number, tag: string): Promise<BenchClient[]> {
  const list: BenchClient[] = [];
  for (let i = 0; i < n; i++) list.push(new BenchClient(port, `bc1qbench.${tag}${i}`, i));
  await Promise.all(list.map((c) => c.whenReady));
  return list;
}

export interface RelayCpu {
  schedule?: ThreadSchedule;
  thread?: UserSystemUs;
}

/** What a relay thread does with each miner connection (bench/relay-worker.ts). */
export type Forwarder = 'bytes' | 'stratum' | 'stratumWithLedger';

/**
 * A forwarder on its own thread, each miner connection on a pool connection of its own: the bare pass-through, nothing
 * parsed, or the least a Stratum proxy does (bench/stratum-floor.ts), with or without the proxy's share ledger.
 */
export class RelayThread {
  private constructor(
    private readonly worker: Worker,
    readonly port: number,
  ) {}

  static async start(poolPort: number, forwarder: Forwarder = 'bytes', ledgerPath?: string): Promise<RelayThread> {
    const worker = tsWorker('./relay-worker.ts', { poolPort, forwarder, ledgerPath } satisfies RelayInput);
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', resolve);
    });
    return new RelayThread(worker, port);
  }

  /**
   * How long the relay's thread has been on a CPU so far (µs), that time as user and kernel, and how long it waited for
   * a core, where the kernel says.
   */
  async cpu(): Promise<RelayCpu> {
    const answer = new Promise<RelayCpu>((resolve) => this.worker.once('message', resolve));
    this.worker.postMessage('cpu');
    return answer;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** n miners each keeping `window` submits in flight; answered submits per second. */
export async function saturate(port: number, n: number, window: number, ms: number): Promise<{ perSecond: number; answered: number }> {
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

/** Node 20 does not pass tsx's loader hooks to workers: register them first, then load the TypeScript entry. */
function tsWorker(file: string, workerData: unknown): Worker {
  const entry = new URL(file, import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/** The devnet pool on its own thread (bench/pool-worker.ts). */
export class PoolThread {
  private constructor(
    private readonly worker: Worker,
    readonly sv1Port: number,
    readonly sv2Port: number,
    readonly authorityPubkey: string,
  ) {}

  static async start(options: PoolOptions): Promise<PoolThread> {
    const worker = tsWorker('./pool-worker.ts', options);
    const m = await new Promise<{ sv1Port: number; sv2Port: number; authorityPubkey: string }>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', resolve);
    });
    return new PoolThread(worker, m.sv1Port, m.sv2Port, m.authorityPubkey);
  }

  /** A fresher template now: every connection gets a new job (the pool's own timer does it every 30 s unless told not to). */
  async refreshTemplate(): Promise<void> {
    await new Promise((resolve) => {
      this.worker.once('message', resolve);
      this.worker.postMessage('refresh');
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

/**
 * The proxy process's CPU so far (µs, all threads; the kernel's part), its event loop's busy time (ms) and its event
 * loop's thread's CPU (µs, and as user and kernel time) and time waiting for a core (µs), where the kernel says.
 */
export interface ProxyCpu {
  cpuUs: number;
  systemUs: number;
  loopBusyMs: number;
  loopSchedule?: ThreadSchedule;
  loopThread?: UserSystemUs;
}

/** A proxy in its own process (bench/proxy-worker.ts). */
export class ProxyProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(data: ProxyWorkerInput): Promise<ProxyProcess> {
    const child = fork(fileURLToPath(new URL('./proxy-worker.ts', import.meta.url)), [JSON.stringify(data)], {
      execArgv: ['--import', 'tsx', '--expose-gc', ...ENGINE_NODE_FLAGS, ...(process.env.BENCH_PROXY_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROXY_PROF}`] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`proxy process exited (${code})`)));
      child.once('message', (m) => resolve((m as { port: number }).port));
    });
    child.removeAllListeners('exit');
    return new ProxyProcess(child, port);
  }

  private ask<T>(message: string): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (m) => resolve(m as T));
      this.child.send(message);
    });
  }

  async snapshot(): Promise<MiningSnapshot> {
    return (await this.ask<{ snapshot: MiningSnapshot }>('snapshot')).snapshot;
  }

  /** CPU of the whole process (µs) and busy time of the proxy's event loop (ms) so far. */
  cpu(): Promise<ProxyCpu> {
    return this.ask('cpu');
  }

  /** The proxy's garbage collections so far, and its longest pause since the last time this was asked. */
  gc(): Promise<GcStats> {
    return this.ask('gc');
  }

  /** Each of the proxy's garbage-collection pauses since the last time this was asked. */
  async gcPauses(): Promise<GcPause[]> {
    return (await this.ask<{ pauses: GcPause[] }>('gcPauses')).pauses;
  }

  /** RSS of the process, and the live JS heap and the young generation in it, after a full GC. */
  memory(): Promise<ProxyMemory> {
    return this.ask('memory');
  }

  async stop(): Promise<void> {
    await this.ask('stop');
    await new Promise((resolve) => {
      this.child.once('exit', resolve);
      this.child.kill();
    });
  }
}

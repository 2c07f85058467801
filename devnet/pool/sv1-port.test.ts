import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashMeetsTarget, hexToBytes, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { parseSv1Line, rejectReasonOf, type Sv1Message, type Sv1Response } from '../../lib/protocol/sv1/codec';
import { extranonce2Hex, headerForSubmission, parseNotify, type Sv1Job } from '../../lib/protocol/sv1/job';
import { readFixture } from '../../test/fixtures';
import { searchNonce } from './cpu-miner';
import { startPool, type DevnetPool } from './pool';

/** The lines a real ESP-Miner put on the wire (its own transcript): the connect sequence, then one submit. */
function espMinerWireLines(): string[] {
  return readFixture('axeos', 'research-bitaxe', 'stratum_parser_transcript.txt')
    .split('\n')
    .filter((line) => line.startsWith('WIRE-TX '))
    .map((line) => line.slice('WIRE-TX '.length));
}

class LineClient {
  readonly messages: Sv1Message[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.trim()) this.messages.push(parseSv1Line(line));
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<LineClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new LineClient(socket);
  }

  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async waitFor<T extends Sv1Message>(predicate: (m: Sv1Message) => m is T, from = 0): Promise<T> {
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found;
      if (this.closed) throw new Error('connection closed while waiting');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  response(id: number): Promise<Sv1Response> {
    return this.waitFor((m): m is Sv1Response => m.kind === 'response' && m.id === id);
  }

  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

const isNotify = (m: Sv1Message) => m.kind === 'request' && m.method === 'mining.notify';
const isSetDifficulty = (m: Sv1Message) => m.kind === 'request' && m.method === 'mining.set_difficulty';

/** The newest job and the difficulty in force for it (set_difficulty applies at the next notify, as in ESP-Miner). */
function currentWork(client: LineClient): { job: Sv1Job; difficulty: number } {
  let difficulty = 0;
  let pending = 0;
  let job: Sv1Job | null = null;
  for (const m of client.messages) {
    if (m.kind !== 'request') continue;
    if (isSetDifficulty(m)) pending = m.params[0] as number;
    if (isNotify(m)) {
      job = parseNotify(m.params);
      difficulty = pending;
    }
  }
  if (!job) throw new Error('no job yet');
  return { job, difficulty };
}

describe('devnet pool, Stratum V1 port', () => {
  let pool: DevnetPool;
  const clients: LineClient[] = [];

  beforeEach(async () => {
    pool = await startPool({ minimumDifficulty: 4, templateRefreshSeconds: 0, blockIntervalSeconds: 3600 });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await pool.close();
  });

  async function client(): Promise<LineClient> {
    const c = await LineClient.open(pool.sv1.port);
    clients.push(c);
    return c;
  }

  it("answers ESP-Miner's connect sequence the way its parser expects, difficulty before work", async () => {
    const c = await client();
    const wire = espMinerWireLines();
    expect(wire.map((l) => JSON.parse(l).method)).toEqual(['mining.configure', 'mining.subscribe', 'mining.authorize', 'mining.suggest_difficulty', 'mining.extranonce.subscribe', 'mining.submit']);
    const submitLine = wire.pop()!;
    for (const line of wire) c.send(line);

    const configure = await c.response(1);
    expect(configure.result).toEqual({ 'version-rolling': true, 'version-rolling.mask': '1fffe000' });
    const subscribe = await c.response(2);
    const [subscriptions, extranonce1, extranonce2Size] = subscribe.result as [unknown[], string, number];
    expect(Array.isArray(subscriptions)).toBe(true);
    expect(extranonce1).toMatch(/^[0-9a-f]{16}$/);
    expect(extranonce2Size).toBe(8);
    expect((await c.response(3)).result).toBe(true);
    expect((await c.response(4)).result).toBe(true);
    expect((await c.response(5)).result).toBe(true);
    await c.waitFor((m): m is Sv1Message => isNotify(m) && currentWork(c).difficulty === 1000);

    // The firmware starts at difficulty 0: every notify must come after a set_difficulty.
    const firstNotify = c.messages.findIndex(isNotify);
    const firstDifficulty = c.messages.findIndex(isSetDifficulty);
    expect(firstDifficulty).toBeGreaterThanOrEqual(0);
    expect(firstDifficulty).toBeLessThan(firstNotify);
    const { job } = currentWork(c);
    expect(job.version).toBe('20000000');
    expect(job.merkleBranches.length).toBeGreaterThan(0);
    // BIP34: the coinbase script starts with the block height.
    const height = pool.chain.current.height;
    expect(job.coinbase1).toContain(`03${[height & 0xff, (height >> 8) & 0xff, height >> 16].map((b) => b.toString(16).padStart(2, '0')).join('')}`);

    // The transcript's submit names a job of another pool: a clean rejection the firmware can show.
    c.send(submitLine);
    expect(rejectReasonOf(await c.response(6))).toBe('Job not found');
    expect(pool.stats().rejected).toEqual({ 'invalid-job-id': 1 });
  });

  it('accepts a CPU-mined share submitted like ESP-Miner and rejects bad ones with their reasons', async () => {
    const c = await client();
    const user = 'bc1qexample.worker1';
    c.send(JSON.stringify({ id: 1, method: 'mining.configure', params: [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }] }));
    c.send(JSON.stringify({ id: 2, method: 'mining.subscribe', params: ['bitaxe/BM1370/v2.15.0'] }));
    c.send(JSON.stringify({ id: 3, method: 'mining.authorize', params: [user, 'x'] }));
    const subscribe = await c.response(2);
    const extranonce1 = (subscribe.result as unknown[])[1] as string;
    await c.response(3);
    await c.waitFor((m): m is Sv1Message => isNotify(m));
    const { job, difficulty } = currentWork(c);
    const target = targetFromDifficulty(difficulty);
    const versionBits = '00a4e000';
    const extranonce2 = extranonce2Hex(1n, 8);
    const header = headerForSubmission(job, { extranonce1, extranonce2, ntime: job.ntime, nonce: '00000000', versionBits });
    const good = searchNonce(header, (h) => hashMeetsTarget(h, target))!;
    const bad = searchNonce(header, (h) => !hashMeetsTarget(h, target))!;
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    let id = 10;
    const submit = async (params: unknown[]) => {
      const myId = id++;
      c.send(JSON.stringify({ id: myId, method: 'mining.submit', params }));
      return c.response(myId);
    };

    const accepted = await submit([user, job.jobId, extranonce2, job.ntime, hex(good.nonce), versionBits]);
    expect(accepted.result).toBe(true);
    expect(rejectReasonOf(await submit([user, job.jobId, extranonce2, job.ntime, hex(good.nonce), versionBits]))).toBe('Duplicate share');
    expect(rejectReasonOf(await submit([user, job.jobId, extranonce2, job.ntime, hex(bad.nonce), versionBits]))).toBe('Low difficulty share');
    expect(rejectReasonOf(await submit([user, 'ffff', extranonce2, job.ntime, hex(good.nonce), versionBits]))).toBe('Job not found');
    expect(rejectReasonOf(await submit([user, job.jobId, '01000000', job.ntime, hex(good.nonce), versionBits]))).toBe('Invalid nonce2 length');
    expect(rejectReasonOf(await submit([user, job.jobId, extranonce2, '00000001', hex(good.nonce), versionBits]))).toBe('Ntime out of range');
    expect(rejectReasonOf(await submit([user, job.jobId, extranonce2, job.ntime, hex(good.nonce), 'e0000000']))).toBe('Invalid version mask');
    expect(rejectReasonOf(await submit(['someone-else', job.jobId, extranonce2, job.ntime, hex(good.nonce), versionBits]))).toBe('Unauthorized worker');

    // A block is found: work on the old prevhash is stale, and the miner is told to drop it.
    const notifiesBefore = c.messages.filter(isNotify).length;
    pool.findBlock();
    await c.waitFor((m): m is Sv1Message => isNotify(m) && c.messages.filter(isNotify).length > notifiesBefore);
    expect(currentWork(c).job.cleanJobs).toBe(true);
    const other = searchNonce(header, (h) => hashMeetsTarget(h, target), good.nonce + 1)!;
    expect(rejectReasonOf(await submit([user, job.jobId, extranonce2, job.ntime, hex(other.nonce), versionBits]))).toBe('Stale');

    const stats = pool.stats();
    expect(stats.accepted).toBe(1);
    expect(stats.rejected).toEqual({
      'duplicate-share': 1,
      'difficulty-too-low': 1,
      'invalid-job-id': 1,
      'bad-extranonce-size': 1,
      'invalid-timestamp': 1,
      'version-rolling-not-allowed': 1,
      'stale-share': 1,
    });
    expect(stats.channels[0]).toMatchObject({ port: 'sv1', worker: user, accepted: 1, open: true });
    expect(stats.quotes).toBe(0);
  });

  it('validates a share against the difficulty of the job it was mined on', async () => {
    const c = await client();
    c.send(JSON.stringify({ id: 2, method: 'mining.subscribe', params: [] }));
    c.send(JSON.stringify({ id: 3, method: 'mining.authorize', params: ['w', ''] }));
    const extranonce1 = ((await c.response(2)).result as unknown[])[1] as string;
    await c.waitFor((m): m is Sv1Message => isNotify(m));
    const first = currentWork(c);
    // A much harder difficulty arrives with a new job; the old job keeps its own.
    c.send(JSON.stringify({ id: 4, method: 'mining.suggest_difficulty', params: [64] }));
    await c.response(4);
    await c.waitFor((m): m is Sv1Message => isNotify(m) && currentWork(c).difficulty === 64);
    const extranonce2 = extranonce2Hex(7n, 8);
    const header = headerForSubmission(first.job, { extranonce1, extranonce2, ntime: first.job.ntime, nonce: '00000000' });
    const share = searchNonce(header, (h) => hashMeetsTarget(h, targetFromDifficulty(first.difficulty)) && !hashMeetsTarget(h, targetFromDifficulty(64)))!;
    c.send(JSON.stringify({ id: 5, method: 'mining.submit', params: ['w', first.job.jobId, extranonce2, first.job.ntime, share.nonce.toString(16).padStart(8, '0')] }));
    expect((await c.response(5)).result).toBe(true);
    const harder = currentWork(c).job;
    const header2 = headerForSubmission(harder, { extranonce1, extranonce2, ntime: harder.ntime, nonce: '00000000' });
    const easy = searchNonce(header2, (h) => !hashMeetsTarget(h, targetFromDifficulty(64)))!;
    c.send(JSON.stringify({ id: 6, method: 'mining.submit', params: ['w', harder.jobId, extranonce2, harder.ntime, easy.nonce.toString(16).padStart(8, '0')] }));
    expect(rejectReasonOf(await c.response(6))).toBe('Low difficulty share');
    expect(hexToBytes(extranonce1)).toHaveLength(8);
  });

  it('keeps serving after garbage, unknown methods, early submits and an overlong line', async () => {
    const c = await client();
    c.send('not json at all');
    c.send('[1,2,3]');
    c.send(JSON.stringify({ id: 7, method: 'mining.foo', params: [] }));
    c.send(JSON.stringify({ id: 8, method: 'mining.submit', params: ['w', '1', '00', '00000000', '00000000'] }));
    c.send(JSON.stringify({ id: 9, method: 'mining.suggest_difficulty', params: ['512'] }));
    expect(rejectReasonOf(await c.response(7))).toMatch(/Unknown method/);
    expect(rejectReasonOf(await c.response(8))).toBe('Not subscribed');
    expect(rejectReasonOf(await c.response(9))).toBe('Invalid suggest difficulty message');
    const errors = c.messages.filter((m) => m.kind === 'response' && m.id === null);
    expect(errors.length).toBe(2);

    const abuser = await client();
    abuser.socket.write('x'.repeat(40_000));
    await abuser.waitClosed();

    const babbler = await client();
    for (let i = 0; i < 25; i++) babbler.send('{"broken":');
    await babbler.waitClosed();

    const healthy = await client();
    healthy.send(JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] }));
    expect(Array.isArray((await healthy.response(1)).result)).toBe(true);
  });

  it('stop() drops miners and start() serves them again on the same port', async () => {
    const port = pool.sv1.port;
    const c = await client();
    await pool.stop();
    await c.waitClosed();
    await expect(LineClient.open(port)).rejects.toThrow();
    await pool.start();
    expect(pool.sv1.port).toBe(port);
    const again = await client();
    again.send(JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] }));
    expect(Array.isArray((await again.response(1)).result)).toBe(true);
  });
});

describe('devnet pool, Sv1 vardiff', () => {
  let pool: DevnetPool;
  afterEach(async () => {
    await pool.close();
  });

  it('raises the difficulty of a miner that shares too fast, announcing it before the next job', async () => {
    pool = await startPool({ minimumDifficulty: 4, sharesPerMinute: 6, retargetSeconds: 2, templateRefreshSeconds: 0, blockIntervalSeconds: 3600 });
    const c = await LineClient.open(pool.sv1.port);
    try {
      c.send(JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] }));
      c.send(JSON.stringify({ id: 2, method: 'mining.authorize', params: ['w', ''] }));
      const extranonce1 = ((await c.response(1)).result as unknown[])[1] as string;
      await c.waitFor((m): m is Sv1Message => isNotify(m));
      const { job, difficulty } = currentWork(c);
      for (let i = 0; i < 20; i++) {
        const extranonce2 = extranonce2Hex(BigInt(i + 1), 8);
        const header = headerForSubmission(job, { extranonce1, extranonce2, ntime: job.ntime, nonce: '00000000' });
        const share = searchNonce(header, (h) => hashMeetsTarget(h, targetFromDifficulty(difficulty)))!;
        c.send(JSON.stringify({ id: 100 + i, method: 'mining.submit', params: ['w', job.jobId, extranonce2, job.ntime, share.nonce.toString(16).padStart(8, '0')] }));
      }
      for (let i = 0; i < 20; i++) expect((await c.response(100 + i)).result).toBe(true);
      await c.waitFor((m): m is Sv1Message => isNotify(m) && currentWork(c).difficulty > difficulty);
      const last = c.messages.filter((m) => m.kind === 'request').slice(-2);
      expect(last.map((m) => (m as { method: string }).method)).toEqual(['mining.set_difficulty', 'mining.notify']);
      expect(pool.stats().accepted).toBe(20);
    } finally {
      c.socket.destroy();
    }
  });
});

describe('devnet pool, Sv1 answers as a miner reads them', () => {
  let pool: DevnetPool | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it('answers subscribe and authorize sent together in one write, set_difficulty and notify included: a probe reading once sees work', async () => {
    pool = await startPool({ templateRefreshSeconds: 0, blockIntervalSeconds: 3600 });
    const socket = connect(pool.sv1.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // ESP-Miner's probe_pool_v1: subscribe and authorize, then a single read of at most 1023 bytes
    socket.write('{"id":1,"method":"mining.subscribe","params":["bitaxe/BM1370/v2.15.0"]}\n{"id":2,"method":"mining.authorize","params":["w","x"]}\n');
    const firstRead = await new Promise<string>((resolve) => socket.once('data', (data: Buffer) => resolve(data.toString('utf8'))));
    socket.destroy();
    const methods = firstRead
      .split('\n')
      .filter(Boolean)
      .map((line) => parseSv1Line(line))
      .map((m) => (m.kind === 'request' ? m.method : `result ${String(m.id)}`));
    expect(methods).toEqual(['result 1', 'result 2', 'mining.set_difficulty', 'mining.notify']);
  });

  it('a pool that ignores mining.suggest_difficulty acknowledges it and keeps its own difficulty', async () => {
    pool = await startPool({ sv1StartDifficulty: 0.001, sv1HonoursSuggestedDifficulty: false, templateRefreshSeconds: 0, blockIntervalSeconds: 3600 });
    const c = await LineClient.open(pool.sv1.port);
    try {
      c.send(JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] }));
      c.send(JSON.stringify({ id: 2, method: 'mining.authorize', params: ['w', 'x'] }));
      await c.waitFor((m): m is Sv1Message => isNotify(m));
      c.send(JSON.stringify({ id: 3, method: 'mining.suggest_difficulty', params: [1000] }));
      expect((await c.response(3)).result).toBe(true);
      c.send(JSON.stringify({ id: 4, method: 'mining.extranonce.subscribe', params: [] }));
      await c.response(4);
      expect(c.messages.filter(isSetDifficulty).map((m) => (m as { params: number[] }).params[0])).toEqual([0.001]);
    } finally {
      c.socket.destroy();
    }
  });
});

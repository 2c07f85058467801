/**
 * The Stratum port against a hostile LAN neighbour, on real sockets: floods of connections, sockets that
 * never speak, shares below target, mostly-invalid submitters and absurd values. Loopback stands in for
 * the LAN: 127.0.0.1 is the neighbour, 127.0.0.2 the Bitaxe Axewallet knows.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { until } from '../../test/until';
import { parseSv1Line, type Sv1Message } from '../../lib/protocol/sv1/codec';
import { stratumHarness } from './testing/harness';
import { minerFor, type SimMiner } from '../../device/sim/miner';
import { MAX_DIFFICULTY, MIN_DIFFICULTY } from './upstream';

const { cleanups, pool, proxyTo } = stratumHarness('hard');

function miner(port: number, user: string, localAddress?: string): SimMiner {
  const m = minerFor({ host: '127.0.0.1', port, user }, { localAddress });
  cleanups.push(() => m.close());
  return m;
}

/** A raw line client that keeps every message and knows when the proxy hung up. */
class Wire {
  readonly messages: Sv1Message[] = [];
  closed = false;
  private buffer = '';
  readonly socket: Socket;
  constructor(port: number, localAddress?: string) {
    this.socket = connect({ host: '127.0.0.1', port, localAddress });
    this.socket.setEncoding('utf8');
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        this.messages.push(parseSv1Line(this.buffer.slice(0, nl)));
        this.buffer = this.buffer.slice(nl + 1);
      }
    });
    cleanups.push(() => this.socket.destroy());
  }
  send(...lines: string[]): void {
    this.socket.write(lines.map((l) => `${l}\n`).join(''));
  }
  response(id: number): Extract<Sv1Message, { kind: 'response' }> | undefined {
    return this.messages.find((m): m is Extract<Sv1Message, { kind: 'response' }> => m.kind === 'response' && m.id === id);
  }
}

const HANDSHAKE = ['{"id":1,"method":"mining.subscribe","params":["t"]}', '{"id":2,"method":"mining.authorize","params":["bc1qw.x","x"]}'];

describe('connection limits', () => {
  it('a flood of 1,100 sockets from one LAN host never refuses the Bitaxe Axewallet knows', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], { knownAddresses: () => ['127.0.0.2'] });
    const flood: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < 1100; i++) {
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      s.on('error', () => undefined);
      s.once('close', () => closed++);
      flood.push(s);
    }
    cleanups.push(() => {
      for (const s of flood) s.destroy();
    });
    // the neighbour keeps no more than its own share of the slots
    await until(() => closed >= 1100 - proxy.limits.perAddress, 'the flood beyond the per-address limit refused', 20_000);
    // the known Bitaxe connects while the flood holds what it can, and mines
    const bitaxe = miner(port, 'bc1qme.bitaxe', '127.0.0.2');
    await bitaxe.connect();
    for (let i = 0; i < 3; i++) expect((await bitaxe.submitShare()).accepted).toBe(true);
    expect(p.stats().accepted).toBe(3);
    // an unknown second host still gets in too: the neighbour holds no more than its own share
    const other = miner(port, 'bc1qother.rig', '127.0.0.3');
    await other.connect();
    expect((await other.submitShare()).accepted).toBe(true);
    expect(closed).toBe(1100 - proxy.limits.perAddress);
    expect(proxy.snapshot().invalid['refused-address-limit']).toBeGreaterThanOrEqual(1100 - proxy.limits.perAddress);
  });

  it('unknown hosts together cannot take the slots kept for known devices', async () => {
    const p = await pool();
    const { port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], { knownAddresses: () => ['127.0.0.2'], limits: { maxConnections: 40, perAddress: 16 } });
    const held: Wire[] = [];
    for (const host of ['127.0.0.3', '127.0.0.4', '127.0.0.5']) for (let i = 0; i < 16; i++) held.push(new Wire(port, host));
    // 40 slots, 8 kept for known devices: 32 for everyone else
    await until(() => held.filter((w) => w.closed).length === 48 - 32, 'the unknown hosts beyond 32 refused');
    const late = new Wire(port, '127.0.0.6');
    await until(() => late.closed, 'another unknown host refused');
    const bitaxe = miner(port, 'bc1qme.bitaxe', '127.0.0.2');
    await bitaxe.connect();
    expect((await bitaxe.submitShare()).accepted).toBe(true);
  });
});

describe('deadlines', () => {
  it('closes a socket that never speaks and one that never authorizes; pings a silent miner and keeps it while it answers', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], { handshakeTimeoutMs: 400, idleTimeoutMs: 3000 });
    const mute = new Wire(port);
    const subscribedOnly = new Wire(port);
    subscribedOnly.send(HANDSHAKE[0]!);
    const deaf = new Wire(port); // authorizes, then never answers anything
    deaf.send(...HANDSHAKE);
    const bitaxe = miner(port, 'bc1qme.bitaxe');
    await bitaxe.connect();
    await until(() => mute.closed && subscribedOnly.closed, 'the handshake deadline');
    await until(() => deaf.closed, 'the idle deadline');
    expect(deaf.messages.some((m) => m.kind === 'request' && m.method === 'mining.ping')).toBe(true);
    // the test miner answers mining.ping like ESP-Miner ({"method":"pong"}): silent for longer than the deadline, still there
    expect(bitaxe.received.some((m) => m.kind === 'request' && m.method === 'mining.ping')).toBe(true);
    await new Promise((r) => setTimeout(r, 3500));
    expect(proxy.snapshot().miners.map((m) => m.worker)).toEqual(['bc1qme.bitaxe']);
    expect((await bitaxe.submitShare()).accepted).toBe(true);
    expect(proxy.snapshot().invalid).toMatchObject({ 'handshake-timeout': 2, 'idle-timeout': 1 });
  });
});

describe('shares', () => {
  it('answers shares below the miner’s target (and one sent twice) itself, in the standard words, and never lets the pool see them', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`]);
    const rig = miner(port, 'bc1qlow.rig');
    await rig.connect();
    for (let i = 0; i < 5; i++) {
      const low = await rig.submitShare('low-difficulty');
      expect(low).toMatchObject({ accepted: false, reason: 'Low difficulty share' });
    }
    const answer = rig.received.filter((m) => m.kind === 'response' && m.error !== null).at(-1) as { error: unknown };
    expect(answer.error).toEqual([23, 'Low difficulty share', null]);
    expect((await rig.submitShare()).accepted).toBe(true);
    // the same share again: the pool would call it a duplicate under the user's name; it never sees it
    expect(await rig.submitShare('duplicate')).toMatchObject({ accepted: false, reason: 'Duplicate share' });
    expect(p.stats()).toMatchObject({ accepted: 1, rejected: {} });
    expect(proxy.snapshot().shares).toMatchObject({ accepted: 1, rejected: 6, rejectReasons: { 'low-difficulty': 5, 'duplicate-share': 1 } });
    expect(proxy.snapshot().miners[0]).toMatchObject({ accepted: 1, rejected: 6 });
  });

  it('hands a job out again (keepalive) with a later ntime: a firmware restarting extranonce2 at every notify finds new shares, not duplicates', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`], { keepaliveMs: 200 });
    const rig = miner(port, 'bc1qkeep.bitaxe');
    await rig.connect();
    const first = rig.job!;
    expect((await rig.submitShare()).accepted).toBe(true);
    await rig.waitFor(() => rig.job!.jobId !== first.jobId, 10_000, 'a keepalive notify');
    const again = rig.job!;
    expect(again.cleanJobs).toBe(false);
    expect(Number.parseInt(again.ntime, 16)).toBe(Number.parseInt(first.ntime, 16) + 1);
    // the miner starts this job at extranonce2 1 again, as ESP-Miner does: the new ntime makes it new work
    for (let i = 0; i < 3; i++) expect((await rig.submitShare()).accepted).toBe(true);
    expect(p.stats()).toMatchObject({ accepted: 4, rejected: {} });
    expect(proxy.snapshot().shares.rejected).toBe(0);
  });

  it('drops a connection that sends mostly invalid shares; its address waits, others do not', async () => {
    const p = await pool();
    const { proxy, port } = await proxyTo([`stratum+tcp://127.0.0.1:${p.sv1.port}`]);
    const bad = miner(port, 'bc1qbad.rig', '127.0.0.4');
    await bad.connect();
    let dropped = false;
    bad.on('disconnected', () => (dropped = true));
    for (let i = 0; i < 30 && !dropped; i++) await bad.submitShare('low-difficulty');
    expect(dropped).toBe(true);
    expect(p.stats().rejected).toEqual({});
    const again = new Wire(port, '127.0.0.4');
    again.send(...HANDSHAKE);
    await until(() => again.closed, 'the address to be refused');
    expect(again.messages).toEqual([]);
    const good = miner(port, 'bc1qgood.rig', '127.0.0.5');
    await good.connect();
    expect((await good.submitShare()).accepted).toBe(true);
    expect(proxy.snapshot().invalid['refused-backoff']).toBe(1);
  });
});

describe('each line on its own', () => {
  it.each(['sv1', 'sv2'] as const)('answers absurd difficulties (%s upstream), clamps them, and the miner goes on mining', async (protocol) => {
    const p = await pool({ successFlushMs: 20 });
    const url = protocol === 'sv1' ? `stratum+tcp://127.0.0.1:${p.sv1.port}` : `stratum2+tcp://127.0.0.1:${p.sv2.port}/${p.authorityPubkey}`;
    const { port } = await proxyTo([url], { nominalHashrate: 1000 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => process.off('unhandledRejection', onUnhandled));
    const rig = miner(port, 'bc1qabs.rig');
    await rig.connect();
    const values = ['1e-300', '1e300', '1e400', '-1', '0', '"1000"', 'null', '[]', '5e-324'];
    const answers = await Promise.all(values.map((v, i) => rig.call('mining.suggest_difficulty', [JSON.parse(v.replace('1e400', '1e308'))]).then((r) => [i, r] as const)));
    // and the raw text JSON.stringify cannot produce: a number too large for a double
    rig.writeRaw('{"id":999,"method":"mining.suggest_difficulty","params":[1e400]}\n');
    await rig.waitFor(() => rig.received.some((m) => m.kind === 'response' && m.id === 999), 3000, 'the 1e400 answer');
    for (const [i, r] of answers) {
      if (['-1', '0', '"1000"', 'null', '[]'].includes(values[i]!)) expect(r.error, values[i]).not.toBeNull();
      else expect(r.result, values[i]).toBe(true);
    }
    const difficulties = rig.received.filter((m) => m.kind === 'request' && m.method === 'mining.set_difficulty').map((m) => (m as { params: number[] }).params[0]!);
    expect(difficulties.every((d) => d >= MIN_DIFFICULTY && d <= MAX_DIFFICULTY)).toBe(true);
    // back to something a CPU can mine
    await rig.call('mining.suggest_difficulty', [2e-8]);
    await until(() => p.stats().channels.some((c) => c.open), 'an upstream channel');
    await rig.waitFor(() => rig.difficulty > 0 && rig.difficulty < 1e-5, 5000, 'a minable difficulty');
    expect((await rig.submitShare()).accepted).toBe(true);
    expect(unhandled).toEqual([]);
  });
});

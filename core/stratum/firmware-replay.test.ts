/**
 * Replays what the real ESP-Miner sends (fixtures/axeos/research-bitaxe/stratum_parser_transcript.txt)
 * and checks every reply against the firmware parser's rules from the same transcript.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type DevnetPool } from '../../devnet/pool/pool';
import { readFixture } from '../../test/fixtures';
import { parseSv1Line, type Sv1Message } from '../../lib/protocol/sv1/codec';
import { headerForSubmission, parseNotify } from '../../lib/protocol/sv1/job';
import { hashMeetsTarget, sha256d, targetFromDifficulty } from '../../lib/protocol/bitcoin/work';
import { type Proxy } from './proxy';
import { testProxy } from './testing/test-proxy';

const transcript = readFixture('axeos', 'research-bitaxe', 'stratum_parser_transcript.txt');
const firmwareLines = transcript
  .split('\n')
  .filter((l) => l.startsWith('WIRE-TX '))
  .map((l) => l.slice('WIRE-TX '.length));
const byMethod = (method: string) => firmwareLines.find((l) => l.includes(`"method":"${method}"`))!;

let pool: DevnetPool;
let proxy: Proxy;
let port: number;
let dir: string;

beforeAll(async () => {
  pool = await startPool({ sv1StartDifficulty: 1e-8 });
  dir = mkdtempSync(join(tmpdir(), 'axw-replay-'));
  proxy = testProxy([`stratum+tcp://127.0.0.1:${pool.sv1.port}`], join(dir, 'ledger.sqlite'));
  port = (await proxy.start()).port;
});

afterAll(async () => {
  await proxy.stop();
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

let sv2Pool: DevnetPool;
let sv2Proxy: Proxy;
let sv2Port: number;

beforeAll(async () => {
  sv2Pool = await startPool({ successFlushMs: 20 });
  sv2Proxy = testProxy([`stratum2+tcp://127.0.0.1:${sv2Pool.sv2.port}/${sv2Pool.authorityPubkey}`], join(dir, 'ledger-sv2.sqlite'), {
    verdictTimeoutMs: 5000,
    nominalHashrate: 1000,
  });
  sv2Port = (await sv2Proxy.start()).port;
});

afterAll(async () => {
  await sv2Proxy.stop();
  await sv2Pool.close();
});

class Wire {
  readonly messages: Sv1Message[] = [];
  readonly chunks: string[] = [];
  private buffer = '';
  private readonly socket: Socket;
  constructor(to = port) {
    this.socket = connect({ host: '127.0.0.1', port: to });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.chunks.push(chunk);
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.messages.push(parseSv1Line(line));
      }
    });
  }
  send(...lines: string[]): void {
    this.socket.write(lines.map((l) => `${l}\n`).join(''));
  }
  async until(predicate: (m: Sv1Message[]) => boolean, ms = 8000): Promise<void> {
    const end = Date.now() + ms;
    while (!predicate(this.messages)) {
      if (Date.now() > end) throw new Error(`timed out; got ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  response(id: number): Extract<Sv1Message, { kind: 'response' }> | undefined {
    return this.messages.find((m): m is Extract<Sv1Message, { kind: 'response' }> => m.kind === 'response' && m.id === id);
  }
  close(): void {
    this.socket.destroy();
  }
}

/** The firmware's acceptance rules for a server message (ESP-Miner stratum_api.c via the transcript). */
function firmwareAccepts(m: Sv1Message): boolean {
  if (m.kind === 'response') {
    const r = m.result;
    if (Array.isArray(r)) return r.length >= 3 && typeof r[1] === 'string' && typeof r[2] === 'number';
    if (r && typeof r === 'object') return (r as Record<string, unknown>)['version-rolling'] === true && typeof (r as Record<string, unknown>)['version-rolling.mask'] === 'string';
    if (typeof r === 'boolean') return true;
    if (typeof r === 'string') return true; // pong
    return Array.isArray(m.error) && typeof m.error[1] === 'string';
  }
  switch (m.method) {
    case 'mining.set_difficulty':
      return typeof m.params[0] === 'number';
    case 'mining.notify':
      try {
        parseNotify(m.params);
        return typeof m.params[m.params.length - 1] === 'boolean';
      } catch {
        return false;
      }
    case 'mining.set_version_mask':
      return typeof m.params[0] === 'string';
    case 'mining.set_extranonce':
      return typeof m.params[0] === 'string' && typeof m.params[1] === 'number';
    default:
      return false;
  }
}

describe('a client replaying the real firmware', () => {
  it('gets replies the firmware parses, set_difficulty before notify, and errors it can read', async () => {
    const wire = new Wire();
    // Pipelined on connect, exactly as the firmware writes them.
    wire.send(byMethod('mining.configure'), byMethod('mining.subscribe'), byMethod('mining.authorize'));
    await wire.until((m) => m.some((x) => x.kind === 'request' && x.method === 'mining.notify'));
    expect(wire.response(3)?.result).toBe(true);
    wire.send(byMethod('mining.suggest_difficulty'), byMethod('mining.extranonce.subscribe'), byMethod('mining.submit'));
    await wire.until(() => wire.response(6) !== undefined);

    const configure = wire.response(1)!.result as Record<string, unknown>;
    expect(configure['version-rolling.mask']).toBe('1fffe000');
    const subscribe = wire.response(2)!.result as unknown[];
    expect(typeof subscribe[1]).toBe('string');
    expect(subscribe[2]).toBe(4);
    expect(wire.response(5)?.result).toBe(true);
    // The transcript's submit names a job this proxy never sent: a clear Stratum error the firmware reads.
    const submit = wire.response(6)!;
    expect(submit.result).toBeNull();
    expect(submit.error).toEqual([21, 'Job not found', null]);

    for (const m of wire.messages) expect(firmwareAccepts(m), JSON.stringify(m)).toBe(true);
    const firstNotify = wire.messages.findIndex((m) => m.kind === 'request' && m.method === 'mining.notify');
    const firstDifficulty = wire.messages.findIndex((m) => m.kind === 'request' && m.method === 'mining.set_difficulty');
    expect(firstDifficulty).toBeGreaterThanOrEqual(0);
    expect(firstDifficulty).toBeLessThan(firstNotify);
    // The authorize answer precedes the work it unlocks.
    const authorizeAt = wire.messages.findIndex((m) => m.kind === 'response' && m.id === 3);
    expect(authorizeAt).toBeLessThan(firstNotify);
    wire.close();
  });

  it('answers a fallback probe (subscribe + authorize, one read) with mining.notify in the first read', async () => {
    const wire = new Wire();
    wire.send(byMethod('mining.subscribe'), byMethod('mining.authorize'));
    await wire.until(() => wire.chunks.length > 0);
    expect(wire.chunks[0]!.length).toBeGreaterThan(0);
    expect(wire.chunks[0]!.slice(0, 1023)).toContain('mining.notify');
    wire.close();
  });

  it('answers mining.ping, unknown methods and garbage with clear errors and keeps the connection', async () => {
    const wire = new Wire();
    wire.send('{"id":42,"method":"mining.ping","params":[]}', '{"id":43,"method":"mining.foo","params":[]}', 'not json at all', '{"id":44,"method":"mining.ping","params":[]}');
    await wire.until(() => wire.response(44) !== undefined);
    expect(wire.response(42)?.result).toBe('pong');
    expect(wire.response(43)?.error).toEqual([20, 'Unknown method mining.foo', null]);
    const garbage = wire.messages.find((m) => m.kind === 'response' && m.id === null);
    expect(Array.isArray((garbage as { error: unknown }).error)).toBe(true);
    wire.close();
  });

  it('rejects a wrong extranonce2 length and a submit before authorize with Stratum errors', async () => {
    const wire = new Wire();
    wire.send('{"id":1,"method":"mining.submit","params":["w","1","00","00000000","00000000"]}');
    await wire.until(() => wire.response(1) !== undefined);
    expect((wire.response(1)!.error as unknown[])[0]).toBe(25);
    wire.send(byMethod('mining.subscribe'), byMethod('mining.authorize'));
    await wire.until((m) => m.some((x) => x.kind === 'request' && x.method === 'mining.notify'));
    const notify = wire.messages.find((m) => m.kind === 'request' && m.method === 'mining.notify') as { params: unknown[] };
    wire.send(`{"id":7,"method":"mining.submit","params":["w","${String(notify.params[0])}","0011","00000000","00000000","00000000"]}`);
    await wire.until(() => wire.response(7) !== undefined);
    expect(wire.response(7)!.error).toEqual([20, 'Extranonce2 must be 4 bytes of hex', null]);
    wire.close();
  });

  it('forwards the firmware’s own submit format as SubmitSharesExtended; the devnet pool accepts it', async () => {
    const wire = new Wire(sv2Port);
    wire.send(byMethod('mining.configure'), byMethod('mining.subscribe'), byMethod('mining.authorize'));
    await wire.until((m) => m.some((x) => x.kind === 'request' && x.method === 'mining.notify'));
    const requests = wire.messages.filter((m): m is Extract<Sv1Message, { kind: 'request' }> => m.kind === 'request');
    const difficulty = requests.find((m) => m.method === 'mining.set_difficulty')!.params[0] as number;
    const job = parseNotify(requests.find((m) => m.method === 'mining.notify')!.params);
    const extranonce1 = (wire.response(2)!.result as unknown[])[1] as string;
    // exactly what the transcript's submit carries: counter 1 as little-endian extranonce2, rolled bits 00a4e000
    const firmwareSubmit = JSON.parse(byMethod('mining.submit')) as { params: string[] };
    const [user, , extranonce2, , , versionBits] = firmwareSubmit.params;
    let nonce = 0;
    const target = targetFromDifficulty(difficulty);
    for (; ; nonce++) {
      const header = headerForSubmission(job, { extranonce1, extranonce2: extranonce2!, ntime: job.ntime, nonce: nonce.toString(16).padStart(8, '0'), versionBits });
      if (hashMeetsTarget(sha256d(header), target)) break;
    }
    wire.send(JSON.stringify({ id: 6, method: 'mining.submit', params: [user, job.jobId, extranonce2, job.ntime, nonce.toString(16).padStart(8, '0'), versionBits] }));
    await wire.until(() => wire.response(6) !== undefined);
    expect(wire.response(6)).toMatchObject({ result: true, error: null });
    expect(sv2Pool.stats().accepted).toBe(1);
    expect(sv2Proxy.snapshot().shares).toMatchObject({ accepted: 1, rejected: 0, awaiting: 0 });
    wire.close();
  });

  it('after the firmware’s own suggest_difficulty (1000), its work in flight on the first job is still accepted upstream', async () => {
    const wire = new Wire(sv2Port);
    wire.send(byMethod('mining.configure'), byMethod('mining.subscribe'), byMethod('mining.authorize'));
    await wire.until((m) => m.some((x) => x.kind === 'request' && x.method === 'mining.notify'));
    const requests = () => wire.messages.filter((m): m is Extract<Sv1Message, { kind: 'request' }> => m.kind === 'request');
    const startDifficulty = requests().find((m) => m.method === 'mining.set_difficulty')!.params[0] as number;
    const firstJob = parseNotify(requests().find((m) => m.method === 'mining.notify')!.params);
    const extranonce1 = (wire.response(2)!.result as unknown[])[1] as string;
    const suggest = JSON.parse(byMethod('mining.suggest_difficulty')) as { id: number; params: number[] };
    wire.send(byMethod('mining.suggest_difficulty'));
    await wire.until(() => requests().some((m) => m.method === 'mining.set_difficulty' && m.params[0] === suggest.params[0]));
    // what the firmware does next: the new difficulty applies from the next notify on, which follows it
    const raised = requests().findIndex((m) => m.method === 'mining.set_difficulty' && m.params[0] === suggest.params[0]);
    await wire.until(() =>
      requests()
        .slice(raised)
        .some((m) => m.method === 'mining.notify'),
    );
    for (const m of wire.messages) expect(firmwareAccepts(m), JSON.stringify(m)).toBe(true);
    // a nonce the ASIC found on the first job before that: valid at the first job's difficulty
    const accepted = sv2Pool.stats().accepted;
    const target = targetFromDifficulty(startDifficulty);
    let nonce = 0;
    while (
      !hashMeetsTarget(
        sha256d(headerForSubmission(firstJob, { extranonce1, extranonce2: '07000000', ntime: firstJob.ntime, nonce: nonce.toString(16).padStart(8, '0'), versionBits: '00000000' })),
        target,
      )
    )
      nonce++;
    wire.send(JSON.stringify({ id: 9, method: 'mining.submit', params: ['bc1qreplay.w', firstJob.jobId, '07000000', firstJob.ntime, nonce.toString(16).padStart(8, '0'), '00000000'] }));
    await wire.until(() => wire.response(9) !== undefined);
    expect(wire.response(9)).toMatchObject({ result: true, error: null });
    await wire.until(() => sv2Pool.stats().accepted === accepted + 1);
    expect(sv2Pool.stats().rejected).toEqual({});
    wire.close();
  });
});

/**
 * Fuzz: 100,000 random and mutated Stratum V1 lines from miners, 50,000 mutated lines from a Stratum V1
 * pool and 50,000 mutated Stratum V2 frames from a pool. The proxy must not crash, must keep memory bounded
 * and must still carry a well-behaved miner's shares afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type DevnetPool } from '../../devnet/pool/pool';
import { readFixture } from '../../test/fixtures';
import { createLogger, silentLogger } from '../../lib/log';
const dbg = process.env.FUZZ_DEBUG ? createLogger([(r) => console.log(r.scope, r.message, JSON.stringify(r.fields ?? {}))], 'f', 'debug') : silentLogger;
import { decodeMessage, encodeMessage, type Sv2AnyMessage, type Sv2Message } from '../../lib/protocol/sv2/messages';
import { createProxy, type Proxy } from './proxy';
import type { Sv2Conn } from './sv2-upstream';
import { minerFor } from '../../device/sim/miner';
import { testProxy } from './testing/test-proxy';
import { until } from '../../test/until';
import { liveHeapBytes } from '../../test/heap';
import { seededRandom } from '../../test/seeded-random';

// seeded, so a failure reproduces
const random = seededRandom(0xa11e).fraction;
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const JUNK = ['null', 'true', '-1', '1e308', '"x"', '[]', '{}', '[[[[[]]]]]', '"\\u0000"', '"ffffffff"', '"zz"', '123456789012345678901234567890', '"' + 'a'.repeat(300) + '"'];

function mutateText(line: string): string {
  const chars = [...line];
  const n = 1 + Math.floor(random() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(random() * (chars.length + 1));
    switch (Math.floor(random() * 4)) {
      case 0:
        chars.splice(at, 1);
        break;
      case 1:
        chars.splice(at, 0, String.fromCharCode(32 + Math.floor(random() * 95)));
        break;
      case 2:
        chars.splice(at, 0, pick(JUNK));
        break;
      default:
        chars.length = Math.min(chars.length, at);
    }
  }
  return chars.join('').replace(/\n/g, ' ');
}

function mutateJson(line: string): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return mutateText(line);
  }
  const obj = value as Record<string, unknown>;
  if (Array.isArray(obj.params) && obj.params.length > 0 && random() < 0.8) {
    const params = [...obj.params];
    const i = Math.floor(random() * params.length);
    params[i] = JSON.parse(pick(JUNK));
    if (random() < 0.3) params.length = Math.floor(random() * params.length);
    obj.params = params;
  } else if (random() < 0.5) {
    obj.id = JSON.parse(pick(JUNK));
  } else {
    obj.method = pick(['mining.submit', 'mining.notify', 'mining.subscribe', 'mining.authorize', 'mining.configure', 'x', '', 'mining.set_difficulty']);
  }
  return JSON.stringify(obj);
}

const transcript = readFixture('axeos', 'research-bitaxe', 'stratum_parser_transcript.txt');
const minerSeeds = transcript
  .split('\n')
  .filter((l) => l.startsWith('WIRE-TX '))
  .map((l) => l.slice(8));
const poolSeeds = transcript
  .split('\n')
  .filter((l) => l.includes('stratum_api: rx: '))
  .map((l) => l.slice(l.indexOf('rx: ') + 4));

function fuzzLine(seeds: readonly string[]): string {
  const r = random();
  if (r < 0.45) return mutateJson(pick(seeds));
  if (r < 0.9) return mutateText(pick(seeds));
  if (r < 0.97)
    return Array.from({ length: Math.floor(random() * 200) }, () => String.fromCharCode(Math.floor(random() * 0xffff)))
      .join('')
      .replace(/[\n\r]/g, '');
  return 'x'.repeat(17 * 1024); // over the 16 KiB line limit
}

let pool: DevnetPool;
let dir: string;
const proxies: Proxy[] = [];

beforeAll(async () => {
  pool = await startPool({ sv1StartDifficulty: 1e-8 });
  dir = mkdtempSync(join(tmpdir(), 'axw-fuzz-'));
});

afterAll(async () => {
  for (const p of proxies) await p.stop();
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

function newProxy(upstreams: string[], extra: Partial<Parameters<typeof createProxy>[0]> = {}): Proxy {
  const proxy = testProxy(upstreams, join(dir, `ledger-${proxies.length}.sqlite`), {
    verdictTimeoutMs: 500,
    logger: dbg,
    // the lines are junk on purpose: this measures the parser, not the limits that would drop such a peer
    limits: { submitsPerSecond: 1e6, submitBurst: 1e6, dropInvalidSubmitters: false },
    ...extra,
  });
  proxies.push(proxy);
  return proxy;
}

async function healthyShare(port: number): Promise<boolean> {
  const m = minerFor({ host: '127.0.0.1', port, user: 'bc1qhealthy.w' });
  try {
    await m.connect();
    return (await m.submitShare()).accepted;
  } finally {
    m.close();
  }
}

describe('fuzz', () => {
  it('survives 100,000 random and mutated miner lines with bounded memory', async () => {
    const proxy = newProxy([`stratum+tcp://127.0.0.1:${pool.sv1.port}`]);
    const { port } = await proxy.start();
    const heapBefore = liveHeapBytes();
    let sent = 0;
    let connections = 0;
    while (sent < 100_000) {
      // A fresh, authorized connection every 5,000 lines: junk before and after the handshake.
      const socket: Socket = connect({ host: '127.0.0.1', port });
      connections++;
      let received = 0;
      socket.on('data', (d) => (received += d.length));
      socket.on('error', () => undefined);
      await new Promise((r) => socket.once('connect', r));
      socket.write(`${minerSeeds.slice(0, 3).join('\n')}\n`);
      const answered = Date.now() + 5000;
      while (received === 0 && Date.now() < answered) await new Promise((r) => setTimeout(r, 2));
      for (let batch = 0; batch < 10 && sent < 100_000; batch++) {
        const lines: string[] = [];
        for (let i = 0; i < 500; i++) lines.push(fuzzLine(minerSeeds));
        sent += lines.length;
        if (socket.destroyed) break;
        socket.write(`${lines.join('\n')}\n{"id":"sync","method":"mining.ping","params":[]}\n`);
        // let the proxy catch up so this measures handling, not kernel buffers
        await new Promise((r) => setTimeout(r, 5));
      }
      socket.destroy();
      expect(received).toBeGreaterThan(0);
    }
    await new Promise((r) => setTimeout(r, 100));
    const heapGrowth = liveHeapBytes() - heapBefore;
    expect(sent).toBeGreaterThanOrEqual(100_000);
    expect(connections).toBeGreaterThanOrEqual(20);
    // 100,000 lines: anything kept per line (over ~160 bytes) would cross this; measured growth is about 2 MiB
    expect(heapGrowth).toBeLessThan(16 * 1024 * 1024);
    const snap = proxy.snapshot();
    expect(Object.values(snap.invalid).reduce((a, b) => a + b, 0)).toBeGreaterThan(10_000);
    expect(Object.keys(snap.invalid).length).toBeLessThanOrEqual(64);
    expect(await healthyShare(port)).toBe(true);
  });

  it('survives 50,000 mutated lines from a Stratum V1 pool', async () => {
    const sockets = new Set<Socket>();
    let flooded = 0;
    const evil = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.setEncoding('utf8');
      let buffer = '';
      s.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const msg = JSON.parse(line) as { id: number; method: string };
          if (msg.method === 'mining.subscribe') s.write(`{"id":${msg.id},"result":[[],"aabbccdd",8],"error":null}\n`);
          else if (msg.method === 'mining.authorize') {
            s.write(`{"id":${msg.id},"result":true,"error":null}\n`);
            s.write(`${poolSeeds.find((l) => l.includes('"mining.set_difficulty","params":[1024]'))}\n${poolSeeds.find((l) => l.includes('mining.notify'))}\n`);
            const flood = () => {
              if (s.destroyed || flooded >= 50_000) return;
              const lines: string[] = [];
              // lines that legitimately end the session (reconnect, a new extranonce2 size) are covered by other tests
              for (let i = 0; i < 500; i++) lines.push(fuzzLine(poolSeeds).replace(/client\.reconnect|mining\.set_extranonce/g, 'x'));
              flooded += lines.length;
              s.write(`${lines.join('\n')}\n`, () => setTimeout(flood, 2));
            };
            flood();
          } else if (typeof msg.id === 'number') s.write(`{"id":${msg.id},"result":true,"error":null}\n`);
        }
      });
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilPort = (evil.address() as { port: number }).port;
    const proxy = newProxy([`stratum+tcp://127.0.0.1:${evilPort}`, `stratum+tcp://127.0.0.1:${pool.sv1.port}`]);
    const { port } = await proxy.start();
    const m = minerFor({ host: '127.0.0.1', port, user: 'bc1qvictim.w' });
    await m.connect();
    // however slowly a loaded machine gets through them: this is about surviving, not speed
    await until(() => flooded >= 50_000, 'the pool to send 50,000 lines', 50_000, 20);
    m.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => evil.close(r));
    // the proxy is alive and moves on to the working pool
    await new Promise((r) => setTimeout(r, 300));
    expect(await healthyShare(port)).toBe(true);
  });

  it('survives 50,000 mutated Stratum V2 frames from a pool', async () => {
    const samples: Sv2Message[] = [
      { type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 },
      { type: 'OpenExtendedMiningChannelSuccess', requestId: 1, channelId: 1, target: new Uint8Array(32).fill(0xff), extranonceSize: 8, extranoncePrefix: new Uint8Array(8), groupChannelId: 0 },
      {
        type: 'NewExtendedMiningJob',
        channelId: 1,
        jobId: 1,
        minNtime: undefined,
        version: 0x20000000,
        versionRollingAllowed: true,
        merklePath: [new Uint8Array(32)],
        coinbaseTxPrefix: new Uint8Array(40),
        coinbaseTxSuffix: new Uint8Array(60),
      },
      { type: 'SetNewPrevHash', channelId: 1, jobId: 1, prevHash: new Uint8Array(32), minNtime: 1_700_000_000, nbits: 0x1d00ffff },
      { type: 'SetTarget', channelId: 1, maximumTarget: new Uint8Array(32).fill(0x7f) },
      { type: 'SubmitSharesSuccess', channelId: 1, lastSequenceNumber: 5, newSubmitsAcceptedCount: 5, newSharesSum: 5n },
      { type: 'SubmitSharesError', channelId: 1, sequenceNumber: 2, errorCode: 'stale-share' },
      { type: 'SetExtranoncePrefix', channelId: 1, extranoncePrefix: new Uint8Array(4) },
      { type: 'MintQuoteNotification', channelId: 1, quoteId: 'q-1', amount: 1024n },
      { type: 'MintQuoteFailure', channelId: 1, quoteId: 'q-2', errorCode: 1, errorMessage: 'no' },
      { type: 'CloseChannel', channelId: 1, reasonCode: 'bye' },
      { type: 'Reconnect', newHost: '', newPort: 0 },
    ];
    const encoded = samples.map((m) => encodeMessage(m));
    let delivered = 0;
    let decodeErrors = 0;
    const listeners: Array<(m: Sv2AnyMessage) => void> = [];
    const fakeConn: Sv2Conn = {
      send: () => undefined,
      on(event: 'message' | 'close', listener: never) {
        if (event === 'message') listeners.push(listener);
        return this;
      },
      close: () => undefined,
    };
    const proxy = newProxy([`stratum2+tcp://127.0.0.1:1/${pool.authorityPubkey}`], {
      sv2Connector: async () => {
        setImmediate(() => listeners.at(-1)?.(samples[0]!));
        return fakeConn;
      },
      nominalHashrate: 1000,
    });
    const { port } = await proxy.start();
    // A miner whose authorize opens a channel on the fake link, so channel messages have somewhere to go.
    const wire = connect({ host: '127.0.0.1', port });
    wire.on('error', () => undefined);
    await new Promise((r) => wire.once('connect', r));
    wire.write(`${minerSeeds.slice(0, 3).join('\n')}\n`);
    await new Promise((r) => setTimeout(r, 50));
    listeners.at(-1)?.(samples[1]!);
    const heapBefore = liveHeapBytes();
    for (let i = 0; i < 50_000; i++) {
      const base = pick(encoded);
      const payload = base.payload.slice();
      const flips = Math.floor(random() * 4);
      for (let f = 0; f < flips && payload.length > 0; f++) payload[Math.floor(random() * payload.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? payload.slice(0, Math.floor(random() * payload.length)) : payload;
      let message: Sv2AnyMessage;
      try {
        message = decodeMessage(base.extensionType, random() < 0.05 ? Math.floor(random() * 256) : base.msgType, cut);
      } catch {
        decodeErrors++;
        continue;
      }
      for (const l of listeners) l(message);
      delivered++;
      if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(delivered + decodeErrors).toBe(50_000);
    expect(delivered).toBeGreaterThan(10_000);
    expect(liveHeapBytes() - heapBefore).toBeLessThan(16 * 1024 * 1024);
    wire.destroy();
    expect(proxy.snapshot().shares.awaiting).toBe(0);
  });
});

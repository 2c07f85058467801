import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { silentLogger } from '../../lib/log';
import { RelayPool } from './pool';
import { MAX_QUERY_BYTES, RelayConnection, RelayRefusedError } from './relay';
import { startScriptedRelay } from './testing/scripted-relay';

const key = generateSecretKey();
const me = getPublicKey(key);
let second = 1_700_000_000;
const event = () => finalizeEvent({ kind: 7375, tags: [], content: 'x', created_at: second++ }, key);

describe('relay connection and pool', () => {
  const relays: RunningRelay[] = [];
  const stops: Array<() => Promise<void>> = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    for (const r of relays.splice(0)) await r.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const connect = (url: string) => {
    const c = new RelayConnection(url, { logger: silentLogger, timeoutMs: 2000, backoffInitialMs: 20, backoffMaxMs: 200 });
    c.start();
    stops.push(() => c.stop());
    return c;
  };

  it('pages past the relay cap with until, each event once', async () => {
    const relay = await startRelay({ queryLimit: 10 });
    relays.push(relay);
    const events = Array.from({ length: 35 }, event);
    // three events in the same second straddle a page boundary
    events.push(finalizeEvent({ kind: 7375, tags: [], content: 'a', created_at: events[25]!.created_at }, key));
    events.push(finalizeEvent({ kind: 7375, tags: [], content: 'b', created_at: events[25]!.created_at }, key));
    await relay.insertUnchecked(events);
    const got = await connect(relay.url).queryAll({ kinds: [7375], authors: [me] }, 1000);
    expect(new Set(got.map((e) => (e as { id: string }).id))).toEqual(new Set(events.map((e) => e.id)));
    expect(got).toHaveLength(events.length);
  });

  it('gets past a second holding more events than the relay cap to everything older', async () => {
    const relay = await startRelay({ queryLimit: 5 });
    relays.push(relay);
    const crowded = Array.from({ length: 8 }, (_, i) => finalizeEvent({ kind: 7375, tags: [], content: `same ${i}`, created_at: 1_800_000_000 }, key));
    const older = Array.from({ length: 3 }, (_, i) => finalizeEvent({ kind: 7375, tags: [], content: `old ${i}`, created_at: 1_799_999_000 + i }, key));
    await relay.insertUnchecked([...crowded, ...older]);
    const got = new Set((await connect(relay.url).queryAll({ kinds: [7375], authors: [me], since: 1_799_000_000 }, 1000)).map((e) => (e as { id: string }).id));
    for (const e of older) expect(got.has(e.id)).toBe(true);
    expect(got.size).toBeGreaterThanOrEqual(8);
  });

  it('retries after rate-limited and reports other refusals with the relay reason', async () => {
    const relay = await startRelay();
    relays.push(relay);
    let refusals = 2;
    relay.hooks.refuseEvent = () => (refusals-- > 0 ? 'rate-limited: slow down' : undefined);
    const connection = connect(relay.url);
    await connection.publish(event());
    expect(refusals).toBeLessThan(0);
    expect(connection.status().lastOkAt).not.toBeNull();

    relay.hooks.refuseEvent = () => 'blocked: no writes';
    await expect(connection.publish(event())).rejects.toBeInstanceOf(RelayRefusedError);
    expect(connection.status().lastError).toMatch(/blocked: no writes/);
  });

  it('a relay that goes away gets the events later: reconnect with backoff, outbox retried, error cleared', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'axewallet-relay-'));
    dirs.push(dir);
    const dbPath = join(dir, 'relay.sqlite');
    let relay = await startRelay({ dbPath });
    const port = Number(new URL(relay.url).port);
    const pool = new RelayPool({ logger: silentLogger, timeoutMs: 1000, retryInitialMs: 50, retryMaxMs: 200 });
    await pool.setRelays([relay.url]);
    pool.start();
    stops.push(() => pool.stop());
    expect((await pool.publish(event())).accepted).toEqual([relay.url]);

    await relay.close();
    const missed = event();
    const result = await pool.publish(missed);
    expect(result.accepted).toEqual([]);
    expect(pool.status()[0]!.outbox).toBe(1);
    expect(pool.status()[0]!.lastError).not.toBeNull();

    relay = await startRelay({ dbPath, port });
    relays.push(relay);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (pool.status()[0]!.outbox === 0) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    expect(pool.status()[0]!.lastError).toBeNull();
    const { events } = await pool.queryAll({ ids: [missed.id] });
    expect(events).toHaveLength(1);
  });

  it('keeps only well-formed events of the asked kinds, authors and ids, whatever else a relay sends', async () => {
    const wanted = event();
    const otherKind = finalizeEvent({ kind: 1, tags: [], content: 'x', created_at: second++ }, key);
    const otherAuthor = finalizeEvent({ kind: 7375, tags: [], content: 'x', created_at: second++ }, generateSecretKey());
    const oversized = { ...event(), content: 'x'.repeat(600 * 1024) };
    const served: unknown[] = [wanted, otherKind, otherAuthor, oversized, { ...wanted, id: 'not hex' }, 'garbage', null];
    const relay = await startScriptedRelay(served);
    stops.push(() => relay.close());
    const connection = connect(relay.url);
    expect((await connection.queryAll({ kinds: [7375], authors: [me] })).map((e) => e.id)).toEqual([wanted.id]);
    expect((await connection.queryAll({ ids: [otherKind.id] })).map((e) => e.id)).toEqual([otherKind.id]);
  });

  it('a relay sending 100k large events is cut off within the byte budget: the heap stays bounded and the other relay still answers', async () => {
    // the hostile relay runs in its own process: the heap measured here is the client's alone
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing', 'flooding-relay.ts'), '100000', String(16 * 1024)], { stdio: ['ignore', 'pipe', 'inherit'] });
    stops.push(async () => {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    });
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (line: Buffer) => resolve((JSON.parse(String(line)) as { port: number }).port)));
    const honest = await startRelay();
    relays.push(honest);
    const mine = Array.from({ length: 20 }, event);
    await honest.insertUnchecked(mine);

    const pool = new RelayPool({ logger: silentLogger, timeoutMs: 30_000, retryInitialMs: 60_000 });
    await pool.setRelays([`ws://127.0.0.1:${port}`, honest.url]);
    pool.start();
    stops.push(() => pool.stop());

    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
    const { events, failed } = await pool.queryAll({ kinds: [7375], authors: [me] });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);

    // 100k x 16 KiB is 1.6 GB: buffered, the heap would grow by that; cut off at the budget it grows by a
    // few budgets at most (garbage not yet collected included)
    expect(peak - before).toBeLessThan(8 * MAX_QUERY_BYTES);
    expect(failed[`ws://127.0.0.1:${port}`]).toMatch(/sent more than 32 MiB for one query; stopped reading/);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(mine.map((e) => e.id)));
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { silentLogger } from '../log';
import { RelayPool } from './pool';
import { RelayConnection, RelayRefusedError } from './relay';

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
});

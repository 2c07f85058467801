/**
 * The firmware's choice between its primary and fallback pool (stratum_v1_task.c and protocol_coordinator.c at
 * bitaxeorg/ESP-Miner 5c277131), alone: when it gives up on the primary, and how it comes back. The primary's probe
 * is answered by a real pool stand-in on loopback.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/until';
import { PoolFailover } from './pool-failover';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A pool stand-in that answers a probe's first write with a job, or with nothing when `serving` is off. */
async function standIn(): Promise<{ port: number; serving: boolean; probes: number }> {
  const state = { port: 0, serving: false, probes: 0 };
  const server = net.createServer((socket) => {
    state.probes += 1;
    socket.on('error', () => undefined);
    socket.once('data', () => {
      if (state.serving) socket.write('{"id":null,"method":"mining.notify","params":[]}\n');
      else socket.end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  state.port = (server.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise((closed) => server.close(closed)));
  return state;
}

function failover(primaryPort: number) {
  const primary = { host: '127.0.0.1', port: primaryPort, user: 'bc1qtest.w' };
  const fallback = { host: '127.0.0.1', port: 9, user: 'bc1qtest.w' };
  const logged: string[] = [];
  let left = 0;
  const timers = new Set<NodeJS.Timeout>();
  cleanups.push(() => timers.forEach(clearTimeout));
  const policy = new PoolFailover(
    { pools: () => ({ primary, fallback }), failuresBeforeFallback: 3, primaryProbeMs: 20, probeTimeoutMs: 1000 },
    {
      userAgent: 'bitaxe/BM1370/v2.15.0',
      later: (ms, fn) => {
        const timer = setTimeout(() => (timers.delete(timer), fn()), ms);
        timers.add(timer);
      },
      log: (level, tag, message) => logged.push(`${level} ${tag} ${message}`),
      leaveFallback: () => (left += 1),
    },
  );
  return { policy, primary, fallback, logged, left: () => left };
}

describe('the firmware-like pool failover', () => {
  it('leaves the primary after three closes in a row without an answer; an answer in between starts the count again', async () => {
    const primary = await standIn();
    const { policy, primary: first, fallback, logged } = failover(primary.port);
    policy.closed();
    policy.closed();
    policy.answered();
    policy.closed();
    policy.closed();
    expect(policy.choose()).toBe(first);
    policy.closed();
    expect(policy.usingFallback).toBe(true);
    expect(policy.choose()).toBe(fallback);
    expect(logged).toContain('W stratum_task Switching to fallback pool');
    policy.cancel();
  });

  it('probes the primary while on the fallback and goes back once it hands out work', async () => {
    const primary = await standIn();
    const { policy, primary: first, left } = failover(primary.port);
    for (let i = 0; i < 3; i++) policy.closed();
    await until(() => primary.probes >= 2, 'two probes of a primary that hands out no work');
    expect(policy.usingFallback).toBe(true);
    primary.serving = true;
    await until(() => !policy.usingFallback, 'back on the primary');
    expect(left()).toBe(1);
    expect(policy.choose()).toBe(first);
  });

  it('probes no more once the miner stops', async () => {
    const primary = await standIn();
    const { policy } = failover(primary.port);
    for (let i = 0; i < 3; i++) policy.closed();
    await until(() => primary.probes >= 1, 'a first probe');
    policy.cancel();
    const probes = primary.probes;
    await new Promise((r) => setTimeout(r, 200));
    expect(primary.probes).toBeLessThanOrEqual(probes + 1);
    expect(policy.usingFallback).toBe(true);
  });
});

/** The alert rules and the center: conditions start once, clear when they end, notes go out once. */
import { describe, expect, it } from 'vitest';
import { normalizeInfo } from '../../device/axeos/normalize';
import { readFixtureJson } from '../../test/fixtures';
import type { Alert } from '../api/system';
import { AlertCenter } from './center';
import { deviceAlerts } from './device-rules';
import { backupAlerts, expiryAlerts, upstreamAlerts } from './system-rules';

const example = () => normalizeInfo(readFixtureJson('axeos', 'research-bitaxe', 'system_info_example.json'));
const gamma = { id: 'a0b765000001', name: 'gamma' };

function collect(center: AlertCenter): Alert[] {
  const seen: Alert[] = [];
  center.on('alert', (a) => seen.push(a));
  return seen;
}

describe('device rules through the center', () => {
  it('offline starts once, stays quiet while it lasts, and clears when the device answers', () => {
    const center = new AlertCenter();
    const seen = collect(center);
    const baseline = { pool: null, bestDiff: 0 };
    center.apply(deviceAlerts(gamma, { online: false, reason: 'no answer' }, baseline));
    center.apply(deviceAlerts(gamma, { online: false, reason: 'no answer' }, baseline));
    expect(seen.map((a) => [a.kind, !!a.clearedAt])).toEqual([['offline', false]]);
    expect(seen[0]).toMatchObject({ source: 'device', subject: gamma.id, severity: 'critical' });
    center.apply(deviceAlerts(gamma, { online: true, info: example(), poolChangeExpected: false }, baseline));
    expect(seen.map((a) => [a.kind, !!a.clearedAt])).toEqual([
      ['offline', false],
      ['offline', true],
    ]);
    expect(seen[1]!.id).toBe(seen[0]!.id);
    expect(center.active()).toEqual([]);
    expect(center.recent().map((a) => a.clearedAt !== undefined)).toEqual([true]);
  });

  it('hashrate drop and overheat clear when the device recovers; pool change and best difficulty are one-off notes', () => {
    const center = new AlertCenter();
    const seen = collect(center);
    const first = example();
    const baseline = { pool: `${first.pools[0]!.url}:${first.pools[0]!.port}`, bestDiff: first.bestDiff };
    center.apply(deviceAlerts(gamma, { online: true, info: first, poolChangeExpected: false }, baseline));
    expect(seen).toEqual([]);

    const bad = { ...example(), hashrate10m: 100, uptimeSeconds: 3600, temperature: 75, bestDiff: first.bestDiff * 2 };
    bad.pools = bad.pools.map((p) => (p.slot === bad.primaryPool ? { ...p, url: 'evil.example' } : p));
    center.apply(deviceAlerts(gamma, { online: true, info: bad, poolChangeExpected: false }, baseline));
    expect(seen.map((a) => a.kind).sort()).toEqual(['best-difficulty', 'hashrate-drop', 'overheat', 'pool-change']);

    const healed = { ...bad, hashrate10m: bad.expectedHashrate, temperature: 58 };
    center.apply(deviceAlerts(gamma, { online: true, info: healed, poolChangeExpected: false }, { pool: 'evil.example:' + bad.pools[0]!.port, bestDiff: bad.bestDiff }));
    const cleared = seen
      .filter((a) => a.clearedAt)
      .map((a) => a.kind)
      .sort();
    expect(cleared).toEqual(['hashrate-drop', 'overheat']);
  });

  it('a pool change the user made through Axewallet is no alert, nor is a paused device a hashrate drop', () => {
    const info = { ...example(), hashrate10m: 0, uptimeSeconds: 3600, miningPaused: true };
    info.pools = info.pools.map((p) => ({ ...p, url: 'axewallet.lan' }));
    const outcome = deviceAlerts(gamma, { online: true, info, poolChangeExpected: true }, { pool: 'old:3333', bestDiff: 0 });
    expect(outcome.notes).toEqual([]);
    expect(outcome.states.find((s) => s.key.endsWith('hashrate-drop'))?.active).toBe(false);
  });
});

describe('upstream, backup and expiry rules', () => {
  it('pool unreachable starts when no pool answers and clears when one is up; connecting changes nothing', () => {
    const center = new AlertCenter();
    const seen = collect(center);
    center.apply(upstreamAlerts({ url: null, onPrimary: false, state: 'connecting', detail: null }));
    expect(seen).toEqual([]);
    center.apply(upstreamAlerts({ url: null, onPrimary: false, state: 'down', detail: 'connect ECONNREFUSED' }));
    center.apply(upstreamAlerts({ url: null, onPrimary: false, state: 'connecting', detail: null }));
    center.apply(upstreamAlerts({ url: null, onPrimary: false, state: 'down', detail: 'connect ECONNREFUSED' }));
    expect(seen.map((a) => a.kind)).toEqual(['upstream-down']);
    expect(seen[0]!.message).toBe('connect ECONNREFUSED');
    center.apply(upstreamAlerts({ url: 'stratum2+tcp://backup.example:3336/9abc', onPrimary: false, state: 'up', detail: null }));
    expect(seen.map((a) => [a.kind, !!a.clearedAt])).toEqual([
      ['upstream-down', false],
      ['upstream-down', true],
      ['failover', false],
    ]);
    expect(seen[2]!.message).toContain('backup.example:3336');
    expect(seen[2]!.message).not.toContain('9abc');
    center.apply(upstreamAlerts({ url: 'stratum2+tcp://primary.example:3336/9abc', onPrimary: true, state: 'up', detail: null }));
    expect(seen.at(-1)).toMatchObject({ kind: 'failover', clearedAt: expect.any(String) });
    expect(center.active()).toEqual([]);
  });

  it('backup failing while every relay failed, over when one accepts again, silent while stopped', () => {
    const failing = {
      running: true,
      relays: [
        { url: 'wss://a', lastError: 'timeout' },
        { url: 'wss://b', lastError: 'rate-limited' },
      ],
    };
    expect(backupAlerts(failing).states[0]!.active).toMatchObject({ kind: 'backup-failing', message: expect.stringContaining('timeout') });
    expect(backupAlerts({ ...failing, relays: [{ url: 'wss://a', lastError: null }, failing.relays[1]!] }).states[0]!.active).toBe(false);
    expect(backupAlerts({ ...failing, running: false }).states).toEqual([]);
  });

  it('ehash near its keyset end date is an alert per keyset, critical on the last day, over once spent', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const holding = { mint: 'http://mint.example', unit: 'hash', keysetId: '01aa', amount: 4096n, expiresAt: now + 3 * 86_400_000 };
    const soon = expiryAlerts([holding], now).states[0]!;
    expect(soon.active).toMatchObject({ kind: 'ehash-expiring', severity: 'warning', title: '4,096 hash expires in 3 days' });
    expect(expiryAlerts([{ ...holding, expiresAt: now + 2 * 3_600_000 }], now).states[0]!.active).toMatchObject({ severity: 'critical' });
    expect(expiryAlerts([{ ...holding, expiresAt: now + 30 * 86_400_000 }], now).states[0]!.active).toBe(false);
    expect(expiryAlerts([{ ...holding, amount: 0n }], now).states[0]!.active).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeInfo } from '../../device/axeos/normalize';
import { readFixtureJson } from '../../test/fixtures';
import { type AlertMemory, evaluateAlerts } from './alerts';
import { lanAddressFor } from './lan';
import { hostOfAddress } from './manager';
import { shareDeltas } from './store';

const example = () => normalizeInfo(readFixtureJson('axeos', 'research-bitaxe', 'system_info_example.json'));
const fresh: AlertMemory = { offline: false, hashrateLow: false, overheat: false, pool: null, bestDiff: 0 };

describe('alert rules fire on transitions', () => {
  it('offline once, then back online', () => {
    const first = evaluateAlerts('gamma', fresh, { online: false, reason: 'no answer' });
    expect(first.drafts.map((d) => d.kind)).toEqual(['offline']);
    expect(evaluateAlerts('gamma', first.memory, { online: false, reason: 'no answer' }).drafts).toEqual([]);
    expect(evaluateAlerts('gamma', first.memory, { online: true, info: example(), poolChangeExpected: false }).drafts.map((d) => d.kind)).toContain('online');
  });

  it('hashrate drop, overheat, pool change elsewhere and new best difficulty', () => {
    const base = evaluateAlerts('gamma', fresh, { online: true, info: example(), poolChangeExpected: false });
    expect(base.drafts).toEqual([]); // the first look only learns the pool and best difficulty
    const info = { ...example(), hashrate10m: 100, temperature: 75, bestDiff: 3e9 };
    info.pools = info.pools.map((p) => (p.slot === 0 ? { ...p, url: 'evil.example' } : p));
    const next = evaluateAlerts('gamma', base.memory, { online: true, info, poolChangeExpected: false });
    expect(next.drafts.map((d) => d.kind).sort()).toEqual(['best-difficulty', 'hashrate-drop', 'overheat', 'pool-change']);
    expect(evaluateAlerts('gamma', base.memory, { online: true, info, poolChangeExpected: true }).drafts.map((d) => d.kind)).not.toContain('pool-change');
    expect(evaluateAlerts('gamma', base.memory, { online: true, info: { ...info, miningPaused: true }, poolChangeExpected: true }).drafts.map((d) => d.kind)).not.toContain('hashrate-drop');
  });
});

describe('addresses', () => {
  it('picks this machine’s address on the device’s subnet', () => {
    const locals = [
      { address: '127.0.0.1', netmask: '255.0.0.0' },
      { address: '10.8.0.2', netmask: '255.255.255.0' },
      { address: '192.168.1.10', netmask: '255.255.255.0' },
      { address: '192.168.0.5', netmask: '255.255.0.0' },
    ];
    expect(lanAddressFor('192.168.1.42', locals)).toBe('192.168.1.10');
    expect(lanAddressFor('192.168.7.42', locals)).toBe('192.168.0.5');
    expect(lanAddressFor('172.16.0.9', locals)).toBeUndefined();
    expect(lanAddressFor('127.0.0.3', locals)).toBe('127.0.0.1');
  });

  it('reads the host out of a miner address', () => {
    expect(hostOfAddress('127.0.0.7:37303')).toBe('127.0.0.7');
    expect(hostOfAddress('::ffff:192.168.1.4')).toBe('192.168.1.4');
    expect(hostOfAddress('[fe80::1]:3333')).toBe('fe80::1');
    expect(hostOfAddress('192.168.1.4')).toBe('192.168.1.4');
  });

  it('share deltas survive a device reboot (counters restart at 0)', () => {
    const s = (a: number, r: number) => ({ at: 0, hashrate1m: 0, hashrate10m: 0, hashrate1h: 0, temperature: 0, power: 0, sharesAccepted: a, sharesRejected: r });
    expect(shareDeltas([s(10, 1), s(15, 1), s(3, 0), s(8, 2)])).toEqual([{ shares: 0, rejects: 0 }, { shares: 5, rejects: 0 }, { shares: 3, rejects: 0 }, { shares: 5, rejects: 2 }]);
  });
});

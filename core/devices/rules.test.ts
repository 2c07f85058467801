import { describe, expect, it } from 'vitest';
import { lanAddressFor } from './lan';
import { hostOfAddress } from './address';
import { shareDeltas } from './store';

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
    expect(shareDeltas([s(10, 1), s(15, 1), s(3, 0), s(8, 2)])).toEqual([
      { shares: 0, rejects: 0 },
      { shares: 5, rejects: 0 },
      { shares: 3, rejects: 0 },
      { shares: 5, rejects: 2 },
    ]);
  });
});

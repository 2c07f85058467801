import { describe, expect, it } from 'vitest';
import { readFixture, fixturePath } from '../../test/fixtures';
import { readFileSync } from 'node:fs';
import { type NvsEntry, NvsFormatError, buildNvs, formatEntry, readNvs } from './nvs';
import { ProvisionRefused, provisionImage } from './plan';

const bin = (name: string) => new Uint8Array(readFileSync(fixturePath('nvs', `${name}.bin`)));
const engineView = (name: string) =>
  readFixture('nvs', `${name}.engine-dump.txt`)
    .split('\n')
    .filter((l) => l.includes('=') && !l.startsWith('init=') && !l.startsWith('stats '));

describe('NVS reader against the real ESP-IDF engine', () => {
  it.each(['sample-basic', 'sample-rich', 'config-601-v2.15.0', 'device-sim'])('%s reads as the engine reads it', (name) => {
    expect(readNvs(bin(name)).map(formatEntry)).toEqual(engineView(name));
  });

  it('refuses what is not an NVS partition', () => {
    expect(() => readNvs(new Uint8Array(100))).toThrow(NvsFormatError);
    expect(readNvs(new Uint8Array(0x6000).fill(0xff))).toEqual([]);
  });
});

describe('NVS builder against Espressif’s generator', () => {
  it.each(['sample-basic', 'sample-rich', 'config-601-v2.15.0'])('%s: same bytes as the generator for the same entries', (name) => {
    expect(Buffer.from(buildNvs(readNvs(bin(name)))).equals(Buffer.from(bin(name)))).toBe(true);
  });

  it('compacts a used partition without losing a value', () => {
    const used = bin('device-sim');
    expect(readNvs(buildNvs(readNvs(used))).map(formatEntry)).toEqual(engineView('device-sim'));
  });

  it('refuses entries that cannot be stored', () => {
    const long: NvsEntry = { namespace: 'main', key: 'a_key_that_is_too_long', type: 'u8', value: 1 };
    expect(() => buildNvs([long])).toThrow(/longer than 15/);
    const many: NvsEntry[] = Array.from({ length: 700 }, (_, i) => ({ namespace: 'main', key: `k${i}`, type: 'u16', value: i }));
    expect(() => buildNvs(many)).toThrow(/do not fit/);
  });
});

describe('provisioning a stock Bitaxe: read, merge, write back', () => {
  const settings = {
    wifi: { ssid: 'NewNet', password: 'new-pass' },
    pool: { url: '192.168.1.10', port: 34255, user: 'bc1qme.bitaxe' },
    fallback: { url: 'public-pool.io', port: 21496, user: 'bc1qme.bitaxe' },
  };

  it.each(['device-sim', 'config-601-v2.15.0', 'sample-rich'])('%s keeps everything it does not change', (name) => {
    const before = readNvs(bin(name));
    const { image, changes } = provisionImage(bin(name), settings);
    const after = readNvs(image);
    const get = (key: string) => after.find((e) => e.namespace === 'main' && e.key === key)?.value;
    expect(get('wifissid')).toBe('NewNet');
    expect(get('stratumurl')).toBe('192.168.1.10');
    expect(get('stratumport')).toBe(34255);
    expect(JSON.parse(String(get('pool_1')))).toMatchObject({ stratumURL: '192.168.1.10', stratumPort: 34255, stratumUser: 'bc1qme.bitaxe', stratumProtocol: 'SV1' });
    expect(JSON.parse(String(get('pool_2'))).stratumURL).toBe('public-pool.io');
    expect(changes).toContain('pool_1');
    const untouched = (list: NvsEntry[]) => list.filter((e) => !(e.namespace === 'main' && changes.includes(e.key))).map(formatEntry);
    expect(untouched(after)).toEqual(untouched(before));
    expect(get('selftest')).toBe(before.find((e) => e.key === 'selftest')?.value);
  });

  it('refuses a partition without factory data, and bad values', () => {
    expect(() => provisionImage(bin('sample-basic'), settings)).toThrow(ProvisionRefused);
    expect(() => provisionImage(bin('device-sim'), { wifi: { ssid: '', password: '' } })).toThrow(/1 to 32/);
    expect(() => provisionImage(bin('device-sim'), { pool: { url: 'x', port: 70000, user: 'u' } })).toThrow(/port/);
  });
});

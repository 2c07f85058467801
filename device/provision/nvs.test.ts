import { describe, expect, it } from 'vitest';
import { readFixture, fixturePath } from '../../test/fixtures';
import { readFileSync } from 'node:fs';
import { type NvsEntry, NvsFormatError, buildNvs, formatEntry, nvsHealth, readNvs } from './nvs';

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

describe('NVS health as the firmware meets it at boot', () => {
  it.each(['sample-basic', 'sample-rich', 'config-601-v2.15.0', 'device-sim'])('%s is healthy', (name) => {
    expect(nvsHealth(bin(name))).toEqual({ erasedAtBoot: false, problems: [] });
  });

  it('names a partition without a free page, an old format, a damaged entry and a page marked empty that holds data', () => {
    const full = bin('device-sim');
    for (let page = 0; page < full.length; page += 4096) if (full[page] === 0xff && full[page + 1] === 0xff) full.set(bin('device-sim').subarray(0, 4096), page);
    expect(nvsHealth(full)).toMatchObject({ erasedAtBoot: true, problems: [expect.stringMatching(/no free page/)] });

    const old = bin('sample-basic');
    old[8] = 0xff;
    expect(nvsHealth(old)).toMatchObject({ erasedAtBoot: true, problems: [expect.stringMatching(/not NVS format v2/)] });

    const damaged = bin('sample-basic');
    damaged[64 + 32 + 10] = (damaged[64 + 32 + 10] ?? 0) ^ 0x40; // a byte of the second entry's key
    // the engine reads the string's payload slots as entries of their own too, as it does
    expect(nvsHealth(damaged)).toEqual({ erasedAtBoot: false, problems: ['2 damaged entries (CRC)'] });

    const stray = bin('sample-basic');
    stray[5 * 4096 + 100] = 0;
    expect(nvsHealth(stray).problems).toEqual(['page at 0x5000 is marked empty but holds data']);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../test/fixtures';
import { type NvsEntry, buildNvs, formatEntry, readNvs } from './nvs';
import { ProvisionRefused, poolsInNvs, provisionImage } from './plan';

const bin = (name: string) => new Uint8Array(readFileSync(fixturePath('nvs', `${name}.bin`)));
const value = (image: Uint8Array, key: string) => readNvs(image).find((e) => e.namespace === 'main' && e.key === key)?.value;
const json = (image: Uint8Array, key: string) => JSON.parse(String(value(image, key))) as Record<string, unknown>;

const proxy = { url: '192.168.1.10', port: 34255, user: 'bc1qme.bitaxe' };

/** A unit that booted v2.15 with the hashpool over Stratum V2 in slot 1 and "use fallback" on: it mines Sv2 there. */
const HASHPOOL_SV2 = {
  stratumProtocol: 'SV2',
  stratumURL: 'pool.hashpool.dev',
  stratumPort: 34254,
  stratumUser: 'alice.gamma',
  stratumPassword: 'pool-secret',
  stratumSuggestedDifficulty: 2048,
  stratumExtranonceSubscribe: false,
  stratumTLS: 0,
  stratumCert: '',
  stratumDecodeCoinbase: true,
  stratumV2ChannelType: 'standard',
  stratumV2AuthorityPubkey: '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72',
  stratumV2RequireAuth: true,
};
function sv2Unit(extra: NvsEntry[] = []): Uint8Array {
  const entries = readNvs(bin('device-sim')).filter((e) => !['pool_1', 'pool_2'].includes(e.key));
  entries.push(
    { namespace: 'main', key: 'pool_1', type: 'str', value: JSON.stringify({ ...HASHPOOL_SV2, stratumProtocol: 'SV1', stratumURL: 'public-pool.io', stratumPort: 21496 }) },
    { namespace: 'main', key: 'pool_2', type: 'str', value: JSON.stringify(HASHPOOL_SV2) },
    { namespace: 'main', key: 'usefbstartum', type: 'u16', value: 1 },
    ...extra,
  );
  return buildNvs(entries);
}

describe('provisioning a stock Bitaxe: read, merge, write back', () => {
  const settings = { wifi: { ssid: 'NewNet', password: 'new-pass' }, pool: proxy };

  it.each(['device-sim', 'config-601-v2.15.0', 'sample-rich'])('%s keeps everything it does not change', (name) => {
    const before = readNvs(bin(name));
    const { image, changes } = provisionImage(bin(name), settings);
    const after = readNvs(image);
    const untouched = (list: NvsEntry[]) => list.filter((e) => !(e.namespace === 'main' && changes.includes(e.key))).map(formatEntry);
    expect(untouched(after)).toEqual(untouched(before));
    expect(value(image, 'wifissid')).toBe('NewNet');
    expect(value(image, 'selftest')).toBe(before.find((e) => e.key === 'selftest')?.value);
    for (const key of ['boardversion', 'devicemodel', 'asicmodel']) expect(changes).not.toContain(key);
  });

  it('puts Axewallet in a free slot and keeps the old primary, password included, as the fallback', () => {
    const { image, before, after } = provisionImage(bin('device-sim'), settings);
    expect(before.primary).toMatchObject({ slot: 0, url: 'public-pool.io' });
    expect(after).toEqual({ primary: { slot: 2, ...proxy, protocol: 'SV1' }, fallback: { slot: 0, url: 'public-pool.io', port: 3333, user: expect.any(String), protocol: 'SV1' } });
    expect(value(image, 'prim_idx')).toBe(2);
    expect(value(image, 'sec_idx')).toBe(0);
    expect(value(image, 'pool_1')).toBe(value(bin('device-sim'), 'pool_1'));
    expect(json(image, 'pool_3')).toMatchObject({ stratumProtocol: 'SV1', stratumURL: proxy.url, stratumPort: proxy.port, stratumUser: proxy.user, stratumSuggestedDifficulty: 1000 });
    // firmware up to v2.14 reads the legacy keys
    expect([value(image, 'stratumurl'), value(image, 'stratumport'), value(image, 'fbstratumurl')]).toEqual([proxy.url, proxy.port, 'public-pool.io']);
  });

  it('a Bitaxe mining Stratum V2 to a hashpool keeps that pool intact as its fallback, and stops forcing the fallback', () => {
    const unit = sv2Unit();
    const { image, before, after, changes } = provisionImage(unit, { pool: proxy });
    expect(before.fallback).toMatchObject({ slot: 1, protocol: 'SV2', url: 'pool.hashpool.dev' });
    expect(after.fallback).toEqual({ slot: 1, url: 'pool.hashpool.dev', port: 34254, user: 'alice.gamma', protocol: 'SV2' });
    expect(value(image, 'pool_2')).toBe(JSON.stringify(HASHPOOL_SV2));
    expect(changes).not.toContain('pool_2');
    expect(value(image, 'usefbstartum')).toBe(0);
    expect(json(image, 'pool_3')).toMatchObject({ stratumProtocol: 'SV1', stratumSuggestedDifficulty: 2048 });
    expect([value(image, 'fbstratumprot'), value(image, 'fbsv2chantype'), value(image, 'fbsv2authpubk'), value(image, 'fbstratumpass')]).toEqual([
      'SV2',
      'standard',
      HASHPOOL_SV2.stratumV2AuthorityPubkey,
      'pool-secret',
    ]);
    expect(poolsInNvs(readNvs(image))).toMatchObject({ primary: 2, secondary: 1, useFallback: false, fromLegacy: false });

    // the same hashpool as the plain primary (no forced fallback) becomes the fallback the same way
    const primaryUnit = buildNvs(
      readNvs(bin('device-sim'))
        .filter((e) => e.key !== 'pool_1')
        .concat([{ namespace: 'main', key: 'pool_1', type: 'str', value: JSON.stringify(HASHPOOL_SV2) }]),
    );
    const moved = provisionImage(primaryUnit, { pool: proxy });
    expect(moved.after.fallback).toMatchObject({ slot: 0, protocol: 'SV2' });
    expect(value(moved.image, 'pool_1')).toBe(JSON.stringify(HASHPOOL_SV2));
  });

  it('a unit already pointed at Axewallet is updated in place; with every slot taken the old fallback slot is used', () => {
    const once = provisionImage(sv2Unit(), { pool: proxy }).image;
    const again = provisionImage(once, { pool: { ...proxy, user: 'bc1qme.second' } });
    expect(again.after.primary).toMatchObject({ slot: 2, user: 'bc1qme.second' });
    expect(again.after.fallback?.url).toBe('pool.hashpool.dev');
    const full = sv2Unit([3, 4, 5, 6, 7, 8].map((n) => ({ namespace: 'main', key: `pool_${n}`, type: 'str', value: JSON.stringify({ ...HASHPOOL_SV2, stratumURL: `pool${n}.example` }) })));
    const { after } = provisionImage(full, { pool: proxy });
    // it mined on slot 1 (use fallback): the idle primary slot 0 is the one that is borrowed
    expect(after).toMatchObject({ primary: { slot: 0, url: proxy.url }, fallback: { slot: 1, protocol: 'SV2' } });
  });

  it('a unit that never booted v2.15 gets every slot written, so the legacy migration cannot undo the selection', () => {
    const { image } = provisionImage(bin('config-601-v2.15.0'), { pool: proxy });
    expect(json(image, 'pool_1').stratumURL).toBe('public-pool.io');
    expect(json(image, 'pool_2').stratumURL).toBe('solo.ckpool.org');
    expect(json(image, 'pool_3').stratumURL).toBe(proxy.url);
    expect([value(image, 'prim_idx'), value(image, 'sec_idx')]).toEqual([2, 0]);
  });

  it('an explicit fallback replaces the old primary', () => {
    const { after } = provisionImage(bin('device-sim'), { pool: proxy, fallback: { url: 'solo.example', port: 3333, user: 'me' } });
    expect(after.fallback).toMatchObject({ slot: 0, url: 'solo.example', protocol: 'SV1' });
  });

  it('refuses a partition without factory data, bad values and a full partition, naming the reason', () => {
    expect(() => provisionImage(bin('sample-basic'), settings)).toThrow(ProvisionRefused);
    expect(() => provisionImage(bin('device-sim'), { wifi: { ssid: '', password: '' } })).toThrow(/1 to 32/);
    expect(() => provisionImage(bin('device-sim'), { pool: { url: 'x', port: 70000, user: 'u' } })).toThrow(/port/);
    const crowded = readNvs(bin('device-sim'));
    for (let i = 0; crowded.length < 3000 && i < 600; i++) crowded.push({ namespace: 'filler', key: `k${i}`, type: 'u32', value: i });
    let image: Uint8Array | undefined;
    while (!image) {
      try {
        image = buildNvs(crowded);
      } catch {
        crowded.pop();
      }
    }
    expect(() => provisionImage(image!, settings)).toThrow(/settings storage is full.*Nothing was written/);
  });
});

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import config from '../forge.config';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);

/**
 * Electron's binary cannot be downloaded here: a stand-in executable carrying the fuse wire the way
 * Electron's does (sentinel, wire version 1, wire length, one byte per fuse) with Electron's defaults.
 * `fuses` is the wire length: 8 known to @electron/fuses 1.x, 9 once WasmTrapHandlers is in the binary.
 */
function fakeElectron(dir: string, fuses: 8 | 9): string {
  const defaults = '10110001' + (fuses === 9 ? '1' : '');
  const binary = Buffer.concat([Buffer.from('\x7fELF padding before the wire '), Buffer.from(SENTINEL), Buffer.from([1, fuses]), Buffer.from(defaults), Buffer.from(' and after')]);
  mkdirSync(join(dir, 'resources', 'app'), { recursive: true });
  writeFileSync(join(dir, 'electron'), binary);
  chmodSync(join(dir, 'electron'), 0o755);
  return join(dir, 'electron');
}

describe('Electron fuses (forge.config.ts)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const fuses = config.plugins!.filter((p): p is FusesPlugin => p instanceof FusesPlugin);

  it('packages with the fuses plugin: no RunAsNode, no NODE_OPTIONS or --inspect, cookie encryption, ASAR integrity, app only from ASAR', () => {
    expect(fuses).toHaveLength(1);
    expect(fuses[0]!.fusesConfig).toMatchObject({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    // OnlyLoadAppFromAsar and ASAR integrity need the app packed into an archive
    expect(config.packagerConfig?.asar).toBeTruthy();
  });

  for (const wire of [8, 9] as const) {
    it(`flips those fuses in the packaged executable (a ${wire}-fuse wire), leaving the rest of it untouched`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'axw-fuses-'));
      dirs.push(dir);
      const executable = fakeElectron(dir, wire);
      const before = readFileSync(executable);
      const hook = fuses[0]!.getHooks().packageAfterCopy as unknown as (...args: unknown[]) => Promise<void>;
      await hook.call(null, { packagerConfig: {} }, join(dir, 'resources', 'app'), '38.8.6', 'linux', 'x64');
      const after = await getCurrentFuseWire(executable);
      expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => after[i as FuseV1Options])).toEqual([OFF, ON, OFF, OFF, ON, ON, OFF, OFF]);
      if (wire === 9) expect((after as Record<number, number>)[8]).toBe(ON);
      const bytes = readFileSync(executable);
      expect(bytes.length).toBe(before.length);
      expect(bytes.subarray(0, before.indexOf(SENTINEL) + SENTINEL.length + 2)).toEqual(before.subarray(0, before.indexOf(SENTINEL) + SENTINEL.length + 2));
    });
  }
});

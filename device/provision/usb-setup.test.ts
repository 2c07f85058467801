/**
 * Setting up a simulated stock Bitaxe over USB, end to end: esptool-js over our serialport adapter
 * on a socat pty, talking to our ESP32-S3 ROM loader emulator, whose flash holds an NVS partition
 * (built by our code, or the real ESP-IDF engine's device-sim.bin). The simulator then boots from
 * what the flash holds, as the firmware would.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath } from '../../test/fixtures';
import { until } from '../../test/until';
import { PARTITION_TABLE_OFFSET, buildPartitionTable, ESP_MINER_PARTITIONS } from './partition-table';
import { type Simulator, type SimulatorOptions, startSimulator } from '../sim/simulator';
import { startPool } from '../../devnet/pool/pool';
import { CHIPS, REG } from '../sim/rom-loader';
import { NvsBackups } from './backups';
import { buildNvs, formatEntry, nvsHealth, readNvs } from './nvs';
import { type UsbProgress, UsbSetupError, restoreOverUsb, setUpOverUsb } from './usb-setup';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const engineImage = () => new Uint8Array(readFileSync(fixturePath('nvs', 'device-sim.bin')));
const FACTORY = ['boardversion', 'devicemodel', 'asicmodel', 'selftest', 'asicfrequency', 'asicvoltage'];

async function stockUnit(usb: SimulatorOptions['usb'] = {}, host = '127.0.0.41'): Promise<Simulator & { usb: NonNullable<Simulator['usb']> }> {
  // its own pools point at a closed loopback port until it is set up
  const sim = await startSimulator({
    host,
    usb,
    pool: { host: '127.0.0.1', port: 9 },
    fallbackPool: { host: '127.0.0.1', port: 9 },
    bootMs: 50,
    restartDelayMs: 50,
    hashesPerSecond: 20_000,
    connectRetryMs: 200,
  });
  cleanups.push(() => sim.stop());
  expect(sim.serial).toMatch(/^\/dev\/pts\/\d+$/);
  return sim as Simulator & { usb: NonNullable<Simulator['usb']> };
}

function home(): NvsBackups {
  const dir = mkdtempSync(join(tmpdir(), 'axw-usb-home-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return new NvsBackups(join(dir, 'usb-backups'));
}

const identity = { usbVendorId: 0x303a, usbProductId: 0x1001 };
const keysOf = (image: Uint8Array, keys: string[]) =>
  readNvs(image)
    .filter((e) => e.namespace !== 'main' || keys.includes(e.key))
    .map(formatEntry);
const otherThan = (image: Uint8Array, changed: string[]) =>
  readNvs(image)
    .filter((e) => !(e.namespace === 'main' && changed.includes(e.key)))
    .map(formatEntry);

describe('setting up a stock Bitaxe over USB', () => {
  it('merges Wi-Fi and the pool into its NVS, keeps the factory data byte for byte, and it boots and mines on the new pool', async () => {
    const pool = await startPool({ sv1StartDifficulty: 1e-6, sv1HonoursSuggestedDifficulty: false });
    cleanups.push(() => pool.close());
    const sim = await stockUnit({ nvs: engineImage() });
    const original = sim.usb.nvs();
    const backups = home();
    const progress: UsbProgress[] = [];
    const boots = sim.boots;

    const result = await setUpOverUsb({
      path: sim.serial!,
      identity,
      backups,
      onProgress: (p) => progress.push(p),
      settings: { wifi: { ssid: 'HomeNet', password: 'correct horse' }, pool: { url: pool.sv1.host, port: pool.sv1.port, user: 'bc1qminer.gamma' } },
    });

    expect(result.mac).toBe(sim.mac);
    expect(result.after.primary).toMatchObject({ url: pool.sv1.host, port: pool.sv1.port, protocol: 'SV1' });
    expect(result.before.primary?.url).toBe('public-pool.io');
    expect(progress.filter((p) => p.state === 'done').map((p) => p.step)).toEqual(['connect', 'read', 'merge', 'backup', 'write', 'verify', 'reset']);
    expect(progress.some((p) => p.step === 'write' && p.total === 0x6000 && p.done === 0x6000)).toBe(true);

    // the copy in the home is the partition as it was, and is marked written
    expect(Buffer.from(backups.read(result.backup)).equals(Buffer.from(original))).toBe(true);
    expect(backups.get(result.backup.id)?.state).toBe('written');

    // what the loader saw: watchdogs off before the write, FORCE_DOWNLOAD_BOOT cleared before the reset
    const loader = sim.usb.loader.sessions[0]!;
    expect(loader.registerWrites).toContainEqual([REG.RTC_WDT_CONFIG0, 0, 0xffffffff]);
    expect(loader.registerWrites).toContainEqual([REG.RTC_OPTION1, 0, 1]);

    // the unit boots from the new partition
    await until(() => sim.boots > boots, 'the Bitaxe boots its firmware after the reset');
    const after = sim.usb.nvs();
    expect(nvsHealth(after).problems).toEqual([]);
    expect(otherThan(after, result.changes)).toEqual(otherThan(original, result.changes));
    expect(keysOf(after, FACTORY)).toEqual(keysOf(original, FACTORY));
    expect(sim.usb.board).toEqual({ boardVersion: '601', deviceModel: 'gamma', asicModel: 'BM1370' });
    const info = (await (await fetch(`${sim.http}/api/system/info`)).json()) as { ssid: string; stratumURL: string; stratumPort: number; boardVersion: string };
    expect(info).toMatchObject({ ssid: 'HomeNet', stratumURL: pool.sv1.host, stratumPort: pool.sv1.port, boardVersion: '601' });
    await until(() => sim.stratum().sharesAccepted > 0, 'shares accepted by the new pool', 30_000);
  });

  it('a unit fresh from the factory (NVS built by our generator-identical builder) is set up the same way', async () => {
    const sim = await stockUnit();
    const original = sim.usb.nvs();
    const result = await setUpOverUsb({ path: sim.serial!, identity, backups: home(), settings: { wifi: { ssid: 'Net2', password: '' }, pool: { url: '127.0.0.2', port: 34255, user: 'me' } } });
    await until(() => sim.boots > 0, 'boot after setup');
    expect(otherThan(sim.usb.nvs(), result.changes)).toEqual(otherThan(original, result.changes));
    expect(result.changes).toEqual(expect.arrayContaining(['wifissid', 'pool_3', 'prim_idx', 'sec_idx', 'stratumurl']));
    expect(result.after.fallback).toMatchObject({ url: '127.0.0.1', port: 9 });
  });

  it('the cable pulled mid-write: the session says so, the unit would boot broken, and the saved copy brings it back', async () => {
    const sim = await stockUnit({ nvs: engineImage(), pullCableAfterFlashBytes: 0x300 });
    const original = sim.usb.nvs();
    const backups = home();
    const settings = { wifi: { ssid: 'HomeNet', password: 'pw-12345' }, pool: { url: '127.0.0.1', port: 34255, user: 'me' } };
    const error = (await setUpOverUsb({ path: sim.serial!, identity, backups, settings }).catch((e: unknown) => e)) as UsbSetupError;
    expect(error).toBeInstanceOf(UsbSetupError);
    expect(error.kind).toBe('interrupted');
    expect(error.message).toMatch(/broke off while the settings were being written/);
    expect(error.backupId).toBeDefined();
    expect(backups.get(error.backupId!)?.state).toBe('pending');
    // half a partition on the flash: without the copy this unit would lose its factory data
    expect(Buffer.from(sim.usb.nvs()).equals(Buffer.from(original))).toBe(false);

    // plugged in again after a power cycle: it boots from the broken partition, as the firmware would
    sim.usb.loader.plugIn({ powerCycle: true });
    await until(() => sim.boots === 1, 'the unit boots from the half-written partition');
    expect(sim.usb.board).toBeUndefined();

    const restored = await restoreOverUsb({ path: sim.serial!, identity, backups });
    expect(restored.backup.state).toBe('restored');
    await until(() => sim.boots === 2, 'the unit boots after the restore');
    expect(Buffer.from(sim.usb.nvs()).equals(Buffer.from(original))).toBe(true);
    expect(sim.usb.board?.boardVersion).toBe('601');
    expect(nvsHealth(sim.usb.nvs()).problems).toEqual([]);
  });

  it('after a pulled cable, "try again" starts from the saved copy and the unit boots with its factory data', async () => {
    const sim = await stockUnit({ nvs: engineImage(), pullCableAfterFlashBytes: 0x300 });
    const original = sim.usb.nvs();
    const backups = home();
    const settings = { wifi: { ssid: 'HomeNet', password: 'pw-12345' }, pool: { url: '127.0.0.1', port: 34255, user: 'me' } };
    await expect(setUpOverUsb({ path: sim.serial!, identity, backups, settings })).rejects.toMatchObject({ kind: 'interrupted' });
    sim.usb.loader.plugIn();
    const result = await setUpOverUsb({ path: sim.serial!, identity, backups, settings });
    expect(result.resumedFrom).toBe(result.backup.id);
    await until(() => sim.boots === 1, 'boot after the second attempt');
    expect(keysOf(sim.usb.nvs(), FACTORY)).toEqual(keysOf(original, FACTORY));
    expect(otherThan(sim.usb.nvs(), result.changes)).toEqual(otherThan(original, result.changes));
    expect(backups.list(sim.mac)).toHaveLength(1);
  });

  it('a write that does not verify (a flipped bit on the way) is replaced by the saved copy at once', async () => {
    const sim = await stockUnit({ nvs: engineImage(), corruptFlashWrites: 1 });
    const original = sim.usb.nvs();
    const backups = home();
    const error = (await setUpOverUsb({ path: sim.serial!, identity, backups, settings: { wifi: { ssid: 'X', password: '' } } }).catch((e: unknown) => e)) as UsbSetupError;
    expect(error).toMatchObject({ kind: 'verify', message: expect.stringMatching(/MD5 mismatch.*wrote the saved copy back/) });
    expect(backups.get(error.backupId!)?.state).toBe('restored');
    await until(() => sim.boots === 1, 'the unit boots its old settings');
    expect(Buffer.from(sim.usb.nvs()).equals(Buffer.from(original))).toBe(true);
  });

  it('a loader whose answers reach a busy host late (MEM_END after 600 ms) is still set up', async () => {
    const sim = await stockUnit({ memEndDelayMs: 600 });
    const result = await setUpOverUsb({ path: sim.serial!, identity, backups: home(), settings: { wifi: { ssid: 'Slow', password: '' } } });
    expect(result.changes).toContain('wifissid');
  });

  it('refuses another chip, naming it, and writes nothing', async () => {
    const sim = await stockUnit({ chip: CHIPS['ESP32-C3'] });
    const before = sim.usb.nvs();
    const backups = home();
    await expect(setUpOverUsb({ path: sim.serial!, identity, backups, settings: { pool: { url: '127.0.0.1', port: 1, user: 'u' } } })).rejects.toMatchObject({
      kind: 'wrong-chip',
      message: expect.stringMatching(/ESP32-C3, not the ESP32-S3/),
    });
    expect(Buffer.from(sim.usb.nvs()).equals(Buffer.from(before))).toBe(true);
    expect(backups.list()).toEqual([]);
  });

  it('refuses a damaged partition and one without factory data, and offers a saved copy when there is one', async () => {
    const broken = engineImage();
    const at = 0x1000 + 64 + 19 * 32 + 25; // page 1, entry 19 (selftest): a flipped bit in its value
    broken[at] = (broken[at] ?? 0) ^ 0x10;
    const sim = await stockUnit({ nvs: broken });
    const backups = home();
    const attempt = (path: string) => setUpOverUsb({ path, identity, backups, settings: { pool: { url: '127.0.0.1', port: 1, user: 'u' } } });
    await expect(attempt(sim.serial!)).rejects.toMatchObject({ kind: 'damaged', message: expect.stringMatching(/is damaged \(\d+ damaged entr.*\)\. Nothing was written/), backupId: undefined });
    expect(Buffer.from(sim.usb.nvs()).equals(Buffer.from(broken))).toBe(true);
    expect(backups.list()).toEqual([]);

    // a partition without a free page: the firmware erased it at boot, as ESP-Miner's nvs_config_init does
    const full = engineImage();
    full.set(full.subarray(0, 4096), 0x5000);
    const erased = await stockUnit({ nvs: full }, '127.0.0.42');
    expect(erased.usb.erasedAtBoot).toBe(true);
    expect(erased.usb.board).toBeUndefined();
    await expect(attempt(erased.serial!)).rejects.toMatchObject({ kind: 'damaged', message: expect.stringMatching(/has no factory data/), hint: expect.stringMatching(/web flasher/) });
    // a copy from an earlier, finished setup of this unit (a pending one would be taken as the start of a retry)
    backups.update(backups.save(erased.mac, 0x9000, engineImage()).id, { state: 'written' });
    await expect(attempt(erased.serial!)).rejects.toMatchObject({ kind: 'damaged', hint: expect.stringMatching(/Restore the saved copy/), backupId: expect.any(String) });
    await restoreOverUsb({ path: erased.serial!, identity, backups });
    await until(() => erased.usb.board?.boardVersion === '601', 'the restored unit boots as a Gamma 601 again');
  });

  it('refuses a layout that is not ESP-Miner’s and a full partition, writing nothing', async () => {
    const sim = await stockUnit();
    const before = sim.usb.nvs();
    sim.usb.flash.erase(PARTITION_TABLE_OFFSET, 0x1000);
    sim.usb.flash.write(PARTITION_TABLE_OFFSET, buildPartitionTable(ESP_MINER_PARTITIONS.map((p) => (p.label === 'nvs' ? { ...p, size: 0x4000 } : p))));
    await expect(setUpOverUsb({ path: sim.serial!, identity, backups: home(), settings: {} })).rejects.toMatchObject({ kind: 'layout', hint: expect.stringMatching(/Nothing was written/) });
    expect(Buffer.from(sim.usb.nvs()).equals(Buffer.from(before))).toBe(true);
    // and it is not left waiting in its boot loader
    await until(() => sim.boots === 1, 'the refused unit is sent back to its firmware');

    const crowded = readNvs(engineImage());
    let full: Uint8Array | undefined;
    for (let i = 0; !full || i < 2000; i++) {
      try {
        full = buildNvs([...crowded, { namespace: 'fill', key: `k${i}`, type: 'u32', value: i }]);
        crowded.push({ namespace: 'fill', key: `k${i}`, type: 'u32', value: i });
      } catch {
        break;
      }
    }
    const packed = await stockUnit({ nvs: full }, '127.0.0.43');
    const backups = home();
    await expect(
      setUpOverUsb({
        path: packed.serial!,
        identity,
        backups,
        settings: { wifi: { ssid: 'A much longer network name', password: 'and a long password too' }, pool: { url: '127.0.0.1', port: 34255, user: 'me' } },
      }),
    ).rejects.toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/settings storage is full/),
    });
    expect(Buffer.from(packed.usb.nvs()).equals(Buffer.from(full!))).toBe(true);
    expect(backups.list()).toEqual([]);
  });

  it('says when no boot loader answers', async () => {
    const sim = await stockUnit({ answers: false });
    await expect(setUpOverUsb({ path: sim.serial!, identity, backups: home(), attempts: 2, settings: {} })).rejects.toMatchObject({
      kind: 'no-loader',
      message: expect.stringMatching(/did not answer in its boot loader \(this port cannot reset it\)/),
      hint: expect.stringMatching(/hold the BOOT button/),
    });
  });
});

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures';
import { type Simulator, startSimulator } from '../sim/simulator';
import { startPool } from '../../devnet/pool/pool';
import { SerialCommandError, SerialDriver } from './driver';
import { type ConsoleEvent, ShareCounter, parseConsoleLine } from './log-parser';
import { listBitaxePorts, listFromSysfs } from './ports';
import { until } from '../../test/until';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('console log parser', () => {
  it('reads every stratum line of the real firmware transcript', () => {
    const lines = readFixture('axeos', 'research-bitaxe', 'stratum_parser_transcript.txt')
      .split('\n')
      .filter((l) => /^[IE] \(0\) stratum_api: [tr]x: \{/.test(l));
    const events = lines.map(parseConsoleLine);
    expect(events.length).toBeGreaterThan(20);
    expect(events.every((e) => e.kind === 'stratum-tx' || e.kind === 'stratum-rx')).toBe(true);
    const counter = new ShareCounter();
    for (const e of events) counter.push(e);
    // tx id 6 is the one submit; rx id 6 accepts it; the other results answer no open submit
    expect(counter.counts).toMatchObject({ submitted: 1, accepted: 1, rejected: 0 });
  });

  it('strips colours and reads levels, tags, uptime, nonces, best difficulty, blocks, drops and replies', () => {
    expect(parseConsoleLine('\x1b[0;33mW (1234) wifi: weak signal\x1b[0m')).toEqual({ kind: 'log', level: 'W', uptimeMs: 1234, tag: 'wifi', message: 'weak signal' });
    expect(parseConsoleLine('I (21389971) asic_result: ID: 6a1f, ASIC nr: 0, Core: 12/3, ver: 20002000 Nonce 1A2B3C4D diff 1523.4 of 1000.')).toEqual({
      kind: 'nonce',
      uptimeMs: 21389971,
      jobId: '6a1f',
      asic: 0,
      version: '20002000',
      nonce: '1a2b3c4d',
      difficulty: 1523.4,
      poolDifficulty: 1000,
    });
    expect(parseConsoleLine('I (5) system: New best difficulty: 4096.5')).toMatchObject({ kind: 'best-difficulty', difficulty: 4096.5 });
    expect(parseConsoleLine('\x1b[0;32mI (9) system: FOUND BLOCK!!!!\x1b[0m')).toMatchObject({ kind: 'block-found' });
    expect(parseConsoleLine('--- [UART LOG DROPPED 512 BYTES] ---')).toEqual({ kind: 'dropped', bytes: 512 });
    expect(parseConsoleLine('@BXJ {"id":3,"ok":true}')).toEqual({ kind: 'reply', json: { id: 3, ok: true } });
    expect(parseConsoleLine('I (7) usb_cmd: @BXJ {"id":4,"ok":false}')).toEqual({ kind: 'reply', json: { id: 4, ok: false } });
    expect(parseConsoleLine('ESP-ROM:esp32s3-20210327')).toEqual({ kind: 'text', text: 'ESP-ROM:esp32s3-20210327' });
    expect(parseConsoleLine('I (1) stratum_api: rx: not json at all')).toMatchObject({ kind: 'log', tag: 'stratum_api' });
  });

  it('counts rejects with their reasons in every shape pools use', () => {
    const counter = new ShareCounter();
    const tx = (id: number) => counter.push({ kind: 'stratum-tx', uptimeMs: 0, json: { id, method: 'mining.submit', params: [] } });
    const rx = (json: Record<string, unknown>) => counter.push({ kind: 'stratum-rx', uptimeMs: 0, json });
    [7, 8, 9, 10, 11].forEach(tx);
    rx({ id: 7, result: null, error: [23, 'Low difficulty share', null] });
    rx({ id: 8, result: false, error: null, 'reject-reason': 'Stale' });
    rx({ id: 9, result: null, error: { code: 21, message: 'Job not found' } });
    rx({ id: 10, result: null, error: 'Duplicate share' });
    rx({ id: 11, result: null, error: null });
    expect(counter.counts.rejected).toBe(4);
    expect(counter.counts.rejectReasons).toEqual({ 'Low difficulty share': 1, Stale: 1, 'Job not found': 1, 'Duplicate share': 1 });
  });
});

describe('finding USB ports', () => {
  function fakeSys(): string {
    const root = mkdtempSync(join(tmpdir(), 'axw-sys-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const usb = (bus: string, vid: string, pid: string) => {
      const dev = join(root, 'devices', 'pci0000:00', bus);
      mkdirSync(join(dev, `${bus}:1.0`), { recursive: true });
      writeFileSync(join(dev, 'idVendor'), `${vid}\n`);
      writeFileSync(join(dev, 'idProduct'), `${pid}\n`);
      writeFileSync(join(dev, 'serial'), 'A0:B7:65:12:34:56\n');
      return join(dev, `${bus}:1.0`);
    };
    mkdirSync(join(root, 'class', 'tty', 'ttyACM0'), { recursive: true });
    symlinkSync(usb('1-1', '303a', '1001'), join(root, 'class', 'tty', 'ttyACM0', 'device'));
    mkdirSync(join(root, 'class', 'tty', 'ttyUSB0'), { recursive: true });
    symlinkSync(usb('1-2', '10c4', 'ea60'), join(root, 'class', 'tty', 'ttyUSB0', 'device'));
    mkdirSync(join(root, 'class', 'tty', 'tty1'), { recursive: true });
    return root;
  }

  it('falls back to /sys/class/tty when serialport cannot list (no udev)', async () => {
    const sysRoot = fakeSys();
    expect(
      listFromSysfs(sysRoot)
        .map((p) => `${p.path} ${p.vendorId}:${p.productId}`)
        .sort(),
    ).toEqual(['/dev/ttyACM0 303a:1001', '/dev/ttyUSB0 10c4:ea60']);
    const ports = await listBitaxePorts({ sysRoot, list: () => Promise.reject(new Error('udevadm: not found')) });
    expect(ports).toEqual([{ path: '/dev/ttyACM0', vendorId: '303a', productId: '1001', serialNumber: 'A0:B7:65:12:34:56', manufacturer: undefined }]);
  });

  it('uses serialport’s list when it works, matching VID:PID case-insensitively', async () => {
    const ports = await listBitaxePorts({
      list: async () => [
        { path: '/dev/cu.usbmodem1101', vendorId: '303A', productId: '1001' },
        { path: '/dev/cu.other', vendorId: '0403', productId: '6001' },
      ],
    });
    expect(ports.map((p) => p.path)).toEqual(['/dev/cu.usbmodem1101']);
  });
});

describe('serial driver over a real pty', () => {
  async function simWithSerial(patched: boolean, pool?: { host: string; port: number }): Promise<Simulator> {
    const s = await startSimulator({ serial: true, patched, pool, bootMs: 200, restartDelayMs: 50, hashesPerSecond: 20_000 });
    cleanups.push(() => s.stop());
    expect(s.serial).toMatch(/^\/dev\/pts\/\d+$/);
    return s;
  }

  it('reads logs, counts shares and runs JSON commands on patched firmware', async () => {
    const pool = await startPool({ sv1StartDifficulty: 1e-6, sv1HonoursSuggestedDifficulty: false });
    cleanups.push(() => pool.close());
    const s = await simWithSerial(true, pool.sv1);
    const events: ConsoleEvent[] = [];
    const driver = await SerialDriver.open(s.serial ?? '', { onEvent: (e) => events.push(e) });
    cleanups.push(() => driver.close());
    expect(await driver.probe()).toBe('patched');
    const info = await driver.info();
    expect(info.macAddr).toBe(s.mac);
    await until(() => driver.shares.counts.accepted >= 2, 'two accepted shares seen on the console');
    expect(driver.shares.counts.rejected).toBe(0);
    expect(events.some((e) => e.kind === 'nonce')).toBe(true);
    await driver.set({ temptarget: 55 });
    expect((await driver.info()).temptarget).toBe(55);
    await expect(driver.set({ temptarget: 99 })).rejects.toMatchObject({ kind: 'refused' });
    await driver.restart();
    await until(() => s.boots === 1, 'restart through USB');
  });

  it('on stock firmware reads logs but says commands are unavailable', async () => {
    const s = await simWithSerial(false);
    const lines: string[] = [];
    const driver = await SerialDriver.open(s.serial ?? '', { onEvent: (_e, line) => lines.push(line), probeTimeoutMs: 500 });
    cleanups.push(() => driver.close());
    expect(await driver.probe()).toBe('stock');
    const error = (await driver.info().catch((e: unknown) => e)) as SerialCommandError;
    expect(error).toBeInstanceOf(SerialCommandError);
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/stock AxeOS/);
    await fetch(`${s.http}/api/system/identify`, { method: 'POST' });
    await fetch(`${s.http}/api/system`, { method: 'PATCH', body: '{"temptarget":57}' });
    await until(() => lines.some((l) => l.includes('Settings updated')), 'a log line on the console');
  });
});

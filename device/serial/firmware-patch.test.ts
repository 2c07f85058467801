/**
 * The firmware patch's C protocol module, built with gcc + libcjson: its own host tests, then the
 * host-side serial driver talking to it over a real pty (socat), so both ends share one protocol.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/fixtures';
import { SerialDriver } from './driver';

const dir = mkdtempSync(join(tmpdir(), 'axw-fw-'));
const patchDir = join(repoRoot, 'firmware-patches');

function build(test: string, out: string): string {
  const binary = join(dir, out);
  execFileSync('gcc', [
    '-std=c11',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-I/usr/include/cjson',
    `-I${join(patchDir, 'main')}`,
    `-I${join(patchDir, 'test')}`,
    join(patchDir, 'main', 'usb_cmd_proto.c'),
    join(patchDir, 'test', test),
    '-lcjson',
    '-o',
    binary,
  ]);
  return binary;
}

let host: string;
beforeAll(() => {
  host = build('usb_cmd_host.c', 'usb_cmd_host');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('firmware patch (USB command channel)', () => {
  it('passes its C host tests', () => {
    const output = execFileSync(build('test_usb_cmd.c', 'test_usb_cmd'), { encoding: 'utf8' });
    expect(output).toMatch(/^ok \d+ checks/);
  });

  it('answers the serial driver over a pty exactly as the simulator does', async () => {
    const socat: ChildProcess = spawn('socat', ['-d', '-d', 'PTY,raw,echo=0', `EXEC:${host}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const path = await new Promise<string>((resolve, reject) => {
        let err = '';
        socat.stderr?.on('data', (c: Buffer) => {
          err += c.toString();
          const m = /PTY is (\S+)/.exec(err);
          if (m?.[1]) resolve(m[1]);
        });
        socat.once('exit', () => reject(new Error(`socat exited: ${err}`)));
      });
      const driver = await SerialDriver.open(path);
      try {
        expect(await driver.probe()).toBe('patched');
        expect(await driver.info()).toEqual({ macAddr: 'A0:B7:65:C0:FF:EE', temptarget: 60 });
        await driver.set({ temptarget: 50 });
        expect((await driver.info()).temptarget).toBe(50);
        await expect(driver.set({ temptarget: 99 })).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/Wrong API input/) });
        await driver.restart();
      } finally {
        await driver.close();
      }
    } finally {
      socat.kill('SIGTERM');
    }
  });
});

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/fixtures';
import { parseSimArgs } from './cli';

describe('axewallet sim', () => {
  it('parses the documented options and refuses the rest', () => {
    expect(parseSimArgs(['--model', 'Hex', '--firmware', 'v2.14.2', '--host', '127.0.0.2', '--pool', '127.0.0.1:3333', '--patched'])).toEqual({
      serial: true,
      patched: true,
      model: 'hex',
      firmware: 'v2.14',
      host: '127.0.0.2',
      pool: { host: '127.0.0.1', port: 3333 },
    });
    expect(() => parseSimArgs(['--model', 'nerdqaxe'])).toThrow(/unknown model/);
    expect(() => parseSimArgs(['--host', '192.168.1.5'])).toThrow(/loopback/);
    expect(() => parseSimArgs(['--pool', 'nohost'])).toThrow(/HOST:PORT/);
    expect(() => parseSimArgs(['--bogus'])).toThrow();
  });

  it('prints one JSON ready line with the API and the serial pty, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'axewallet.mjs'), 'sim', '--host', '127.0.0.50', '--firmware', 'v2.9', '--patched'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
        });
        child.once('exit', () => reject(new Error(`sim exited before ready: ${out}`)));
      });
      const ready = JSON.parse(line) as { event: string; http: string; serial: string };
      expect(ready.event).toBe('ready');
      expect(ready.http).toMatch(/^http:\/\/127\.0\.0\.50:\d+$/);
      expect(ready.serial).toMatch(/^\/dev\/pts\/\d+$/);
      const info = (await (await fetch(`${ready.http}/api/system/info`)).json()) as { version: string; bestDiff: unknown };
      expect(info.version).toBe('v2.9.0');
      expect(typeof info.bestDiff).toBe('string');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

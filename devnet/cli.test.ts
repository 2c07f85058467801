import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSv2 } from '../lib/transport/sv2';
import { repoRoot } from '../test/fixtures';

function startCli(args: string[]): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('./devnet/cli.ts').then((m) => m.runDevnetCli(${JSON.stringify(args)}))`], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.stderr!.resume();
    child.once('exit', (code) => reject(new Error(`devnet exited early with ${code}`)));
  });
  return { child, ready };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('axewallet devnet', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('prints one ready line in the documented shape, serves all three parts, and stops on SIGTERM', async () => {
    const home = mkdtempSync(join(tmpdir(), 'axewallet-devnet-cli-'));
    dirs.push(home);
    const { child, ready } = startCli(['--home', home, '--share-batch-size', '1']);
    children.push(child);
    const line = await ready;
    expect(line).toMatch(
      /^\{"event":"ready","pool":\{"sv2":"127\.0\.0\.1:\d+","sv1":"127\.0\.0\.1:\d+","authorityPubkey":"[1-9A-HJ-NP-Za-km-z]+"\},"mint":"http:\/\/127\.0\.0\.1:\d+","relay":"ws:\/\/127\.0\.0\.1:\d+"\}$/,
    );
    const info = JSON.parse(line) as { pool: { sv2: string; authorityPubkey: string }; mint: string };
    const mintInfo = (await (await fetch(`${info.mint}/v1/info`)).json()) as { pubkey?: string };
    expect(mintInfo.pubkey).toMatch(/^0[23][0-9a-f]{64}$/);
    const [host, port] = info.pool.sv2.split(':');
    const connection = await connectSv2({ host: host!, port: Number(port), authorityPubkey: info.pool.authorityPubkey });
    connection.close();
    expect(existsSync(join(home, 'mint.sqlite'))).toBe(true);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('refuses unknown flags', async () => {
    const { child, ready } = startCli(['--bogus']);
    children.push(child);
    await expect(ready).rejects.toThrow(/exited early/);
    expect(await exited(child)).not.toBe(0);
  });
});

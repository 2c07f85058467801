import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDevnet } from './index';

describe('startDevnet', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the mint and relay state in --home across restarts', async () => {
    const home = mkdtempSync(join(tmpdir(), 'axewallet-devnet-home-'));
    dirs.push(home);
    const first = await startDevnet({ home });
    const pubkey = first.mint.pubkey;
    const { quoteId } = await first.mint.createShareQuote({ amount: 4n, headerHash: 'ab'.repeat(32), pubkey: first.pool.lockingKey });
    await first.close();
    expect(existsSync(join(home, 'mint.sqlite'))).toBe(true);

    const second = await startDevnet({ home });
    try {
      expect(second.mint.pubkey).toBe(pubkey);
      expect(second.mint.quote(quoteId)?.amount).toBe(4n);
      expect(second.relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(second.pool.sv2.host).toBe('127.0.0.1');
      expect(second.pool.sv1.port).not.toBe(second.pool.sv2.port);
    } finally {
      await second.close();
    }
  });

  it('uses a temp home removed at close when none is given', async () => {
    const devnet = await startDevnet();
    expect(existsSync(devnet.home)).toBe(true);
    await devnet.close();
    expect(existsSync(devnet.home)).toBe(false);
  });
});

/** Test helpers shared by the wallet's tests and benchmark: temp homes, a devnet mint, share quotes. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevnetMint, type MintHooks, startMint } from '../../../devnet/mint';
import { silentLogger } from '../../log';
import { openWallet, type WalletOptions, type WalletService } from '../service';

export function tempDir(prefix = 'axewallet-wallet-'): {
  path: string;
  remove: () => void;
} {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function devnetMint(dir: string, hooks: MintHooks = {}): Promise<DevnetMint> {
  mkdirSync(dir, { recursive: true });
  return startMint({
    dbPath: join(dir, 'mint.sqlite'),
    host: '127.0.0.1',
    port: 0,
    hooks,
    testHooks: true,
  });
}

export const TEST_PASSPHRASE = 'correct horse battery';

export function testWallet(home: string, mintUrl: string, extra: Partial<WalletOptions> = {}): WalletService {
  return openWallet({
    home,
    mintUrls: [mintUrl],
    vault: 'passphrase',
    logger: silentLogger,
    lookupIntervalMs: 60_000,
    ...extra,
  });
}

export function randomHeaderHash(): string {
  return randomBytes(32).toString('hex');
}

/** What the pool does per accepted share: a paid quote locked to the wallet's key. */
export async function payShares(mint: DevnetMint, pubkey: string, amounts: bigint[]): Promise<{ quoteId: string; headerHash: string; amount: bigint }[]> {
  const out: { quoteId: string; headerHash: string; amount: bigint }[] = [];
  for (const amount of amounts) {
    const headerHash = randomHeaderHash();
    const { quoteId } = await mint.createShareQuote({
      amount,
      headerHash,
      pubkey,
    });
    out.push({ quoteId, headerHash, amount });
  }
  return out;
}

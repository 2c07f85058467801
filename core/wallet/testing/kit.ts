/** Test helpers shared by the wallet's tests and benchmark: temp homes, a devnet mint, share quotes. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type DevnetMint, type MintHooks, startMint } from '../../../devnet/mint';
import { silentLogger } from '../../../lib/log';
import { MIGRATIONS } from '../schema';
import { openWallet, type WalletOptions, type WalletService } from '../service';

export function tempDir(prefix = 'axewallet-wallet-'): {
  path: string;
  remove: () => void;
} {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A wallet database's path in a directory of its own; the directory's removal goes into `cleanups`. */
export function freshDatabasePath(cleanups: (() => void)[]): string {
  const dir = tempDir();
  cleanups.push(dir.remove);
  return join(dir.path, 'wallet.sqlite');
}

/** A wallet database as an older Axewallet left it: the first `version` migrations, for a test to fill and reopen. */
export function databaseAtVersion(path: string, version: number): Database.Database {
  const db = new Database(path);
  for (const migration of MIGRATIONS.slice(0, version)) db.exec(migration);
  db.pragma(`user_version = ${version}`);
  return db;
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

/**
 * A random raw header hash (hex, as quotes carry it) that pays `amount` under hashpool's rule
 * amount = 2^(leading zero bits - minimumDifficulty): the display form (bytes reversed) starts with exactly
 * log2(amount) + minimumDifficulty zero bits. The default pays 1 at minimum difficulty 0.
 */
export function randomHeaderHash(amount = 1n, minimumDifficulty = 0): string {
  const zeroBits = amount.toString(2).length - 1 + minimumDifficulty;
  const display = randomBytes(32);
  for (let bit = 0; bit <= zeroBits && bit < 256; bit++) {
    const mask = 0x80 >> (bit % 8);
    if (bit < zeroBits) display[bit >> 3]! &= ~mask;
    else display[bit >> 3]! |= mask;
  }
  return Buffer.from(display.reverse()).toString('hex');
}

/** What the pool does per accepted share (at minimum difficulty 0): a paid quote locked to the wallet's key. */
export async function payShares(mint: DevnetMint, pubkey: string, amounts: bigint[], unit?: string): Promise<{ quoteId: string; headerHash: string; amount: bigint }[]> {
  const out: { quoteId: string; headerHash: string; amount: bigint }[] = [];
  for (const amount of amounts) {
    const headerHash = randomHeaderHash(amount);
    const { quoteId } = await mint.createShareQuote({
      amount,
      headerHash,
      pubkey,
      ...(unit ? { unit } : {}),
    });
    out.push({ quoteId, headerHash, amount });
  }
  return out;
}

/**
 * An HTTP relay on loopback in front of a mint that records every request (path and JSON body), so a test can
 * see what the wallet asked for: e.g. that no NUT-29 batch mixed quotes locked to different keys.
 */
export async function recordingRelay(target: string): Promise<{ url: string; requests: { path: string; body: unknown }[]; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const requests: { path: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      requests.push({ path: req.url ?? '/', body });
      fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers: text ? { 'content-type': 'application/json' } : {}, body: text || undefined }).then(
        async (answer) => {
          const out = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'content-length': out.length });
          res.end(out);
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

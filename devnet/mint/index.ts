/**
 * The devnet cashu mint, started in-process by the devnet, the pool and tests:
 *   const mint = await startMint({ dbPath, port: 0 });
 *   const { quoteId } = await mint.createShareQuote({ amount, headerHash, pubkey });   // the pool, per accepted share
 * Test hooks (unpaid quotes, expiry, the epoch state machine, keyset rotation and final_expiry, wrong signatures,
 * offline and flaky answers, scripted refusals, lookup routes, batch limits, 0xC0 fate) work only when the mint was
 * started with `testHooks: true` or with `hooks`.
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { silentLogger, type Logger } from '../../lib/log';
import { createMintServer } from './http';
import type { KeysetVersion } from './keys';
import type { EpochRecord } from './epochs';
import { EPOCH_CONFIRMATIONS, Mint, type MintHooks, type QuoteJson } from './mint';
import { MintStore } from './store';

export { EPOCH_CONFIRMATIONS, MAX_BATCH_SIZE, QUOTE_TTL_SECONDS, type MintHooks, type QuoteJson } from './mint';
export { MAX_LOOKUP_PUBKEYS, type LookupRoute } from './lookup';
export { ErrorCode } from './errors';
export type { EpochRecord } from './epochs';

export interface StartMintOptions {
  dbPath: string;
  /** Mint seed; generated and stored on first start when absent. A different seed than the stored one is refused. */
  seed?: Uint8Array;
  host?: string;
  /** 0 = a free port. */
  port?: number;
  logger?: Logger;
  hooks?: MintHooks;
  testHooks?: boolean;
  /** Keyset id version: 2 (default, "01...") or 1 ("00..."). */
  keysetVersion?: KeysetVersion;
}

export interface ShareQuoteRequest {
  amount: bigint;
  unit?: string;
  /** hex(raw sha256d(header)), no byte reversal. */
  headerHash: string;
  /** 33-byte compressed locking pubkey, hex. */
  pubkey: string;
}

export interface NotificationFate {
  drop: boolean;
  delayMs: number;
}

export interface DevnetMint {
  readonly url: string;
  /** The mint's NUT-06 pubkey (hex), signed over by quote lookups. */
  readonly pubkey: string;
  /** The unit new quotes get: `hash`, or `hash_<pool pubkey>_<height>` after rotateEpoch. */
  readonly unit: string;
  createShareQuote(request: ShareQuoteRequest): Promise<{ quoteId: string }>;
  quote(id: string): QuoteJson | undefined;
  /** What the pool does with the 0xC0 notification of the quote it just created. */
  notificationFate(): NotificationFate;
  setHooks(partial: Partial<MintHooks>): void;
  /** Marks held (UNPAID) quotes paid: all of them, or the ids given. Returns how many changed. */
  confirmQuotes(ids?: string[]): number;
  /** Sets the quotes' expiry in the past: all of them, or the ids given. */
  expireQuotes(ids?: string[]): number;
  /** Starts a final epoch unit `hash_<poolPubkey>_<height>` (new keyset); new quotes use it (the manual lever). */
  rotateEpoch(poolPubkey: string, height: number): string;
  /**
   * A block reward at `height`: opens the next epoch (`_1`, `_2` suffix when the name is taken). Provisional: its
   * quotes stay UNPAID until confirmEpoch() brings the boundary to D confirmations, or reorgEpoch() dissolves it.
   * `finalExpiry` (unix seconds) goes into the epoch keyset (NUT-02).
   */
  openEpoch(poolPubkey: string, height: number, options?: { provisional?: boolean; finalExpiry?: number }): EpochRecord;
  /** `blocks` more confirmations of the provisional boundary; at D (hook epochConfirmations, default 6) its quotes are paid. */
  confirmEpoch(blocks: number): { epoch?: EpochRecord; paid: number };
  /** The provisional boundary block was orphaned: its quotes move back to the previous epoch's unit, paid. */
  reorgEpoch(): { dissolved: EpochRecord; restamped: number; current: string };
  epochs(): readonly EpochRecord[];
  /** A new keyset for `unit` (optionally with a final_expiry); the old one turns inactive. Returns the new id. */
  rotateKeyset(unit: string, finalExpiry?: number): string;
  close(): Promise<void>;
}

function mintSeed(store: MintStore, given?: Uint8Array): Uint8Array {
  const stored = store.getMeta('seed');
  if (stored && given && stored !== bytesToHex(given)) throw new Error('mint database belongs to a different seed');
  if (stored) return hexToBytes(stored);
  const seed = given ?? new Uint8Array(randomBytes(32));
  store.setMeta('seed', bytesToHex(seed));
  return seed;
}

export async function startMint(opts: StartMintOptions): Promise<DevnetMint> {
  const logger = (opts.logger ?? silentLogger).child('mint');
  const store = new MintStore(opts.dbPath);
  const hooksEnabled = opts.testHooks === true || opts.hooks !== undefined;
  let mint: Mint;
  try {
    mint = new Mint({ store, seed: mintSeed(store, opts.seed), keysetVersion: opts.keysetVersion ?? 2, hooks: { ...opts.hooks } });
  } catch (error) {
    store.close();
    throw error;
  }
  const server = createMintServer(mint, logger);
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    store.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  logger.info('mint listening', { url, unit: mint.defaultUnit, pubkey: mint.pubkey });

  const requireHooks = (what: string) => {
    if (!hooksEnabled) throw new Error(`${what} is a test hook: start the mint with testHooks: true`);
  };
  let closed = false;

  return {
    url,
    pubkey: mint.pubkey,
    get unit() {
      return mint.defaultUnit;
    },
    async createShareQuote(request) {
      const quote = mint.createQuote(request);
      return { quoteId: quote.id };
    },
    quote: (id) => mint.findQuote(id),
    notificationFate() {
      const hooks = mint.hooks;
      const drop = (hooks.dropNotifications ?? 0) > 0;
      if (drop) hooks.dropNotifications! -= 1;
      return { drop, delayMs: hooks.notificationDelayMs ?? 0 };
    },
    setHooks(partial) {
      requireHooks('setHooks');
      Object.assign(mint.hooks, partial);
    },
    confirmQuotes(ids) {
      requireHooks('confirmQuotes');
      return mint.confirmQuotes(ids);
    },
    expireQuotes(ids) {
      requireHooks('expireQuotes');
      return mint.expireQuotes(ids);
    },
    rotateEpoch(poolPubkey, height) {
      requireHooks('rotateEpoch');
      return mint.epochs.open(poolPubkey, height).unit;
    },
    openEpoch(poolPubkey, height, options) {
      requireHooks('openEpoch');
      return mint.epochs.open(poolPubkey, height, options);
    },
    confirmEpoch(blocks) {
      requireHooks('confirmEpoch');
      return mint.epochs.confirm(blocks, mint.hooks.epochConfirmations ?? EPOCH_CONFIRMATIONS);
    },
    reorgEpoch() {
      requireHooks('reorgEpoch');
      return mint.epochs.reorg((from, to) => mint.restampQuotes(from, to));
    },
    epochs: () => mint.epochs.all(),
    rotateKeyset(unit, finalExpiry) {
      requireHooks('rotateKeyset');
      return mint.rotateKeyset(unit, finalExpiry).id;
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}

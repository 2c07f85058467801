/**
 * The mints the wallet talks to: info (method, NUT-29 batch size, clock), keysets and their keys, re-read on the
 * sweeper's schedule and whenever a mint refuses a keyset (12001-12003), since hashpool opens a unit and keyset per
 * epoch and may retire or expire them. Picks the keyset new outputs go to.
 */
import type { Logger } from '../../lib/log';
import { type Keyset, type MintContext, WalletOperationError } from './core';
import { advertisedBatchSize, MintClient, normalizeMintUrl } from './mint-client';
import type { WalletStore } from './store';

/** Quotes per NUT-29 request when a mint advertises no max_batch_size: hashpool's sweeper chunk. */
export const DEFAULT_BATCH_SIZE = 50;
/** The most quotes per request even when a mint advertises more. */
export const MAX_BATCH_SIZE = 1000;

export class MintDirectory {
  constructor(
    private readonly store: WalletStore,
    private readonly logger: Logger,
    readonly contexts: Map<string, MintContext>,
  ) {}

  /** A mint as stored, without asking it (keysets and pubkey from the last time it answered). */
  private stored(url: string): MintContext {
    const ctx: MintContext = {
      url,
      client: new MintClient(url),
      method: 'ehash',
      nut20: 'current',
      keysets: new Map(),
      batchSize: DEFAULT_BATCH_SIZE,
      clockOffset: 0,
    };
    for (const row of this.store.keysets(url)) {
      const keyset: Keyset = { id: row.id, unit: row.unit, active: row.active === 1, inputFeePpk: row.input_fee_ppk, keys: JSON.parse(row.keys) as Record<string, string> };
      if (row.final_expiry) keyset.finalExpiry = row.final_expiry;
      ctx.keysets.set(row.id, keyset);
    }
    const pubkey = this.store.mints().find((m) => m.url === url)?.pubkey;
    if (pubkey) ctx.pubkey = pubkey;
    return ctx;
  }

  /** Loads (or re-reads) a mint's info and keysets. Throws MintError when it is offline. */
  async load(url: string): Promise<MintContext> {
    const normalized = normalizeMintUrl(url);
    const ctx = this.contexts.get(normalized) ?? this.stored(normalized);
    await this.refresh(ctx);
    this.contexts.set(normalized, ctx);
    return ctx;
  }

  /** Info and keysets again: after a refusal of a keyset, whose final_expiry is judged on the mint's clock. */
  async refresh(ctx: MintContext): Promise<void> {
    await this.refreshInfo(ctx);
    await this.refreshKeysets(ctx);
  }

  async refreshInfo(ctx: MintContext): Promise<void> {
    const askedAt = Date.now();
    const info = await ctx.client.info();
    if (info.pubkey) ctx.pubkey = info.pubkey.toLowerCase();
    const methods = (info.nuts?.['4'] as { methods?: { method?: unknown }[] } | undefined)?.methods ?? [];
    const shareMethod = methods.map((m) => m.method).find((m): m is string => typeof m === 'string' && m !== 'bolt11' && m !== 'bolt12');
    if (shareMethod) ctx.method = shareMethod;
    // an 11017 taught a smaller size than advertised: keep the smaller one
    ctx.batchSize = Math.min(advertisedBatchSize(info) ?? DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, this.learned.get(ctx.url) ?? Infinity);
    if (info.time !== undefined) ctx.clockOffset = info.time - Math.round((askedAt + Date.now()) / 2000);
    this.store.upsertMint(ctx.url, ctx.pubkey, { name: info.name, version: info.version });
  }

  /** Batch sizes mints taught by refusing larger ones. */
  private readonly learned = new Map<string, number>();

  /** An 11017 (or 11014/11015): halve the batch size for this mint, down to one quote. */
  shrinkBatch(ctx: MintContext, refusedSize: number): void {
    ctx.batchSize = Math.max(1, Math.min(ctx.batchSize, Math.ceil(refusedSize / 2)));
    this.learned.set(ctx.url, ctx.batchSize);
    this.logger.info('mint refused a batch as too large; smaller batches from now on', { mint: ctx.url, batchSize: ctx.batchSize });
  }

  /** Keysets as the mint lists them now (keys fetched once per keyset: a keyset's keys never change). */
  async refreshKeysets(ctx: MintContext): Promise<void> {
    for (const info of await ctx.client.keysets()) {
      const known = ctx.keysets.get(info.id);
      const keys = known?.keys ?? (await ctx.client.keys(info.id)).keys;
      const keyset: Keyset = { id: info.id, unit: info.unit, active: info.active, inputFeePpk: info.input_fee_ppk ?? 0, keys };
      if (info.final_expiry) keyset.finalExpiry = info.final_expiry;
      ctx.keysets.set(info.id, keyset);
      this.store.upsertKeyset({
        id: keyset.id,
        mint_url: ctx.url,
        unit: keyset.unit,
        active: keyset.active ? 1 : 0,
        input_fee_ppk: keyset.inputFeePpk,
        keys: JSON.stringify(keys),
        final_expiry: keyset.finalExpiry ?? null,
      });
    }
  }

  /** The keyset new outputs of `unit` go to: active, not past its final_expiry, fee-free first. Undefined when none. */
  usableKeyset(ctx: MintContext, unit: string): Keyset | undefined {
    const now = Math.floor(Date.now() / 1000) + ctx.clockOffset;
    const candidates = [...ctx.keysets.values()].filter((k) => k.active && k.unit === unit && (k.finalExpiry === undefined || k.finalExpiry > now));
    return candidates.find((k) => k.inputFeePpk === 0) ?? candidates[0];
  }

  /** Like usableKeyset, asking the mint again once before giving up (a new epoch unit, a rotated keyset). */
  async activeKeyset(ctx: MintContext, unit: string): Promise<Keyset> {
    let keyset = this.usableKeyset(ctx, unit);
    if (!keyset) {
      await this.refreshKeysets(ctx);
      keyset = this.usableKeyset(ctx, unit);
    }
    if (!keyset) throw new WalletOperationError('foreign_unit', `Mint ${ctx.url} has no active keyset for unit "${unit}".`);
    return keyset;
  }
}

/**
 * Minting paid quotes (NUT-04 quotes of the share method, NUT-29 batches, NUT-20 signatures): grouped by unit and
 * by the key they are locked to (quotes locked to different keys never share a request), cut to the mint's batch
 * size, written ahead, sent, checked and stored. A refusal never ends the pass: a batch the mint refuses whole is
 * split (keeping its outputs' counters) until the quote it objects to is found; that quote gets its own reaction
 * and back-off (quotes.ts, mint-errors.ts) and every other quote is minted.
 *
 * NUT-20 message format: the one the mint last accepted goes first; on 20008 the same outputs are signed in the
 * other format once. The preference changes only when the other format then succeeds, so one quote locked to a
 * key we do not hold never switches a mint to the legacy format.
 */
import { prepareOutputs, signMintQuotes } from '../../lib/protocol/cashu';
import { CountersBehind, type Keyset, type MintContext, type PreparedOutputs, type WalletCore } from './core';
import { splitAmount } from './keys';
import { type BlindSignatureJson, MintError } from './mint-client';
import { MINT_ERROR, mintErrorRule } from './mint-errors';
import type { MintDirectory } from './mints';
import type { QuoteBook } from './quotes';
import type { QuoteRow } from './store';

export class Minter {
  constructor(
    private readonly core: WalletCore,
    private readonly mints: MintDirectory,
    private readonly quotes: QuoteBook,
  ) {}

  private get store() {
    return this.core.store;
  }

  /**
   * The paid quotes of a mint whose back-off is over, by unit and lock, each group on its unit's active keyset.
   * `attempt` runs each batch (the service wraps it in the counter recovery).
   */
  async mintDue(ctx: MintContext, attempt: (run: () => Promise<void>) => Promise<void>): Promise<void> {
    const inFlight = this.store.quotesInFlight();
    const due = this.store.dueQuotes(ctx.url, 'paid', Date.now(), 10_000).filter((q) => !inFlight.has(`${ctx.url} ${q.id}`) && q.unit && q.amount);
    const groups = new Map<string, QuoteRow[]>();
    for (const q of due) {
      const key = `${q.unit} ${q.pubkey ?? (q.checked_at ? 'unlocked' : this.core.lockingKey().pubkey)}`;
      const group = groups.get(key);
      if (group) group.push(q);
      else groups.set(key, [q]);
    }
    for (const group of groups.values()) {
      const unit = group[0]!.unit!;
      const keyset = this.mints.usableKeyset(ctx, unit) ?? (await this.refreshedKeyset(ctx, unit));
      if (!keyset) {
        this.noKeyset(
          ctx,
          unit,
          group.map((q) => q.id),
        );
        continue;
      }
      for (let i = 0; i < group.length; i += ctx.batchSize) {
        const batch = group.slice(i, i + ctx.batchSize);
        let retry = false;
        await attempt(() => {
          // a retried attempt (after a counter scan) takes only what earlier parts of it did not mint
          const rows = retry
            ? this.store
                .quotesById(
                  ctx.url,
                  batch.map((q) => q.id),
                )
                .filter((q) => q.state === 'paid')
            : batch;
          retry = true;
          return this.mintBatch(ctx, keyset, rows);
        });
      }
    }
  }

  private async refreshedKeyset(ctx: MintContext, unit: string): Promise<Keyset | undefined> {
    await this.mints.refreshKeysets(ctx);
    return this.mints.usableKeyset(ctx, unit);
  }

  private noKeyset(ctx: MintContext, unit: string, ids: string[]): void {
    const expired = [...ctx.keysets.values()].filter((k) => k.unit === unit && k.finalExpiry !== undefined).sort((a, b) => b.finalExpiry! - a.finalExpiry!)[0];
    const reason = expired
      ? `the mint's keysets for unit ${unit} expired on ${new Date(expired.finalExpiry! * 1000).toISOString()}; it mints nothing more in this unit`
      : `the mint has no active keyset for unit ${unit}; waiting for it to offer one`;
    this.store.deferQuotes(ctx.url, ids, reason, this.quotes.backoff);
  }

  /** One batch: its outputs (one per set bit of each quote's amount) written ahead, then sent. */
  async mintBatch(ctx: MintContext, keyset: Keyset, batch: QuoteRow[]): Promise<void> {
    if (batch.length === 0) return;
    const wanted = batch.flatMap((q) => splitAmount(BigInt(q.amount!)).map((amount) => ({ amount, form: 'p2pk' as const, role: 'keep' as const, quoteId: q.id })));
    const { id, prepared } = this.core.prepare(
      {
        kind: 'mint',
        purpose: 'sweep',
        mint_url: ctx.url,
        keyset_id: keyset.id,
        quote_ids: JSON.stringify(batch.map((q) => q.id)),
        input_ys: '[]',
        send_id: null,
        extra: null,
      },
      wanted,
    );
    await this.settle(
      ctx,
      keyset,
      id,
      batch.map((q) => q.id),
      prepared,
    );
  }

  /**
   * Sends a written-ahead mint operation and finishes it (also what recovery runs for one the mint never signed).
   * A refusal is resolved here: split, shrink, new keyset, or the quotes' own reactions. Throws MintError('offline')
   * (the operation stays for recovery), CountersBehind, or a bad signature.
   */
  async settle(ctx: MintContext, keyset: Keyset, opId: string, quoteIds: string[], prepared: PreparedOutputs): Promise<void> {
    let signatures: BlindSignatureJson[];
    try {
      signatures = await this.send(ctx, keyset, quoteIds, prepared);
    } catch (error) {
      if (!(error instanceof MintError) || error.kind !== 'rejected') throw error;
      await this.refused(ctx, keyset, this.core.operation(opId), quoteIds, error);
      return;
    }
    this.core.onStep('answered');
    this.finish(ctx, keyset, opId, prepared, signatures);
  }

  private async refused(ctx: MintContext, keyset: Keyset, op: ReturnType<WalletCore['operation']>, quoteIds: string[], error: MintError): Promise<void> {
    const rule = mintErrorRule(error.code);
    if (rule.class === 'counters') {
      this.store.deleteOperation(op.id);
      throw new CountersBehind(error.message);
    }
    if (rule.class === 'batch-size' && quoteIds.length > 1) {
      this.mints.shrinkBatch(ctx, quoteIds.length);
      const groups: string[][] = [];
      for (let i = 0; i < quoteIds.length; i += ctx.batchSize) groups.push(quoteIds.slice(i, i + ctx.batchSize));
      return this.settleParts(ctx, keyset, op, groups);
    }
    if ((rule.class === 'culprit' || rule.class === 'request' || rule.class === 'batch-size') && quoteIds.length > 1) {
      const half = Math.ceil(quoteIds.length / 2);
      return this.settleParts(ctx, keyset, op, [quoteIds.slice(0, half), quoteIds.slice(half)]);
    }
    this.store.deleteOperation(op.id);
    if (rule.class === 'keyset') {
      // the keyset was rotated, retired or expired under us: outputs go to the unit's keyset as the mint lists it now
      await this.mints.refresh(ctx);
      const next = this.mints.usableKeyset(ctx, keyset.unit);
      const rows = this.store.quotesById(ctx.url, quoteIds).filter((q) => q.state === 'paid');
      if (next && next.id !== keyset.id) return this.mintBatch(ctx, next, rows);
      if (!next) this.noKeyset(ctx, keyset.unit, quoteIds);
      // the mint refuses a keyset it still lists as active: asked again after the quotes' back-off
      else await this.quotes.refused(ctx, quoteIds, error);
      return;
    }
    this.core.emit({ type: 'error', kind: 'mint_rejected', mintUrl: ctx.url, message: error.message });
    await this.quotes.refused(ctx, quoteIds, error);
  }

  /** Splits a refused operation (its counters kept) and settles each part; a part's refusal touches only its quotes. */
  private async settleParts(ctx: MintContext, keyset: Keyset, op: ReturnType<WalletCore['operation']>, groups: string[][]): Promise<void> {
    for (const part of this.core.splitOperation(op, groups)) await this.settle(ctx, keyset, part.id, part.quoteIds, part.prepared);
  }

  /** POST /v1/mint/{method}/batch, signed in the format the mint last accepted, the other one once on 20008. */
  private async send(ctx: MintContext, keyset: Keyset, quoteIds: string[], prepared: PreparedOutputs): Promise<BlindSignatureJson[]> {
    const outputs = this.core.wireOutputs(keyset.id, prepared);
    const signed = prepareOutputs(prepared.blinded.map((o) => ({ amount: o.amount, B_: o.B_ })));
    const rows = new Map(this.store.quotesById(ctx.url, quoteIds).map((q) => [q.id, q]));
    // each locked quote signs with its own key (one key per batch); a quote the mint never described to us
    // (events from before locks were recorded) is locked to our key, as every ehash quote is
    const keyOf = (id: string) => {
      const row = rows.get(id);
      if (row?.pubkey) return this.core.keyFor(row.pubkey) ?? null;
      return row?.checked_at ? null : this.core.lockingKey().privkey;
    };
    const keys = quoteIds.map(keyOf);
    // the quotes locked to one key are signed in one backend call (its public point computed once)
    const quoteSignatures = (format: typeof ctx.nut20): (string | null)[] => {
      const out: (string | null)[] = quoteIds.map(() => null);
      for (const privkey of new Set(keys)) {
        if (!privkey) continue;
        const at = keys.flatMap((k, i) => (k === privkey ? [i] : []));
        signMintQuotes(
          at.map((i) => quoteIds[i]!),
          signed,
          privkey,
          format,
        ).forEach((signature, j) => (out[at[j]!] = signature));
      }
      return out;
    };
    const request = (format: typeof ctx.nut20) => ctx.client.mintBatch(ctx.method, quoteIds, outputs, quoteSignatures(format));
    const first = ctx.nut20;
    try {
      return await request(first);
    } catch (error) {
      if (!(error instanceof MintError) || error.code !== MINT_ERROR.NUT20_SIGNATURE) throw error;
    }
    const other = first === 'current' ? 'legacy' : 'current';
    const signatures = await request(other);
    ctx.nut20 = other;
    this.core.logger.info('mint accepted the other NUT-20 message format; using it first from now on', { mint: ctx.url, format: other });
    return signatures;
  }

  /** Stores the verified proofs, marks the quotes issued and ends the operation, in one transaction. */
  finish(ctx: MintContext, keyset: Keyset, opId: string, prepared: PreparedOutputs, signatures: BlindSignatureJson[]): void {
    const quoteIds = [...new Set(prepared.spec.map((s) => s.quoteId).filter((q): q is string => q !== undefined))];
    let verified: ReturnType<WalletCore['verifyAndUnblind']>;
    try {
      verified = this.core.verifyAndUnblind(keyset, prepared.blinded, signatures, ctx.url);
    } catch (error) {
      // the mint spent these quotes on signatures that are worth nothing: record that, keep nothing
      this.store.tx(() => {
        this.store.markQuotesIssued(ctx.url, quoteIds);
        this.store.deleteOperation(opId);
      });
      throw error;
    }
    const quotes: { quoteId: string; headerHash?: string; minerId?: string; amount: bigint }[] = [];
    let total = 0n;
    this.store.tx(() => {
      verified.forEach((v, i) => {
        this.store.insertProof(this.core.proofRow(ctx.url, keyset, v, 'quote', prepared.spec[i]!.quoteId ?? null, 'unspent', null));
        total += v.output.amount;
      });
      this.core.onStep('storing');
      this.store.markQuotesIssued(ctx.url, quoteIds);
      const rows = new Map(this.store.quotesById(ctx.url, quoteIds).map((r) => [r.id, r]));
      for (const id of quoteIds) {
        const row = rows.get(id);
        const entry: (typeof quotes)[number] = { quoteId: id, amount: BigInt(row?.amount ?? 0) };
        if (row?.header_hash) entry.headerHash = row.header_hash;
        if (row?.miner_id) entry.minerId = row.miner_id;
        quotes.push(entry);
      }
      // one history entry per batch; each share's own trail is quote -> proofs
      this.store.history.minted({ mint_url: ctx.url, unit: keyset.unit, amount: total, quotes: quoteIds.length });
      this.store.deleteOperation(opId);
    });
    this.core.emit({ type: 'proofs', mintUrl: ctx.url, unit: keyset.unit, origin: 'quote', quotes, amount: total });
  }
}

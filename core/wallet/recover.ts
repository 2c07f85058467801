/**
 * Finishing what a crash or an outage left behind: every operation still in the write-ahead log is first asked
 * for with NUT-09 (the mint signed it: store the proofs), else sent again as the very same request (the mint
 * never signed it; its outputs are deterministic, so it cannot be served twice). A resent mint operation the
 * mint refuses is resolved like any refusal (minting.ts).
 */
import type { MintContext, PreparedOutputs, WalletCore } from './core';
import { MintError, proofsFromJson } from './mint-client';
import type { Minter } from './minting';
import type { MintDirectory } from './mints';
import type { OperationRow } from './store';
import type { Swapper } from './swap';

export class Recovery {
  constructor(
    private readonly core: WalletCore,
    private readonly mints: MintDirectory,
    private readonly minter: Minter,
    private readonly swapper: Swapper,
  ) {}

  /** Finishes every operation left at this mint. Throws MintError('offline') to back off. */
  async recover(ctx: MintContext): Promise<void> {
    for (const op of this.core.store.operations().filter((o) => o.mint_url === ctx.url)) {
      try {
        await this.recoverOne(ctx, op);
      } catch (error) {
        if (error instanceof MintError && error.kind === 'offline') throw error;
        this.core.logger.warn('interrupted operation not finished', { operation: op.id, error });
      }
    }
  }

  private async recoverOne(ctx: MintContext, op: OperationRow): Promise<void> {
    let keyset = ctx.keysets.get(op.keyset_id);
    if (!keyset) {
      await this.mints.refreshKeysets(ctx);
      keyset = ctx.keysets.get(op.keyset_id);
    }
    if (!keyset) {
      this.core.logger.warn('operation for an unknown keyset dropped', { operation: op.id, keyset: op.keyset_id });
      this.core.store.deleteOperation(op.id);
      return;
    }
    const prepared: PreparedOutputs = this.core.preparedOf(op);
    const restored = await ctx.client.restore(this.core.wireOutputs(keyset.id, prepared));
    if (restored.signatures.length === prepared.blinded.length) {
      const byB = new Map(restored.outputs.map((o, i) => [o.B_.toLowerCase(), restored.signatures[i]!]));
      const signatures = prepared.blinded.map((o) => byB.get(o.B_)!);
      if (signatures.every(Boolean)) {
        this.core.logger.info('recovered an interrupted operation from the mint', { operation: op.id, kind: op.kind, outputs: prepared.spec.length });
        if (op.kind === 'mint') this.minter.finish(ctx, keyset, op.id, prepared, signatures);
        else this.swapper.finish(ctx, keyset, op, prepared, signatures);
        return;
      }
    }
    if (restored.signatures.length > 0) {
      // a mint signs a request all or nothing; a partial answer means it is not a request of ours
      this.core.logger.warn('mint restored part of an operation; leaving it for a later pass', { operation: op.id });
      return;
    }
    // the mint never signed these outputs: send the very same request again
    if (op.kind === 'mint') {
      await this.minter.settle(ctx, keyset, op.id, JSON.parse(op.quote_ids) as string[], prepared);
    } else {
      const ownYs = JSON.parse(op.input_ys) as string[];
      const inputs = op.extra ? proofsFromJson(op.extra) : this.core.inputsFor(this.core.store.proofsByY(ownYs));
      await this.swapper.run(ctx, keyset, op, prepared, inputs);
    }
  }
}

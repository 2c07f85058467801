/**
 * Swaps (NUT-03): every move of proofs the wallet holds or receives, and consolidation. Kept outputs are
 * P2PK-locked to our key like minted ones; only what leaves in a token is plain, so a NUT-09 restore can tell a
 * token given away (and perhaps not yet claimed) from our own proofs. The inputs of our own proofs go pending in
 * the same transaction that writes the operation.
 *
 * Consolidation never fails a sweeper pass: each keyset is tried on its own. Proofs of a keyset the mint no longer
 * signs with (inactive) are swapped into the unit's active keyset; a unit without one, a keyset past its
 * final_expiry or one with fees is left alone.
 */
import type { Proof } from '../../lib/protocol/cashu';
import { CountersBehind, type Keyset, type MintContext, type PreparedOutputs, type WalletCore, WalletOperationError } from './core';
import { splitAmount } from './keys';
import { type BlindSignatureJson, MintError, stringifyWire } from './mint-client';
import { mintErrorRule } from './mint-errors';
import type { MintDirectory } from './mints';
import type { Restorer } from './restore';
import type { OperationRow, ProofRow } from './store';

/** A consolidation swap happens when a keyset holds more than this many unspent proofs. */
export const CONSOLIDATE_ABOVE = 48;
/** The most inputs one swap carries (mints cap inputs per request). */
const MAX_SWAP_INPUTS = 1000;

export type SwapInputs = { rows: ProofRow[] } | { foreign: Proof[]; ownYs: string[] };

export class Swapper {
  constructor(
    private readonly core: WalletCore,
    private readonly mints: MintDirectory,
    private readonly restorer: Restorer,
  ) {}

  private get store() {
    return this.core.store;
  }

  /** Swaps `inputs` at a mint into `keep` and `send` amounts (counters moved past any used elsewhere first). */
  swap(ctx: MintContext, keyset: Keyset, purpose: OperationRow['purpose'], inputs: SwapInputs, keep: bigint, send: bigint, sendId: string | null): Promise<void> {
    return this.restorer.withCounterRecovery(ctx, () => this.swapOnce(ctx, keyset, purpose, inputs, keep, send, sendId));
  }

  private async swapOnce(ctx: MintContext, keyset: Keyset, purpose: OperationRow['purpose'], inputs: SwapInputs, keep: bigint, send: bigint, sendId: string | null): Promise<void> {
    const wanted = [
      ...splitAmount(send).map((amount) => ({ amount, form: 'plain' as const, role: 'send' as const })),
      ...splitAmount(keep).map((amount) => ({ amount, form: 'p2pk' as const, role: 'keep' as const })),
    ];
    const ownYs = 'rows' in inputs ? inputs.rows.map((r) => r.y) : inputs.ownYs;
    const wire = 'rows' in inputs ? this.core.inputsFor(inputs.rows) : inputs.foreign;
    const { id, prepared } = this.core.prepare(
      {
        kind: 'swap',
        purpose,
        mint_url: ctx.url,
        keyset_id: keyset.id,
        quote_ids: '[]',
        input_ys: JSON.stringify(ownYs),
        send_id: sendId,
        extra: 'foreign' in inputs ? stringifyWire(inputs.foreign) : null,
      },
      wanted,
      () => {
        if ('rows' in inputs && ownYs.length) this.store.setProofState(ownYs, 'pending');
      },
    );
    await this.run(ctx, keyset, this.core.operation(id), prepared, wire);
  }

  /** Sends a written-ahead swap and finishes it (also what recovery runs for one the mint never signed). */
  async run(ctx: MintContext, keyset: Keyset, op: OperationRow, prepared: PreparedOutputs, inputs: Proof[]): Promise<void> {
    let signatures: BlindSignatureJson[];
    try {
      signatures = await ctx.client.swap(inputs, this.core.wireOutputs(keyset.id, prepared));
    } catch (error) {
      if (error instanceof MintError && error.kind === 'rejected') {
        const rule = mintErrorRule(error.code);
        const ownYs = JSON.parse(op.input_ys) as string[];
        this.store.tx(() => {
          // spent inputs are gone for good; anything else returns to the wallet
          if (ownYs.length) this.store.setProofState(ownYs, rule.class === 'spent' ? 'spent' : 'unspent');
          this.store.deleteOperation(op.id);
        });
        if (rule.class === 'spent') throw new WalletOperationError('token_spent', 'This ecash was already spent.');
        if (rule.class === 'counters') throw new CountersBehind(error.message);
        if (rule.class === 'keyset') await this.mints.refresh(ctx).catch(() => undefined);
        throw new WalletOperationError('mint_rejected', `${error.message} (${rule.meaning}).`);
      }
      throw error;
    }
    this.core.onStep('answered');
    this.finish(ctx, keyset, op, prepared, signatures);
  }

  /** Stores a swap's verified outputs, settles its inputs and ends the operation, in one transaction. */
  finish(ctx: MintContext, keyset: Keyset, op: OperationRow, prepared: PreparedOutputs, signatures: BlindSignatureJson[]): void {
    const ownYs = JSON.parse(op.input_ys) as string[];
    let verified: ReturnType<WalletCore['verifyAndUnblind']>;
    try {
      verified = this.core.verifyAndUnblind(keyset, prepared.blinded, signatures, ctx.url);
    } catch (error) {
      this.store.tx(() => {
        if (ownYs.length) this.store.setProofState(ownYs, 'spent');
        this.store.deleteOperation(op.id);
      });
      throw error;
    }
    let kept = 0n;
    let sent = 0n;
    this.store.tx(() => {
      verified.forEach((v, i) => {
        const role = prepared.spec[i]!.role;
        this.store.insertProof(this.core.proofRow(ctx.url, keyset, v, op.purpose === 'receive' ? 'token' : 'swap', null, role === 'send' ? 'pending' : 'unspent', role === 'send' ? op.send_id : null));
        if (role === 'send') sent += v.output.amount;
        else kept += v.output.amount;
      });
      this.core.onStep('storing');
      if (ownYs.length) this.store.setProofState(ownYs, 'spent');
      this.record(ctx, keyset, op, kept, sent);
      this.store.deleteOperation(op.id);
    });
    if (op.purpose === 'receive' || op.purpose === 'reclaim')
      this.core.emit({ type: 'proofs', mintUrl: ctx.url, unit: keyset.unit, origin: op.purpose === 'receive' ? 'token' : 'swap', quotes: [], amount: kept });
    this.core.emit({ type: 'changed' });
  }

  /** The history entry (and the send's token) a finished swap stands for. */
  private record(ctx: MintContext, keyset: Keyset, op: OperationRow, kept: bigint, sent: bigint): void {
    const entry = { mint_url: ctx.url, unit: keyset.unit, memo: null as string | null };
    if (op.purpose === 'send' && op.send_id) {
      const sendRows = this.store.proofs({ sendId: op.send_id, state: 'pending' });
      const row = this.store.send(op.send_id);
      this.store.setSendToken(op.send_id, this.core.encode(ctx.url, keyset.unit, sendRows, row?.memo ?? undefined));
      this.store.history.add({ ...entry, kind: 'send', direction: 'out', amount: sent.toString(), ref: op.send_id, memo: row?.memo ?? null });
    }
    if (op.purpose === 'receive') this.store.history.add({ ...entry, kind: 'receive', direction: 'in', amount: kept.toString(), ref: op.id });
    if (op.purpose === 'reclaim' && op.send_id) {
      this.store.settleSend(op.send_id, 'reclaimed');
      this.store.history.add({ ...entry, kind: 'reclaim', direction: 'in', amount: kept.toString(), ref: op.send_id });
    }
  }

  /**
   * Swaps a keyset's unspent proofs into as few as possible once there are too many, and moves every proof of an
   * inactive keyset into its unit's active one. Returns the swaps made; a refusal is logged, never thrown.
   */
  async consolidate(ctx: MintContext, threshold = CONSOLIDATE_ABOVE): Promise<number> {
    let swaps = 0;
    const now = Math.floor(Date.now() / 1000) + ctx.clockOffset;
    for (const keyset of [...ctx.keysets.values()]) {
      if (keyset.inputFeePpk > 0) continue; // fees would eat into the balance; not for ehash keysets
      if (keyset.finalExpiry !== undefined && keyset.finalExpiry <= now) continue; // the mint refuses these proofs (12003)
      const target = keyset.active ? keyset : this.mints.usableKeyset(ctx, keyset.unit);
      if (!target) continue; // no active keyset for this unit: nothing to move into
      try {
        while (this.store.countUnspent(keyset.id) > (keyset.active ? threshold : 0)) {
          const rows = this.store.proofs({ keysetId: keyset.id, state: 'unspent' }).slice(0, MAX_SWAP_INPUTS);
          const total = rows.reduce((sum, r) => sum + BigInt(r.amount), 0n);
          if (keyset.active && splitAmount(total).length >= rows.length) break;
          await this.swap(ctx, target, 'consolidate', { rows }, total, 0n, null);
          swaps++;
        }
      } catch (error) {
        if (error instanceof MintError && error.kind === 'offline') throw error;
        this.core.logger.warn('consolidation skipped for a keyset', { mint: ctx.url, keyset: keyset.id, unit: keyset.unit, error: (error as Error).message });
      }
    }
    return swaps;
  }
}

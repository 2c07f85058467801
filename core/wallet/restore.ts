/**
 * What the seed and the mint can tell the wallet back: NUT-09 restore of every counter the seed used (both output
 * forms), NUT-07 states of the proofs it holds (checked at start: another copy of the seed may have spent some),
 * proofs from a nostr backup, and the counter recovery that moves a copy of the seed past outputs it signed
 * elsewhere.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { randomUUID } from 'node:crypto';
import { hashToCurve } from '../../lib/protocol/cashu';
import { CountersBehind, type Keyset, type MintContext, type Verified, type WalletCore, WalletOperationError } from './core';
import { deterministicOutputs, type OutputRequest } from './keys';
import type { Proof } from '../../lib/protocol/cashu';
import type { ProofRow } from './store';

/** Ys per NUT-07 request (mints cap inputs at about 1000). */
const CHECK_STATE_CHUNK = 500;

export class Restorer {
  constructor(private readonly core: WalletCore) {}

  private get store() {
    return this.core.store;
  }

  /**
   * Runs `attempt` (which prepares fresh outputs each time); when the mint had signed outputs at our counters
   * before, a NUT-09 scan finds how far this seed really got (and whatever it left there), the counters move
   * past it, and the attempt runs once more.
   */
  async withCounterRecovery(ctx: MintContext, attempt: () => Promise<void>): Promise<void> {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof CountersBehind)) throw error;
    }
    this.core.logger.warn("the mint had already signed outputs at this wallet's next counters; scanning with NUT-09 to skip past them", { mint: ctx.url });
    await this.restoreMint(ctx, () => undefined);
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof CountersBehind) throw new WalletOperationError('mint_rejected', `The mint keeps refusing this wallet's new outputs (${error.message}).`);
      throw error;
    }
  }

  /**
   * NUT-09: asks the mint for signatures on our deterministic outputs, keyset by keyset, in batches of
   * `batch` counters (both the plain and the P2PK form of each), until `gapBatches` batches in a row find
   * nothing. Stores the unspent ones and moves each counter past the last one used.
   */
  async restoreMint(
    ctx: MintContext,
    onProgress: (p: { mintUrl: string; keysetId: string; counter: number; found: number }) => void,
    batch = 100,
    gapBatches = 3,
  ): Promise<{ proofs: number; amount: bigint }> {
    const s = this.core.need();
    const lockTo = this.core.lockingKey().pubkey;
    let proofs = 0;
    let amount = 0n;
    const addedByUnit = new Map<string, bigint>();
    for (const keyset of ctx.keysets.values()) {
      if (Object.keys(keyset.keys).length === 0) continue;
      let empty = 0;
      let lastUsed = -1;
      for (let start = 0; empty < gapBatches; start += batch) {
        const requests: OutputRequest[] = [];
        for (let counter = start; counter < start + batch; counter++) {
          // the amount is not part of B_; the mint answers with the amount it signed
          requests.push({ counter, amount: 1n, form: 'plain' }, { counter, amount: 1n, form: 'p2pk', lockTo });
        }
        const candidates = deterministicOutputs(s.seed, keyset.id, requests);
        const answer = await ctx.client.restore(candidates.map((o) => ({ amount: 1n, id: keyset.id, B_: o.B_ })));
        const byB = new Map(candidates.map((o) => [o.B_, o]));
        const found: Verified[] = [];
        answer.outputs.forEach((out, i) => {
          const candidate = byB.get(out.B_.toLowerCase());
          const sig = answer.signatures[i]!;
          if (!candidate) return;
          // the counter was used either way; a signature that does not verify is reported and skipped
          lastUsed = Math.max(lastUsed, candidate.counter);
          try {
            const [verified] = this.core.verifyAndUnblind(keyset, [{ ...candidate, amount: sig.amount }], [sig], ctx.url);
            found.push(verified!);
          } catch (error) {
            if (!(error instanceof WalletOperationError)) throw error;
          }
        });
        if (found.length === 0) empty++;
        else empty = 0;
        if (found.length) {
          const states = await ctx.client.checkState(found.map((f) => bytesToHex(f.output.Y)));
          const stateOf = new Map(states.map((st) => [st.Y.toLowerCase(), st.state]));
          const unspent = found.filter((f) => stateOf.get(bytesToHex(f.output.Y)) === 'UNSPENT');
          // plain outputs are the ones this wallet put into tokens: unspent means given away and not yet claimed
          const given = unspent.filter((f) => f.output.form === 'plain');
          this.store.tx(() => {
            for (const f of unspent) {
              if (f.output.form === 'plain') continue;
              if (this.store.insertProof(this.core.proofRow(ctx.url, keyset, f, 'restore', null, 'unspent', null))) {
                proofs++;
                amount += f.output.amount;
                addedByUnit.set(keyset.unit, (addedByUnit.get(keyset.unit) ?? 0n) + f.output.amount);
              }
            }
            if (given.length) this.recordUnclaimedSend(ctx.url, keyset, given);
            this.store.advanceCounter(keyset.id, lastUsed + 1);
          });
        }
        onProgress({ mintUrl: ctx.url, keysetId: keyset.id, counter: start + batch, found: proofs });
      }
    }
    if (amount > 0n) {
      this.store.tx(() => this.core.recordRestored(ctx.url, addedByUnit, 'from the seed (NUT-09)'));
      this.core.emit({ type: 'changed' });
    }
    return { proofs, amount };
  }

  /**
   * Tokens this wallet sent that nobody has claimed yet, found again by a restore: listed as a pending send
   * (claimed or reclaimable later, like any other), never as balance.
   */
  private recordUnclaimedSend(mintUrl: string, keyset: Keyset, given: Verified[]): void {
    const sendId = randomUUID();
    let total = 0n;
    // a proof already known (a second restore) is not listed again
    for (const f of given) if (this.store.insertProof(this.core.proofRow(mintUrl, keyset, f, 'restore', null, 'pending', sendId))) total += f.output.amount;
    if (total === 0n) return;
    this.store.insertSend({
      id: sendId,
      mint_url: mintUrl,
      unit: keyset.unit,
      amount: total.toString(),
      memo: 'sent earlier, not claimed yet (found while restoring)',
      // the same ecash as the token given away, so it can be handed over again
      token: this.core.encode(mintUrl, keyset.unit, this.store.proofs({ sendId, state: 'pending' })),
      state: 'pending',
      created_at: Date.now(),
    });
  }

  /** Adds proofs from a backup (NIP-60 tokens): kept only when the mint says they are unspent. */
  async importProofs(ctx: MintContext, proofs: Proof[]): Promise<{ added: number; amount: bigint }> {
    const states = await ctx.client.checkState(proofs.map((p) => bytesToHex(hashToCurve(new TextEncoder().encode(p.secret)))));
    const stateOf = new Map(states.map((st) => [st.Y.toLowerCase(), st.state]));
    let added = 0;
    let amount = 0n;
    const addedByUnit = new Map<string, bigint>();
    this.store.tx(() => {
      for (const p of proofs) {
        const keyset = ctx.keysets.get(p.id);
        const y = bytesToHex(hashToCurve(new TextEncoder().encode(p.secret)));
        if (!keyset || stateOf.get(y) !== 'UNSPENT') continue;
        const row = {
          y,
          mint_url: ctx.url,
          keyset_id: keyset.id,
          unit: keyset.unit,
          amount: p.amount.toString(),
          secret: p.secret,
          c: p.C,
          dleq: null,
          state: 'unspent' as const,
          origin: 'restore' as const,
          quote_id: null,
          send_id: null,
        };
        if (this.store.insertProof(row)) {
          added++;
          amount += p.amount;
          addedByUnit.set(keyset.unit, (addedByUnit.get(keyset.unit) ?? 0n) + p.amount);
        }
      }
      this.core.recordRestored(ctx.url, addedByUnit, 'from the nostr backup');
    });
    if (added) this.core.emit({ type: 'changed' });
    return { added, amount };
  }

  /**
   * NUT-07 for every proof the wallet counts as its own at a mint (run once per start): a proof the mint says is
   * spent was spent by another copy of this seed, or by a request whose answer this wallet never stored; it
   * leaves the balance, and the miner is told how much and why. Returns the amount found spent.
   */
  async checkProofStates(ctx: MintContext): Promise<bigint> {
    const rows = this.store.proofs({ mintUrl: ctx.url, state: 'unspent' });
    // proofs an unfinished operation is spending are settled by recovery, not here
    const busy = new Set(this.store.operations().flatMap((op) => JSON.parse(op.input_ys) as string[]));
    const spent: ProofRow[] = [];
    for (let i = 0; i < rows.length; i += CHECK_STATE_CHUNK) {
      const chunk = rows.slice(i, i + CHECK_STATE_CHUNK).filter((r) => !busy.has(r.y));
      if (chunk.length === 0) continue;
      const states = new Map((await ctx.client.checkState(chunk.map((r) => r.y))).map((st) => [st.Y.toLowerCase(), st.state]));
      spent.push(...chunk.filter((r) => states.get(r.y) === 'SPENT'));
    }
    if (spent.length === 0) return 0n;
    this.store.tx(() =>
      this.store.setProofState(
        spent.map((r) => r.y),
        'spent',
      ),
    );
    const byUnit = new Map<string, bigint>();
    for (const r of spent) byUnit.set(r.unit, (byUnit.get(r.unit) ?? 0n) + BigInt(r.amount));
    for (const [unit, amount] of byUnit) {
      const message = `The mint says ${amount} ${unit} of this wallet's ehash was already spent (by another copy of this wallet's recovery words?); it no longer counts in the balance.`;
      this.core.logger.warn(message, { mint: ctx.url, proofs: spent.filter((r) => r.unit === unit).length });
      this.core.emit({ type: 'alert', kind: 'spent-elsewhere', mintUrl: ctx.url, unit, amount, message });
    }
    this.core.emit({ type: 'changed' });
    return spent.reduce((sum, r) => sum + BigInt(r.amount), 0n);
  }
}

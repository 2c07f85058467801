/**
 * Ecash in and out of the wallet as cashuB tokens: send (a swap into plain outputs that leave in a token, pending
 * until the recipient claims them), reclaim of an unclaimed send, the check that marks claimed sends, and receive
 * (a token of any mint, P2PK-locked to us or plain, checked against its keyset and DLEQ before the swap).
 */
import { getDecodedToken, getTokenMetadata } from '@cashu/cashu-ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { randomUUID } from 'node:crypto';
import { hashToCurve, type Proof, verifyProofDleqHex } from '../../lib/protocol/cashu';
import { type MintContext, type WalletCore, WalletOperationError } from './core';
import { normalizeMintUrl } from './mint-client';
import type { MintDirectory } from './mints';
import type { ProofRow } from './store';
import type { Swapper } from './swap';

export class Transfers {
  constructor(
    private readonly core: WalletCore,
    private readonly mints: MintDirectory,
    private readonly swapper: Swapper,
  ) {}

  private get store() {
    return this.core.store;
  }

  async send(ctx: MintContext, unit: string, amount: bigint, memo?: string): Promise<{ sendId: string; token: string }> {
    if (amount <= 0n) throw new WalletOperationError('insufficient_funds', 'Send a positive amount.');
    const rows = this.store.proofs({ mintUrl: ctx.url, unit, state: 'unspent' });
    // largest first keeps the number of inputs small
    rows.sort((a, b) => (BigInt(b.amount) > BigInt(a.amount) ? 1 : BigInt(b.amount) < BigInt(a.amount) ? -1 : 0));
    const chosen: ProofRow[] = [];
    let total = 0n;
    for (const row of rows) {
      if (total >= amount) break;
      chosen.push(row);
      total += BigInt(row.amount);
    }
    if (total < amount) throw new WalletOperationError('insufficient_funds', `Not enough ${unit} at ${ctx.url}: have ${total}, need ${amount}.`);
    const keyset = await this.mints.activeKeyset(ctx, unit);
    const sendId = randomUUID();
    this.store.insertSend({ id: sendId, mint_url: ctx.url, unit, amount: amount.toString(), memo: memo ?? null, token: null, state: 'pending', created_at: Date.now() });
    await this.swapper.swap(ctx, keyset, 'send', { rows: chosen }, total - amount, amount, sendId);
    const token = this.store.send(sendId)?.token;
    if (!token) throw new Error('send finished without a token');
    return { sendId, token };
  }

  /** Marks sends whose proofs the recipient swapped as claimed. */
  async checkSends(ctx: MintContext): Promise<number> {
    let claimed = 0;
    for (const send of this.store.sends('pending').filter((s) => s.mint_url === ctx.url)) {
      const rows = this.store.proofs({ sendId: send.id, state: 'pending' });
      if (rows.length === 0) continue;
      const states = await ctx.client.checkState(rows.map((r) => r.y));
      if (states.length > 0 && states.every((s) => s.state === 'SPENT')) {
        this.store.tx(() => {
          this.store.setProofState(
            rows.map((r) => r.y),
            'spent',
          );
          this.store.settleSend(send.id, 'claimed');
          this.store.history.add({ kind: 'claimed', direction: 'out', mint_url: send.mint_url, unit: send.unit, amount: send.amount, ref: send.id, memo: send.memo });
        });
        claimed++;
      }
    }
    if (claimed) this.core.emit({ type: 'changed' });
    return claimed;
  }

  async reclaim(ctx: MintContext, sendId: string): Promise<bigint> {
    const send = this.store.send(sendId);
    if (!send || send.state !== 'pending') throw new WalletOperationError('not_found', 'No pending send with this id.');
    const rows = this.store.proofs({ sendId, state: 'pending' });
    const total = rows.reduce((sum, r) => sum + BigInt(r.amount), 0n);
    const keyset = await this.mints.activeKeyset(ctx, send.unit);
    try {
      await this.swapper.swap(ctx, keyset, 'reclaim', { rows }, total, 0n, sendId);
    } catch (error) {
      if (error instanceof WalletOperationError && error.code === 'token_spent') {
        this.store.tx(() => {
          this.store.setProofState(
            rows.map((r) => r.y),
            'spent',
          );
          this.store.settleSend(sendId, 'claimed');
        });
        throw new WalletOperationError('token_spent', 'The recipient already claimed this send.');
      }
      throw error;
    }
    return total;
  }

  /** Decodes a token far enough to know its mint and unit without trusting anything in it. */
  static tokenMeta(token: string): { mint: string; unit: string } {
    try {
      const meta = getTokenMetadata(token.trim());
      return { mint: normalizeMintUrl(meta.mint), unit: meta.unit || 'sat' };
    } catch {
      throw new WalletOperationError('invalid_token', 'This is not a valid cashu token.');
    }
  }

  async receive(ctx: MintContext, token: string): Promise<{ amount: bigint; unit: string }> {
    let decoded: ReturnType<typeof getDecodedToken>;
    try {
      decoded = getDecodedToken(token.trim(), [...ctx.keysets.keys()]);
    } catch {
      throw new WalletOperationError('invalid_token', 'This token names keysets its mint does not have.');
    }
    if (decoded.proofs.length === 0) throw new WalletOperationError('invalid_token', 'This token holds no proofs.');
    const unit = decoded.unit || 'sat';
    const keysets = decoded.proofs.map((p) => ctx.keysets.get(p.id));
    if (keysets.some((k) => !k)) throw new WalletOperationError('invalid_token', 'This token names keysets its mint does not have.');
    if (keysets.some((k) => k!.unit !== unit)) throw new WalletOperationError('foreign_unit', `This token claims unit "${unit}" but its proofs are in another unit.`);
    const inputs: Proof[] = [];
    let total = 0n;
    for (const proof of decoded.proofs) {
      const amount = proof.amount.toBigInt();
      const keyset = ctx.keysets.get(proof.id)!;
      const A = keyset.keys[amount.toString()];
      if (!A) throw new WalletOperationError('invalid_token', 'This token holds an amount its keyset cannot sign.');
      const dleq = proof.dleq as { e: string; s: string; r?: string } | undefined;
      if (dleq?.r && !verifyProofDleqHex({ secret: proof.secret, C: proof.C, dleq: { e: dleq.e, s: dleq.s, r: dleq.r }, A })) {
        throw new WalletOperationError('invalid_token', 'This token carries a proof whose DLEQ does not verify: it was not signed by its mint.');
      }
      total += amount;
      inputs.push({ id: proof.id, amount, secret: proof.secret, C: proof.C });
    }
    const withWitness = this.core.inputsFor(inputs);
    const keyset = await this.mints.activeKeyset(ctx, unit);
    const ys = decoded.proofs.map((p) => bytesToHex(hashToCurve(new TextEncoder().encode(p.secret))));
    const states = await ctx.client.checkState(ys);
    if (states.some((s) => s.state !== 'UNSPENT')) throw new WalletOperationError('token_spent', 'This token was already spent (or is being spent).');
    const ownYs = this.store.proofsByY(ys).map((p) => p.y);
    // NUT-02: the sum of the inputs' fees per thousand, rounded up, in the unit's own amounts
    const fee = (keysets.reduce((sum, k) => sum + BigInt(k!.inputFeePpk), 0n) + 999n) / 1000n;
    if (fee >= total) throw new WalletOperationError('invalid_token', 'This token is worth less than the mint fee to receive it.');
    await this.swapper.swap(ctx, keyset, 'receive', { foreign: withWitness, ownYs }, total - fee, 0n, null);
    return { amount: total - fee, unit };
  }
}

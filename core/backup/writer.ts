/**
 * Turns what a flush decided into signed events on the relays: the wallet event (17375) and NUT-27 mint
 * list, and per mint and unit the new token events, the kind-5 deletion of the rolled-over ones and one
 * history event. Keeps the mirror (what the relays hold) in step with what it published.
 */
import type { BackupKeys } from './keys';
import type { RelayMirror } from './mirror';
import { mintsKey } from './mirror';
import { buildHistoryEvent, buildMintListEvent, buildTokenDeletion, buildTokenEvent, buildWalletEvent, type Proof, type SignedEvent } from './nip60';
import type { RelayPool } from './pool';
import type { PendingQuote } from './port';
import type { QuoteEvents } from './quote-events';
import { type GroupState, planRollover } from './reconcile';
import type { Signer } from './signing';
import type { Ciphers } from './state';

/** Proofs per token event: keeps each event well under relays' usual 64-100 KB content limits. */
export const PROOFS_PER_TOKEN_EVENT = 100;

export interface FlushReport {
  /** events made in this flush and how each fared */
  published: Array<{ id: string; kind: number; bytes: number; accepted: string[]; failed: Record<string, string> }>;
}

export interface WriterKeys {
  keys: BackupKeys;
  ciphers: Ciphers;
  sign: Signer;
  signMintList: Signer;
}

export class BackupWriter {
  private lastCreatedAt = 0;

  constructor(
    private readonly pool: RelayPool,
    private readonly mirror: RelayMirror,
    private readonly keys: () => WriterKeys,
  ) {}

  /**
   * The wallet event and the NUT-27 mint list name every mint in `mints` (this wallet's and every mint any
   * machine on this seed ever named). A new version goes out only when that set differs from the newest
   * one, only once every relay has been read (one not read may hold a version naming a mint this machine
   * never heard of), and with a created_at after every version seen, so it replaces them all.
   */
  async publishMints(mints: string[], report: FlushReport, warnings: string[]): Promise<void> {
    const all = [...new Set(mints)].sort();
    if (all.length === 0) return;
    const key = mintsKey(all);
    const walletDue = this.mirror.wallet?.mints !== key;
    const listDue = this.mirror.mintList?.mints !== key;
    if (!walletDue && !listDue) return;
    if (!this.mirror.complete) {
      warnings.push('the mint list waits until every relay has answered: a relay not read may name a mint this machine does not know');
      return;
    }
    const { keys, ciphers, sign, signMintList } = this.keys();
    if (walletDue) {
      const createdAt = this.nextCreatedAt(this.mirror.wallet?.event.created_at);
      const event = sign(buildWalletEvent({ privkey: Buffer.from(keys.walletKey.secretKey).toString('hex'), mints: all }, ciphers.identity, createdAt));
      if (await this.send(event, report)) this.mirror.setWallet(event, all);
    }
    if (listDue) {
      const createdAt = this.nextCreatedAt(this.mirror.mintList?.event.created_at);
      const event = signMintList(buildMintListEvent({ mints: all, timestamp: createdAt }, ciphers.mintList, createdAt));
      if (await this.send(event, report)) this.mirror.setMintList(event, all);
    }
  }

  /** One mint and unit: new proofs, rollovers of token events holding spent proofs (see planRollover), history. */
  async publishGroup(group: GroupState, spent: Set<string> | null, report: FlushReport): Promise<void> {
    const { mint, unit } = group;
    const plan = planRollover(this.mirror.tokensOf(mint, unit), group.current, spent);
    if (plan.destroyed.length === 0 && plan.added.length === 0) return;
    const { ciphers, sign } = this.keys();
    const destroyed = plan.destroyed.map((r) => r.event.id);
    const created: string[] = [];
    for (let i = 0; i < plan.fresh.length; i += PROOFS_PER_TOKEN_EVENT) {
      const proofs = plan.fresh.slice(i, i + PROOFS_PER_TOKEN_EVENT);
      const event = sign(buildTokenEvent({ mint, unit, proofs, del: i === 0 ? destroyed : [] }, ciphers.identity, this.nextCreatedAt()));
      if (!(await this.send(event, report))) throw new Error('no relay accepted the new token event');
      this.mirror.addToken({ event, mint, unit, proofs });
      created.push(event.id);
    }
    if (destroyed.length > 0) {
      const deletion = sign(buildTokenDeletion(destroyed, this.nextCreatedAt()));
      this.mirror.deleteTokens(destroyed);
      await this.send(deletion, report);
    }
    const net = sum(plan.added) - sum(plan.gone);
    if (net !== 0n) {
      const history = buildHistoryEvent({ direction: net > 0n ? 'in' : 'out', amount: net > 0n ? net : -net, unit, created, destroyed }, ciphers.identity, this.nextCreatedAt());
      await this.send(sign(history), report);
    }
  }

  /** The 7374 events of the quotes the wallet waits on (quote-events.ts decides which), in this flush's order. */
  async publishQuotes(quotes: QuoteEvents, pending: PendingQuote[], report: FlushReport): Promise<void> {
    await quotes.publish(
      pending,
      this.keys().sign,
      () => this.nextCreatedAt(),
      (event) => this.send(event, report),
    );
  }

  /** Publishes to every relay; true when at least one accepted it (the others retry on their own). */
  private async send(event: SignedEvent, report: FlushReport): Promise<boolean> {
    const result = await this.pool.publish(event);
    report.published.push({ id: event.id, kind: event.kind, bytes: JSON.stringify(event).length, accepted: result.accepted, failed: result.failed });
    return result.accepted.length > 0;
  }

  /**
   * Never earlier than the previous event. A replaceable event (wallet, mint list) gets a second strictly
   * after the version it replaces, whoever wrote that one (another machine's clock may run ahead): of two
   * versions in the same second, relays keep the one with the lower id, not the newer.
   */
  private nextCreatedAt(replaces?: number): number {
    const floor = replaces === undefined ? this.lastCreatedAt : Math.max(this.lastCreatedAt, replaces) + 1;
    this.lastCreatedAt = Math.max(Math.floor(Date.now() / 1000), floor);
    return this.lastCreatedAt;
  }
}

export function sum(proofs: Proof[]): bigint {
  return proofs.reduce((total, p) => total + p.amount, 0n);
}

/**
 * What may leave the backup. A proof the relays hold and this wallet does not is either spent (then its
 * token event may be rolled over and deleted) or live ecash this wallet does not know yet: another machine
 * on the same seed minted it, or a fresh install has not restored it. Only the mint can tell (NUT-07), so it
 * is asked before any deletion; live proofs are offered to the wallet and stay in the backup either way.
 * A mint that cannot be asked leaves its group's token events exactly as they are.
 */
import type { Logger } from '../../lib/log';
import type { Proof } from './nip60';
import type { RestoreTarget, SpentChecker } from './port';
import type { TokenRecord } from './state';

export interface GroupState {
  mint: string;
  unit: string;
  /** the wallet's unspent proofs by secret */
  current: Map<string, Proof>;
}

export interface Settled {
  /** per group key: secrets the mint says are spent, or null when it could not be asked */
  spent: Map<string, Set<string> | null>;
  /** secrets confirmed live that the wallet did not take (they stay in the backup) */
  kept: Set<string>;
  /** proofs the wallet took from the backup */
  imported: number;
  /** mint -> why it could not be asked */
  problems: Record<string, string>;
}

export async function settleUnknown(input: {
  groups: GroupState[];
  records: (group: GroupState) => TokenRecord[];
  key: (group: GroupState) => string;
  checkSpent: SpentChecker;
  target?: RestoreTarget | undefined;
  logger: Logger;
}): Promise<Settled> {
  const settled: Settled = { spent: new Map(), kept: new Set(), imported: 0, problems: {} };
  for (const group of input.groups) {
    const unknown = uniqueBySecret(input.records(group).flatMap((r) => r.proofs)).filter((p) => !group.current.has(p.secret));
    if (unknown.length === 0) {
      settled.spent.set(input.key(group), new Set());
      continue;
    }
    let flags: boolean[];
    try {
      flags = await input.checkSpent(group.mint, unknown);
    } catch (error) {
      settled.spent.set(input.key(group), null);
      settled.problems[group.mint] = `cannot ask ${group.mint} which of ${unknown.length} backed-up proof(s) are spent, so their backup stays as it is: ${(error as Error).message}`;
      continue;
    }
    settled.spent.set(input.key(group), new Set(unknown.filter((_, i) => flags[i]).map((p) => p.secret)));
    const live = unknown.filter((_, i) => !flags[i]);
    if (live.length === 0) continue;
    let taken = 0;
    if (input.target) {
      try {
        taken = await input.target.importProofs({ mint: group.mint, unit: group.unit, proofs: live });
      } catch (error) {
        input.logger.warn('live proofs found only in the backup could not be added to the wallet; they stay backed up', { mint: group.mint, error: (error as Error).message });
      }
    }
    settled.imported += taken;
    // whatever the wallet did not take (it may hold it as reserved for a send in flight) stays in the backup
    if (taken < live.length) for (const p of live) settled.kept.add(p.secret);
  }
  return settled;
}

export interface RolloverPlan {
  /** token events to delete (their surviving proofs move into the new events) */
  destroyed: TokenRecord[];
  /** proofs for new token events: carried from the destroyed ones plus the wallet's new ones */
  fresh: Proof[];
  /** the wallet's proofs the backup did not hold */
  added: Proof[];
  /** spent proofs leaving the backup */
  gone: Proof[];
}

/**
 * One group's change. Only token events holding a proof the mint says is spent are rolled over; every other
 * proof in them (the wallet's, or live ones it does not know) is carried into the new event. With `spent`
 * null (the mint could not be asked) nothing is rolled over and only new proofs are added.
 */
export function planRollover(records: TokenRecord[], current: Map<string, Proof>, spent: Set<string> | null): RolloverPlan {
  const backedUp = new Set(records.flatMap((r) => r.proofs.map((p) => p.secret)));
  const added = [...current.values()].filter((p) => !backedUp.has(p.secret));
  if (!spent || spent.size === 0) return { destroyed: [], fresh: added, added, gone: [] };
  const destroyed = records.filter((r) => r.proofs.some((p) => spent.has(p.secret)));
  const carried = destroyed.flatMap((r) => r.proofs.filter((p) => !spent.has(p.secret)));
  const gone = uniqueBySecret(destroyed.flatMap((r) => r.proofs.filter((p) => spent.has(p.secret))));
  return { destroyed, fresh: uniqueBySecret([...carried, ...added]), added, gone };
}

export function uniqueBySecret(proofs: Proof[]): Proof[] {
  const seen = new Map<string, Proof>();
  for (const proof of proofs) if (!seen.has(proof.secret)) seen.set(proof.secret, proof);
  return [...seen.values()];
}

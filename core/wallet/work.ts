/**
 * What one unit of ehash is worth in hashes, read from the unit's own quotes: an ehash quote pays 2^(lz - min) for
 * a header hash with lz leading zero bits, so each quote gives the pool's minimum difficulty back. Remembered once
 * two quotes agree (a unit's minimum does not change; hashpool starts a new unit for a new epoch).
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { expectedWork, minimumDifficultyOf } from '../../lib/protocol/ehash/amount';
import type { WalletStore } from './store';

export class WorkEstimate {
  private readonly minimums = new Map<string, number>();

  constructor(private readonly store: WalletStore) {}

  /** The hashes `amount` of a unit stands for on average; undefined when the unit's quotes do not say. */
  expectedWork(mintUrl: string, unit: string, amount: bigint): bigint | undefined {
    const minimum = this.minimumDifficulty(mintUrl, unit);
    return minimum === undefined ? undefined : expectedWork(amount, minimum);
  }

  private minimumDifficulty(mintUrl: string, unit: string): number | undefined {
    const key = `${mintUrl} ${unit}`;
    if (this.minimums.has(key)) return this.minimums.get(key);
    const found = new Set<number | undefined>();
    const samples = this.store.quoteSamples(mintUrl, unit, 10);
    for (const q of samples) found.add(minimumDifficultyOf(hexToBytes(q.header_hash), BigInt(q.amount)));
    // quotes that disagree (or do not fit the formula) do not come from hashpool's rule: say nothing rather than guess
    if (found.size !== 1) return undefined;
    const [minimum] = found;
    if (minimum !== undefined && samples.length >= 2) this.minimums.set(key, minimum);
    return minimum;
  }
}

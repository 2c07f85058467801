/**
 * Restore from nostr into an empty (or partly filled) wallet, from the seed alone:
 * 1. the NUT-27 mint list and the NIP-60 wallet event name the mints;
 * 2. token events (paged from every relay, verified, deletions and `del` applied) give the proofs,
 *    each secret once;
 * 3. every mint is asked (NUT-07) which of them are spent, and those are dropped;
 * 4. the rest go into the wallet, which skips proofs it already holds, so restoring twice changes nothing;
 * 5. quote events (7374, NIP-60 "Redeeming a quote") name quotes another machine waited on: not expired (NIP-40),
 *    they go to the wallet, whose sweeper mints those paid and not minted yet (a quote the other machine mints
 *    first is ISSUED at the mint and minted by nobody else);
 * 6. the wallet's own NUT-09 restore and quote lookup by pubkey fill whatever the relays never had.
 * The mints come from every version of the wallet event and mint list any relay holds (merged), so a
 * machine that once wrote a shorter list cannot hide a mint from the restore.
 */
import { Mint } from '@cashu/cashu-ts';
import { secretToCurve } from '../../lib/protocol/cashu/nut00';
import type { BackupKeys } from './keys';
import type { Proof } from './nip60';
import type { RelayPool } from './pool';
import { readQuoteEvents, unexpired } from './quote-events';
import type { RestoreTarget, SpentChecker } from './port';
import { type Ciphers, type LoadedBackup, loadBackup, proofsByGroup } from './state';

export type RestoreStage = 'relays' | 'checkstate' | 'import' | 'recover' | 'done';

export interface RestoreProgress {
  stage: RestoreStage;
  done: number;
  total: number;
  message: string;
}

export interface RestoreReport {
  mints: string[];
  /** events fetched from the relays after deduplication */
  events: number;
  /** events dropped as forged, foreign or malformed */
  rejected: number;
  /** proofs found in live token events */
  proofsFound: number;
  /** of those, reported spent by their mint and dropped */
  proofsSpent: number;
  /** proofs the wallet did not have before (relays + its own recovery) */
  proofsAdded: number;
  /** live quote events (7374) found, and how many of their quotes were new to the wallet */
  quotesFound: number;
  quotesAdded: number;
  /** per unit, the amount added from the relays, as a decimal string */
  amountAdded: Record<string, string>;
  /** relay or mint -> the problem, for what could not be reached */
  problems: Record<string, string>;
  /** every relay searched: how many backup events it returned, or why it could not be read */
  relays: Record<string, RelayFinding>;
  /** relays that held the backup and were not backup relays yet: they are now */
  relaysAdded: string[];
}

export interface RelayFinding {
  events: number;
  error?: string;
}

/** What the relays hold for a seed, read before anything is installed or written. */
export interface FoundBackup {
  events: number;
  mints: string[];
  proofs: number;
  relays: Record<string, RelayFinding>;
}

export interface RestoreInput {
  pool: RelayPool;
  keys: BackupKeys;
  ciphers: Ciphers;
  target: RestoreTarget;
  checkSpent?: SpentChecker | undefined;
  onProgress?: ((progress: RestoreProgress) => void) | undefined;
}

const CHECKSTATE_BATCH = 100;

/** NUT-07 over HTTP with cashu-ts's Mint: Y = hash_to_curve(secret), state SPENT means gone. */
export const checkSpentAtMint: SpentChecker = async (mintUrl, proofs) => {
  const mint = new Mint(mintUrl);
  const spent: boolean[] = [];
  for (let i = 0; i < proofs.length; i += CHECKSTATE_BATCH) {
    const batch = proofs.slice(i, i + CHECKSTATE_BATCH);
    const Ys = batch.map((p) => Buffer.from(secretToCurve(p.secret)).toString('hex'));
    const { states } = await mint.check({ Ys });
    const byY = new Map(states.map((s) => [s.Y, s.state]));
    for (const Y of Ys) spent.push(byY.get(Y) === 'SPENT');
  }
  return spent;
};

export async function restoreWallet(input: RestoreInput): Promise<RestoreReport> {
  const progress = (stage: RestoreStage, done: number, total: number, message: string) => input.onProgress?.({ stage, done, total, message });
  const checkSpent = input.checkSpent ?? checkSpentAtMint;
  const problems: Record<string, string> = {};

  progress('relays', 0, 1, 'Reading the backup from the relays');
  const loaded = await loadBackup(input.pool, input.keys, input.ciphers, {
    onProgress: (stage, done, total) => progress('relays', done, total, `Relays: ${stage} ${done}/${total}`),
  });
  Object.assign(problems, loaded.failedRelays);
  if (input.pool.urls().length > 0 && Object.keys(loaded.failedRelays).length === input.pool.urls().length) {
    throw new Error(`no relay answered: ${Object.values(loaded.failedRelays)[0]}`);
  }
  const groups = [...proofsByGroup(loaded.tokens.values()).values()];
  const mints = loaded.mints;
  const proofsFound = groups.reduce((n, g) => n + g.proofs.size, 0);
  progress('relays', 1, 1, `Found ${mints.length} mint(s) and ${proofsFound} proof(s)`);

  await input.target.addMints(mints);

  let proofsSpent = 0;
  let proofsAdded = 0;
  const amountAdded: Record<string, bigint> = {};
  let checked = 0;
  for (const group of groups) {
    const proofs = [...group.proofs.values()];
    let unspent: Proof[];
    try {
      const spent = await checkSpent(group.mint, proofs);
      unspent = proofs.filter((_, i) => !spent[i]);
    } catch (error) {
      // an unreachable mint: keep the proofs; the wallet checks them again before it spends them
      problems[group.mint] = `state check failed: ${(error as Error).message}`;
      unspent = proofs;
    }
    proofsSpent += proofs.length - unspent.length;
    checked += proofs.length;
    progress('checkstate', checked, proofsFound, `Checked ${checked}/${proofsFound} proofs at the mints`);
    if (unspent.length === 0) continue;
    const added = await input.target.importProofs({ mint: group.mint, unit: group.unit, proofs: unspent });
    proofsAdded += added;
    if (added > 0) amountAdded[group.unit] = (amountAdded[group.unit] ?? 0n) + unspent.reduce((s, p) => s + p.amount, 0n);
    progress('import', proofsAdded, proofsFound - proofsSpent, `Imported ${proofsAdded} new proof(s)`);
  }

  let quotesFound = 0;
  let quotesAdded = 0;
  if (input.target.importQuotes) {
    try {
      const quotes = unexpired((await readQuoteEvents(input.pool, input.keys.identity.publicKey, input.ciphers.identity)).values());
      quotesFound = quotes.length;
      if (quotes.length > 0) quotesAdded = await input.target.importQuotes(quotes.map((q) => ({ mint: q.mint, quoteId: q.quoteId })));
    } catch (error) {
      problems['quotes'] = `quote events could not be read: ${(error as Error).message}`;
    }
  }

  let recovered = 0;
  for (const [i, mint] of mints.entries()) {
    progress('recover', i, mints.length, `Recovering from the seed at ${mint}`);
    try {
      recovered += await input.target.recoverAtMint(mint);
    } catch (error) {
      problems[mint] = `recovery from the seed failed: ${(error as Error).message}`;
    }
  }
  proofsAdded += recovered;
  progress('done', 1, 1, `Restore finished: ${proofsAdded} proof(s) added`);

  return {
    mints,
    events: loaded.fetched,
    rejected: loaded.rejected,
    proofsFound,
    proofsSpent,
    proofsAdded,
    quotesFound,
    quotesAdded,
    amountAdded: Object.fromEntries(Object.entries(amountAdded).map(([u, a]) => [u, a.toString()])),
    problems,
    relays: findings(input.pool, loaded),
    relaysAdded: [],
  };
}

/** Reads the backup of these keys from the relays and counts it; writes nothing, needs no wallet. */
export async function findBackup(pool: RelayPool, keys: BackupKeys, ciphers: Ciphers): Promise<FoundBackup> {
  const loaded = await loadBackup(pool, keys, ciphers);
  const proofs = [...proofsByGroup(loaded.tokens.values()).values()].reduce((n, g) => n + g.proofs.size, 0);
  return { events: loaded.fetched - loaded.rejected, mints: loaded.mints, proofs, relays: findings(pool, loaded) };
}

function findings(pool: RelayPool, loaded: LoadedBackup): Record<string, RelayFinding> {
  return Object.fromEntries(
    pool.urls().map((url): [string, RelayFinding] => {
      const error = loaded.failedRelays[url];
      return [url, error === undefined ? { events: loaded.perRelay[url] ?? 0 } : { events: loaded.perRelay[url] ?? 0, error }];
    }),
  );
}

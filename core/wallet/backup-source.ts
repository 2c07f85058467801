/**
 * The wallet as core/backup sees it (WalletBackupSource): what to back up, the seed its keys come from, and the two
 * ways a restore writes back (proofs recovered from a backup, and proofs another machine with the same recovery words
 * spent).
 */
import type { Logger } from '../../lib/log';
import type { Proof } from '../../lib/protocol/cashu';
import type { WalletEngine } from './engine';
import type { MintLanes } from './mint-lanes';
import { normalizeMintUrl } from './mint-client';
import type { WalletStore } from './store';
import type { WalletBackupSource, WalletEvent } from './types';
import { VaultError } from './vault';

/** What the backup surface needs from the wallet service around it. */
export interface BackupSourceHost {
  readonly store: WalletStore;
  readonly engine: WalletEngine;
  readonly lanes: MintLanes;
  readonly logger: Logger;
  knownMints(): string[];
  subscribe(listener: (event: WalletEvent) => void): () => void;
  /** the BIP39 seed, undefined while locked */
  mnemonicSeed(): Uint8Array | undefined;
  publishBalance(): void;
}

export function walletBackupSource(host: BackupSourceHost): WalletBackupSource {
  const { store, engine, lanes } = host;
  return {
    unspentProofs: () => {
      const groups = new Map<string, { mint: string; unit: string; proofs: Proof[] }>();
      for (const row of store.proofs({ state: 'unspent' })) {
        const key = `${row.mint_url} ${row.unit}`;
        const group = groups.get(key) ?? { mint: row.mint_url, unit: row.unit, proofs: [] };
        group.proofs.push({ id: row.keyset_id, amount: BigInt(row.amount), secret: row.secret, C: row.c });
        groups.set(key, group);
      }
      return [...groups.values()];
    },
    mints: () => host.knownMints(),
    history: (limit) => store.history.recent(limit),
    pendingQuotes: () =>
      store
        .pendingQuotes(10_000)
        .filter((q) => q.state === 'unpaid' || q.state === 'paid')
        .map((q) => ({ mint: q.mint_url, quoteId: q.id, since: q.seen_at })),
    onChange: (listener) =>
      host.subscribe((event) => {
        if (event.type === 'wallet.balance') listener();
      }),
    bip39Seed: () => {
      const seed = host.mnemonicSeed();
      if (!seed) throw new VaultError('passphrase_required', 'The wallet is locked.');
      return Uint8Array.from(seed);
    },
    importProofs: (mint, proofs) => {
      const url = normalizeMintUrl(mint);
      return lanes.withLive(url, (ctx) => engine.restorer.importProofs(ctx, proofs));
    },
    dropSpent: (mint, secrets) => {
      const url = normalizeMintUrl(mint);
      return lanes.exclusive(url, () => dropSpentAt(host, url, new Set(secrets)));
    },
  };
}

/** Asks the mint about these unspent proofs and drops those it says are spent; returns how many. */
async function dropSpentAt(host: BackupSourceHost, mintUrl: string, secrets: Set<string>): Promise<number> {
  const { store } = host;
  const rows = store.proofs({ mintUrl, state: 'unspent' }).filter((r) => secrets.has(r.secret));
  if (rows.length === 0) return 0;
  const ctx = await host.lanes.live(mintUrl);
  const spent: typeof rows = [];
  for (let i = 0; i < rows.length; i += 100) {
    const batch = rows.slice(i, i + 100);
    const states = new Map((await ctx.client.checkState(batch.map((r) => r.y))).map((st) => [st.Y.toLowerCase(), st.state]));
    spent.push(...batch.filter((r) => states.get(r.y.toLowerCase()) === 'SPENT'));
  }
  if (spent.length === 0) return 0;
  const byUnit = new Map<string, bigint>();
  for (const r of spent) byUnit.set(r.unit, (byUnit.get(r.unit) ?? 0n) + BigInt(r.amount));
  store.tx(() => {
    store.setProofState(
      spent.map((r) => r.y),
      'spent',
    );
    // the books still add up: the other machine's history has the spend itself
    for (const [unit, amount] of byUnit)
      store.history.add({ kind: 'restore', direction: 'out', mint_url: mintUrl, unit, amount: amount.toString(), ref: null, memo: 'spent elsewhere: another machine with these recovery words' });
  });
  host.logger.info('proofs spent on another machine with the same words were dropped', { mint: mintUrl, proofs: spent.length });
  host.publishBalance();
  return spent.length;
}

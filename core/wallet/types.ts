/** The wallet service's public shapes: what it takes, what it emits, what it shows. */
import type { OperationStep } from './engine';
import type { Proof } from '../../lib/protocol/cashu';
import type { HistoryRow, QuoteRow } from './store';
import type { MintSweepStatus, SweeperOptions } from './sweeper';
import type { SafeStorageLike, SeedVault } from './vault';
import type { Logger } from '../../lib/log';
export type { MintableQuote } from '../../lib/protocol/ehash/quote';

export interface Balance {
  mint: string;
  unit: string;
  amount: bigint;
  proofs: number;
  /** the hashes the amount stands for on average, when the unit's quotes say what one unit is worth */
  expectedWork?: bigint;
}

export type WalletEvent =
  | { type: 'wallet.balance'; balances: Balance[] }
  | {
      type: 'wallet.proof';
      mint: string;
      unit: string;
      quoteId: string;
      headerHash?: string;
      minerId?: string;
      amount: bigint;
    }
  | {
      type: 'wallet.restore';
      phase: 'scanning' | 'minting' | 'done' | 'failed';
      mint?: string;
      keysetId?: string;
      counter?: number;
      found?: number;
      amount?: bigint;
      message?: string;
    }
  | {
      type: 'wallet.error';
      kind: 'bad_signature' | 'mint_offline' | 'mint_rejected' | 'bad_response' | 'internal';
      mint?: string;
      message: string;
    }
  | { type: 'wallet.status'; exists: boolean; locked: boolean }
  /** something the miner should act on: ehash near its keyset's final_expiry (`at`: that date), ehash spent elsewhere */
  | { type: 'wallet.alert'; kind: 'keyset-expiry' | 'spent-elsewhere'; mint: string; unit: string; amount: bigint; message: string; at?: number };

/** What is not minted yet and why; what the mints hold unpaid; ehash close to its keyset's end. */
export interface PendingView {
  quotes: QuoteRow[];
  /** quotes the mint holds unpaid (epoch boundary not confirmed), by mint and unit: "immature ehash" */
  immature: { mint: string; unit: string; amount: bigint; quotes: number }[];
  expiring: { mint: string; unit: string; keysetId: string; amount: bigint; finalExpiry: number }[];
  mints: MintSweepStatus[];
}

export interface WalletOptions extends SweeperOptions {
  /** directory for this wallet's database */
  home: string;
  mintUrls: string[];
  vault: 'passphrase' | SafeStorageLike;
  logger: Logger;
  /** NUT-09 counters per restore request (default 200) */
  restoreBatch?: number;
  /** first wait before a refused quote is tried again (default 5 s; doubles per refusal, up to an hour) */
  quoteRetryMs?: number;
  /** called at each step of an operation; the crash test kills the process here */
  onStep?: (step: OperationStep) => void;
}

export interface WalletStatus {
  exists: boolean;
  locked: boolean;
  lockingPubkey?: string;
  lockingKeyMode: 'derived' | 'static';
  vault: SeedVault['kind'];
  restoring: boolean;
}

/** The small surface core/backup uses (NIP-60 + NUT-27); documented in README.md. */
export interface WalletBackupSource {
  unspentProofs(): { mint: string; unit: string; proofs: Proof[] }[];
  mints(): string[];
  history(limit?: number): HistoryRow[];
  /** called after every change of proofs, mints or history; returns an unsubscribe */
  onChange(listener: () => void): () => void;
  /** the BIP39 seed (64 bytes) to derive backup keys from; throws while locked. In-process only. */
  bip39Seed(): Uint8Array;
  /** adds proofs recovered from a backup; only those the mint confirms unspent are kept */
  importProofs(mint: string, proofs: Proof[]): Promise<{ added: number; amount: bigint }>;
  /**
   * Asks the mint about these unspent proofs (by secret) and drops those it says are spent: another machine
   * with the same recovery words spent them. Returns how many were dropped.
   */
  dropSpent(mint: string, secrets: string[]): Promise<number>;
  /** quotes not minted yet, oldest first (`since`: when the wallet first heard of them, ms) */
  pendingQuotes(): { mint: string; quoteId: string; since: number }[];
}

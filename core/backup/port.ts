/**
 * What the backup needs from the wallet, and nothing more. core/app.ts adapts the wallet to these.
 * Proofs cross this boundary in the NUT-00 shape with bigint amounts (nip60.ts `Proof`).
 */
import type { Proof } from './nip60';

export interface ProofGroup {
  mint: string;
  unit: string;
  proofs: Proof[];
}

export interface PendingQuote {
  mint: string;
  quoteId: string;
  since: number;
}

export interface BackupSource {
  /** the wallet's BIP39 seed (64 bytes); it never leaves the process */
  seed(): Uint8Array;
  /** every mint the wallet uses, even those it holds nothing at */
  mints(): string[] | Promise<string[]>;
  /** unspent proofs, grouped by mint and unit */
  unspentProofs(): ProofGroup[] | Promise<ProofGroup[]>;
  /** called after every committed change of mints or proofs; returns the unsubscribe */
  onChange(listener: () => void): () => void;
  /**
   * Called when the wallet has finished a restore from its recovery words (also one onto itself): the backup
   * then merges what its relays hold into the wallet. Returns the unsubscribe.
   */
  onRestored?(listener: () => void): () => void;
  /**
   * Mint quotes the wallet knows and has not minted yet (`since`: when it first heard of them, ms). The backup
   * keeps a NIP-60 quote event (7374) for those that wait, so another machine can redeem them too.
   */
  pendingQuotes?(): PendingQuote[] | Promise<PendingQuote[]>;
  /**
   * The private key the wallet's P2PK-locked proofs unlock with. It becomes the NIP-60 wallet `privkey`
   * ("used to unlock P2PK ecash"), so another NIP-60 wallet can spend the backed-up proofs too.
   * Without it the backup derives a key of its own.
   */
  p2pkKey?(): Uint8Array;
}

export interface RestoreTarget {
  seed(): Uint8Array;
  /** adds mints to the wallet's list (known ones are left alone) */
  addMints(mints: string[]): Promise<void>;
  /** stores proofs the wallet does not hold yet (matched by secret); returns how many were new */
  importProofs(group: ProofGroup): Promise<number>;
  /**
   * The wallet's own recovery at one mint: NUT-09 restore from the seed's counters and the quote
   * lookup by locking pubkey. Fills what the relays did not have. Returns how many proofs it added.
   */
  recoverAtMint(mint: string): Promise<number>;
  /**
   * Mint quotes another machine on this seed was waiting on (NIP-60 quote events, 7374, not expired): the wallet
   * asks their mints and mints those paid and not yet minted. Returns how many quotes were new to it.
   */
  importQuotes?(quotes: { mint: string; quoteId: string }[]): Promise<number>;
  /**
   * Proofs the wallet holds that no live token event holds (new ones, or ones another machine on this seed
   * spent and rolled out of the backup): the wallet asks the mint and drops the spent ones. Returns how many.
   */
  dropSpent?(group: ProofGroup): Promise<number>;
}

/** Which of these proofs the mint says are spent (NUT-07), in order. */
export type SpentChecker = (mint: string, proofs: Proof[]) => Promise<boolean[]>;

/** The wallet side of a restore with recovery words; core/app.ts adapts the wallet (wallet-port.ts). */
export interface WordsPort {
  /** the BIP39 seed of these words; throws when they are not a valid mnemonic */
  seedOf(mnemonic: string): Uint8Array;
  /** whether this home has no wallet yet, the wallet of these words, or another wallet */
  existing(seed: Uint8Array): 'none' | 'same' | 'other';
  /** makes these words this home's wallet (an empty home only); the wallet's own NUT-09 scan starts */
  install(mnemonic: string, passphrase?: string): Promise<void>;
  /** unlocks the wallet that is here when it is locked (an ApiError for a wrong passphrase) */
  unlock(passphrase?: string): Promise<void>;
}

/**
 * The wallet (core/wallet) seen through the backup's ports. core/app.ts wires the two with
 * `walletPorts(wallet)`; nothing else in core/backup knows the wallet.
 */
import { HDKey } from '@scure/bip32';
import { LOCKING_KEY_PATH, type WalletService } from '../wallet';
import { toApiError } from '../wallet/api';
import { bip39Seed, isValidMnemonic, normalizeMnemonic } from '../wallet/keys';
import type { BackupSource, RestoreTarget, WordsPort } from './port';

export function walletPorts(wallet: WalletService): { source: BackupSource; target: RestoreTarget; words: WordsPort } {
  const surface = wallet.backupSource();
  const source: BackupSource = {
    seed: () => surface.bip39Seed(),
    mints: () => surface.mints(),
    unspentProofs: () =>
      surface.unspentProofs().map((group) => ({
        mint: group.mint,
        unit: group.unit,
        proofs: group.proofs,
      })),
    onChange: (listener) => surface.onChange(listener),
    onRestored: (listener) =>
      wallet.subscribe((event) => {
        if (event.type === 'wallet.restore' && event.phase === 'done') listener();
      }),
    pendingQuotes: () => surface.pendingQuotes(),
    // minted ehash is P2PK-locked to the wallet's derived locking key (a static operator key is not in the seed)
    p2pkKey: () => {
      const key = HDKey.fromMasterSeed(surface.bip39Seed()).derive(LOCKING_KEY_PATH).privateKey;
      if (!key) throw new Error('locking key derivation failed');
      return key;
    },
  };
  const target: RestoreTarget = {
    seed: source.seed,
    // the wallet learns a mint when proofs from it are imported; an empty mint is only a name
    addMints: async () => undefined,
    importProofs: async (group) => (await surface.importProofs(group.mint, group.proofs)).added,
    // configured mints: the wallet's own restore (NUT-09 and the quote lookup); any other mint the backup names: NUT-09 there
    recoverAtMint: (mint) => wallet.recoverFromSeedAt(mint),
    importQuotes: async (quotes) => wallet.noteBackupQuotes(quotes),
    dropSpent: (group) =>
      surface.dropSpent(
        group.mint,
        group.proofs.map((p) => p.secret),
      ),
  };
  const words: WordsPort = {
    seedOf: (mnemonic) => {
      if (!isValidMnemonic(mnemonic)) throw new Error('not a valid BIP39 mnemonic');
      return bip39Seed(normalizeMnemonic(mnemonic));
    },
    existing: (seed) => wallet.holds(seed),
    install: async (mnemonic, passphrase) => {
      await guarded(() => wallet.restore(mnemonic, passphrase));
    },
    unlock: async (passphrase) => {
      if (wallet.status().locked) await guarded(() => wallet.unlock(passphrase));
    },
  };
  return { source, target, words };
}

/** The wallet's own errors (wrong passphrase, weak passphrase) as the API states them. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toApiError(error);
  }
}

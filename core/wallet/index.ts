/** The wallet's entry points for core/app.ts and core/backup (see README.md). */
export { registerWalletApi } from './api';
export { WalletOperationError } from './engine';
export { LOCKING_KEY_PATH } from './keys';
export { openWallet, WalletService, type Balance, type MintableQuote, type WalletBackupSource, type WalletEvent, type WalletOptions, type WalletStatus } from './service';
export { VaultError, type SafeStorageLike, type SeedVault } from './vault';

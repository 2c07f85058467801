/** The backup's entry points for core/app.ts. */
export { registerBackupApi, type BackupApiOptions } from './api';
export type { BackupSource, ProofGroup, RestoreTarget, SpentChecker } from './port';
export type { RestoreProgress, RestoreReport } from './restore';
export { createBackup, type BackupOptions, type BackupService, type BackupStatus } from './service';
export { walletPorts } from './wallet-port';

/** The engine's answers the pages read, by command: the contract's own types. */
import type { CommandOutput } from '../../core/api/contract';

export type MiningView = CommandOutput<'mining.get'>;
export type MinerView = MiningView['miners'][number];
export type WalletView = CommandOutput<'wallet.get'>;
export type BalanceView = WalletView['balances'][number];
export type DeviceView = CommandOutput<'devices.list'>['devices'][number];
export type BackupView = CommandOutput<'backup.get'>;

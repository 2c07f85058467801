/** The backup runs while the wallet exists and is unlocked (it needs the seed's keys), and stops when it locks. */
import type { Logger } from '../../lib/log';
import type { BackupService } from '../backup';
import type { WalletService } from '../wallet';

export function backupFollowsWallet(backup: Pick<BackupService, 'start' | 'stop'>, wallet: Pick<WalletService, 'status' | 'subscribe'>, logger: Logger): void {
  const sync = () => {
    const { exists, locked } = wallet.status();
    const run = exists && !locked ? backup.start() : backup.stop();
    run.catch((error: unknown) => logger.warn('backup could not start', { error: (error as Error).message }));
  };
  wallet.subscribe((event) => {
    if (event.type === 'wallet.status') sync();
  });
  sync();
}

/** The backup's handlers for the API contract (core/api/backup.ts). */
import { ApiError } from '../api/define';
import type { ApiHost } from '../api/host';
import type { BackupService } from './service';

export interface BackupApiOptions {
  /**
   * Restore on an empty home: installs the mnemonic in a new wallet and returns the backup service on
   * it (core/app.ts does both). Without it, `backup.restore` restores into the open wallet only.
   */
  openFromMnemonic?: (mnemonic: string, passphrase?: string) => Promise<BackupService>;
}

export function registerBackupApi(host: ApiHost, backup: BackupService, opts: BackupApiOptions = {}): () => void {
  const relayUrls = () => backup.status().relays.map((r) => r.url);
  host.handle('backup.get', () => backup.status());
  host.handle('backup.relays.add', async ({ url }) => {
    if (!relayUrls().includes(url)) await backup.setRelays([...relayUrls(), url]);
    return backup.status();
  });
  host.handle('backup.relays.remove', async ({ url }) => {
    if (!relayUrls().includes(url)) throw new ApiError('not_found', `${url} is not a backup relay.`, 'Pick one from the list.', 'url');
    await backup.setRelays(relayUrls().filter((u) => u !== url));
    return backup.status();
  });
  host.handle('backup.testRelay', ({ url }) => backup.testRelay(url));
  host.handle('backup.now', async () => {
    if (!backup.status().running) throw new ApiError('unavailable', 'The backup is not running.', 'Unlock the wallet first.');
    try {
      const report = await backup.backupNow();
      return { events: report.published.length, bytes: report.published.reduce((n, p) => n + p.bytes, 0), status: backup.status() };
    } catch (error) {
      throw new ApiError('upstream_error', (error as Error).message, 'Check the relays below; the backup retries on its own.');
    }
  });
  host.handle('backup.restore', async ({ mnemonic, passphrase }) => {
    const service = mnemonic ? await openFrom(mnemonic, passphrase) : backup;
    try {
      return await service.restore((progress) => host.emit({ type: 'backup.restore', progress }));
    } catch (error) {
      throw new ApiError('upstream_error', (error as Error).message, 'Check the relay list and that the relays are reachable, then try again.');
    }
  });
  const openFrom = async (mnemonic: string, passphrase?: string) => {
    if (!opts.openFromMnemonic) throw new ApiError('conflict', 'This wallet is already set up.', 'Restore from nostr starts on an empty home.');
    return opts.openFromMnemonic(mnemonic, passphrase);
  };
  return backup.onStatus((status) => host.emit({ type: 'backup.status', status }));
}

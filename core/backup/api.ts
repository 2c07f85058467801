/** The backup's handlers for the API contract (core/api/backup.ts). */
import { ApiError } from '../api/define';
import type { ApiHost } from '../api/host';
import type { WordsPort } from './port';
import type { RelayFinding } from './restore';
import type { BackupService } from './service';

export interface BackupApiOptions {
  /** the wallet side of a restore with words (core/app.ts wires the wallet); without it only the open wallet restores */
  words?: WordsPort;
}

export function registerBackupApi(host: ApiHost, backup: BackupService, opts: BackupApiOptions = {}): () => void {
  const relayUrls = () => backup.status().relays.map((r) => r.url);
  host.handle('backup.get', () => backup.status());
  host.handle('backup.relays.add', async ({ url, force }) => {
    if (!relayUrls().includes(url)) {
      if (!force) {
        const check = await backup.testRelay(url);
        if (!check.ok) throw new ApiError('upstream_error', check.error ?? `${url} failed the test.`, `${check.hint ?? 'Choose another relay.'} If you know it works, add it anyway.`, 'url');
      }
      await backup.setRelays([...relayUrls(), url]);
    }
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
  host.handle('backup.restore', async ({ mnemonic, passphrase, relays }) => {
    const searched = relays ?? relayUrls();
    if (searched.length === 0) throw new ApiError('bad_request', 'There is no relay to search.', 'Enter the relay your other machine backs up to: its Backup page lists them.', 'relays');
    if (mnemonic) await prepareWallet(mnemonic, passphrase, searched);
    let report;
    try {
      report = await backup.restore({ relays: searched, onProgress: (progress) => host.emit({ type: 'backup.restore', progress }) });
    } catch (error) {
      throw new ApiError('upstream_error', (error as Error).message, 'Check the relay list and that the relays are reachable, then try again.', 'relays');
    }
    if (report.events === 0 && report.proofsAdded === 0) throw foundNothing(report.relays);
    return report;
  });

  /**
   * A restore with words: onto the wallet of the same words it merges (after unlocking it); on an empty
   * home the words become the wallet only once the relays hold a backup for them, so a wrong word or a
   * wrong relay leaves nothing behind and can simply be tried again. Another wallet is never touched.
   */
  const prepareWallet = async (mnemonic: string, passphrase: string | undefined, searched: string[]) => {
    const words = opts.words;
    if (!words) throw new ApiError('conflict', 'This wallet is already set up.', 'Restore into it without recovery words.');
    let seed: Uint8Array;
    try {
      seed = words.seedOf(mnemonic);
    } catch {
      throw new ApiError('bad_request', 'These are not valid recovery words (12 or 24 words from the BIP39 English list).', 'Check each word and its place against your paper.', 'mnemonic');
    }
    const existing = words.existing(seed);
    if (existing === 'other') {
      throw new ApiError(
        'conflict',
        'This machine already has a different wallet.',
        'Restoring other words here would mix two wallets: open the wallet that is here, or run Axewallet with another home (--home) for these words.',
        'mnemonic',
      );
    }
    if (existing === 'same') return words.unlock(passphrase);
    let found;
    try {
      found = await backup.findBackup(seed, searched);
    } catch (error) {
      throw new ApiError('upstream_error', (error as Error).message, 'Check the relay list and that the relays are reachable, then try again.', 'relays');
    }
    if (found.events === 0) throw foundNothing(found.relays);
    await words.install(mnemonic, passphrase);
  };
  return backup.onStatus((status) => host.emit({ type: 'backup.status', status }));
}

/** "Found nothing" is a failure with next steps, never "Wallet restored". */
function foundNothing(relays: Record<string, RelayFinding>): ApiError {
  const entries = Object.entries(relays);
  const failed = entries.filter(([, r]) => r.error !== undefined);
  const read = entries.filter(([, r]) => r.error === undefined).map(([url]) => url);
  const unreadable = failed.map(([url, r]) => `${url} (${r.error})`).join('; ');
  if (read.length === 0) {
    return new ApiError('upstream_error', `No relay could be read: ${unreadable}.`, 'Check the relay addresses and this machine’s internet connection, then try again. Nothing was changed.', 'relays');
  }
  return new ApiError(
    'not_found',
    `No backup for these words on ${read.join(', ')}${failed.length ? `; not readable: ${unreadable}` : ''}.`,
    'Nothing was changed. Check the words (one wrong word is another wallet), and add the relay your other machine backs up to: its Backup page lists them. If this wallet never had a nostr backup, choose "Restore from recovery words only": it asks the mint.',
    'relays',
  );
}

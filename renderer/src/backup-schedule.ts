/** When the backup publishes next and why, in words: income waits hours by design, and the page says so. */
import type { BackupStatusJson } from '../../core/api/backup';

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

function at(iso: string, now: number): string {
  const t = Date.parse(iso);
  const clock = new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `${clock} (in ${formatDuration((t - now) / 1000)})`;
}

export function describeSchedule(status: BackupStatusJson, now = Date.now()): { next: string; why: string } {
  const delay = formatDuration(status.delaySeconds);
  const income = formatDuration(status.incomeDelaySeconds);
  if (!status.running) return { next: 'once the wallet is unlocked', why: 'The backup runs while the wallet is open.' };
  if (!status.nextBackupAt || !status.waitingFor) {
    return status.pendingChanges === 0
      ? { next: 'nothing is waiting', why: `Everything is on the relays. A send or a new mint goes out within ${delay}; income every ${income}.` }
      : { next: 'when a relay is added', why: 'There is no backup relay: add one below.' };
  }
  switch (status.waitingFor) {
    case 'income':
      return {
        next: at(status.nextBackupAt, now),
        why: `Only income is waiting (mined ehash and consolidation). Income is published every ${income} by design: your recovery words bring it back from the mint anyway, and publishing every share would cost megabytes a day. A send goes out within ${delay}.`,
      };
    case 'retry':
      return { next: at(status.nextBackupAt, now), why: 'The last backup did not complete (see the error); it tries again on its own.' };
    case 'relay':
      return { next: at(status.nextBackupAt, now), why: 'A relay was added: it is read first, then gets the whole backup.' };
    default:
      return {
        next: `within ${delay}`,
        why: `A change is waiting: a send or a new mint goes out within ${delay}; if it is income only, it waits for the next income backup (every ${income}).`,
      };
  }
}

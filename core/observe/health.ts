/** Liveness and readiness from the engine's parts, reduced to what /health may show to anyone. */
import type { Health } from '../api/observe';

export interface HealthInputs {
  listening: boolean;
  upstreamState: Health['checks']['upstream']['state'];
  wallet: { exists: boolean; locked: boolean };
  backup: { running: boolean; relays: Array<{ lastError: string | null }>; pendingChanges: number; lastBackupAt: string | null; nextBackupAt: string | null };
  uptimeSeconds: number;
}

/** A backup whose pending changes are past their planned time by more than this is behind. */
export const BACKUP_GRACE_MS = 5 * 60_000;

export function healthOf(input: HealthInputs, now = Date.now()): Health {
  const walletState = !input.wallet.exists ? 'absent' : input.wallet.locked ? 'locked' : 'unlocked';
  const { backup } = input;
  const lastAt = backup.lastBackupAt ? Date.parse(backup.lastBackupAt) : null;
  const everyRelayFailing = backup.relays.length > 0 && backup.relays.every((r) => r.lastError);
  const overdue = backup.pendingChanges > 0 && (backup.nextBackupAt === null || Date.parse(backup.nextBackupAt) + BACKUP_GRACE_MS < now);
  const fresh = backup.running && backup.relays.length > 0 && !everyRelayFailing && !overdue;
  const ready = input.listening && input.upstreamState === 'up';
  const walletOk = walletState === 'unlocked';
  return {
    status: !ready ? 'unavailable' : walletOk && fresh ? 'ok' : 'degraded',
    live: true,
    ready,
    checks: {
      proxy: { ok: input.listening, listening: input.listening },
      upstream: { ok: input.upstreamState === 'up', state: input.upstreamState },
      wallet: { ok: walletOk, state: walletState },
      backup: { ok: fresh, fresh, ageSeconds: lastAt === null ? null : Math.max(0, Math.round((now - lastAt) / 1000)) },
    },
    uptimeSeconds: Math.round(input.uptimeSeconds),
  };
}

/**
 * Alert rules for the engine's own parts: the upstream pool, the nostr backup, the wallet's mint and
 * ehash that is about to expire, and the engine's start (settings file, Stratum port). Pure: each
 * says what holds; the center turns it into alerts that start and clear.
 */
import type { MiningSnapshot } from '../api/mining';
import type { AlertDraft, ConditionState, RuleOutcome } from './center';

/** stratum2+tcp://host:port/KEY -> host:port: the key is long and says nothing to a person */
export function upstreamName(url: string | null): string {
  return url ? url.replace(/^[a-z0-9+]+:\/\//, '').replace(/\/.*$/, '') : 'none';
}

export const UPSTREAM_DOWN = 'upstream:down';
export const UPSTREAM_FAILOVER = 'upstream:failover';

export interface UpstreamChange {
  url: string | null;
  onPrimary: boolean;
  state: MiningSnapshot['upstream']['state'];
  detail: string | null;
}

/**
 * Down while no pool answers; over once one is up. "connecting" says nothing new (a pool that was down stays
 * down until it answers). On a backup pool: failover, over when the primary carries the miners again.
 */
export function upstreamAlerts(change: UpstreamChange): RuleOutcome {
  const states: ConditionState[] = [];
  if (change.state === 'up') {
    states.push({ key: UPSTREAM_DOWN, active: false });
    states.push({
      key: UPSTREAM_FAILOVER,
      active:
        !change.onPrimary &&
        ({
          source: 'upstream',
          kind: 'failover',
          severity: 'warning',
          title: 'Mining on a backup pool',
          message: `The primary pool failed; miners now use ${upstreamName(change.url)}.`,
          hint: 'Axewallet returns to the primary by itself when it answers again.',
        } satisfies AlertDraft),
    });
  } else if (change.state === 'down' || change.state === 'silent' || change.state === 'none') {
    states.push({
      key: UPSTREAM_DOWN,
      active: {
        source: 'upstream',
        kind: 'upstream-down',
        severity: 'critical',
        title: 'Pool unreachable',
        message: change.detail ?? 'No upstream pool is answering.',
        hint: 'Check your internet connection and the pool addresses in Settings; miners stay connected and resume when a pool answers.',
      },
    });
  }
  return { states, notes: [] };
}

export const BACKUP_FAILING = 'backup:failing';

export interface BackupView {
  running: boolean;
  relays: Array<{ url: string; lastError: string | null }>;
}

/** Failing while every relay's last attempt failed; over once one relay accepts again. Says nothing while stopped (locked wallet). */
export function backupAlerts(status: BackupView): RuleOutcome {
  if (!status.running) return { states: [], notes: [] };
  const failing = status.relays.length > 0 && status.relays.every((r) => r.lastError !== null && r.lastError !== undefined);
  const first = status.relays.find((r) => r.lastError)?.lastError;
  return {
    states: [
      {
        key: BACKUP_FAILING,
        active: failing && {
          source: 'backup',
          kind: 'backup-failing',
          severity: 'warning',
          title: 'Backup failing',
          message: `No nostr relay accepted the latest backup${first ? ` (${first})` : ''}.`,
          hint: 'Check the relays on the Backup page; add another relay if one stays down.',
        },
      },
    ],
    notes: [],
  };
}

export const NO_MINT = 'wallet:no-mint';

export function noMintAlert(): ConditionState {
  return {
    key: NO_MINT,
    active: {
      source: 'wallet',
      kind: 'no-mint',
      severity: 'critical',
      title: 'ehash waiting for a mint',
      message: 'Your pool pays ehash, but no mint is set, so the wallet cannot collect it.',
      hint: "Enter your pool's mint address in Settings and restart; nothing is lost, the quotes stay at the mint.",
    },
  };
}

/** ehash held in a keyset the mint retires at `expiresAt` (NUT-02 final_expiry): after that it cannot be swapped or redeemed. */
export interface ExpiringEhash {
  mint: string;
  unit: string;
  keysetId: string;
  amount: bigint;
  /** ms since the epoch */
  expiresAt: number;
}

/** the wallet lists ehash within two weeks of its keyset's end (EXPIRY_WARNING_SECONDS); the alert uses the same window */
export const EXPIRY_WARNING_MS = 14 * 86_400_000;

/** One condition per keyset: active while it holds ehash and expires within the warning window. */
export function expiryAlerts(holdings: ExpiringEhash[], now: number, warnMs = EXPIRY_WARNING_MS): RuleOutcome {
  const states: ConditionState[] = holdings.map((h) => {
    const left = h.expiresAt - now;
    const soon = h.amount > 0n && left <= warnMs;
    const when = left <= 0 ? 'has expired' : left < 86_400_000 ? `expires in ${Math.max(1, Math.round(left / 3_600_000))} h` : `expires in ${Math.round(left / 86_400_000)} days`;
    return {
      key: `wallet:expiry:${h.mint}:${h.keysetId}`,
      active: soon && {
        source: 'wallet',
        kind: 'ehash-expiring',
        severity: left <= 86_400_000 ? 'critical' : 'warning',
        title: `${h.amount.toLocaleString('en-US')} ${h.unit} ${when}`,
        message: `The mint ${h.mint} retires this ehash (keyset ${h.keysetId.slice(0, 16)}) on ${new Date(h.expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
        hint: 'Send it or swap it at the mint before then; ehash of a retired keyset cannot be redeemed.',
      },
    };
  });
  return { states, notes: [] };
}

export function settingsFileAlert(message: string): AlertDraft {
  return {
    source: 'proxy',
    kind: 'settings-file',
    severity: 'critical',
    title: 'Settings file unreadable',
    message,
    hint: 'Open Settings and save to write a fresh file; the damaged one was copied aside.',
  };
}

/** The wallet found ehash it held already spent: another machine on the same recovery words spent it. */
export function spentElsewhereAlert(message: string): AlertDraft {
  return {
    source: 'wallet',
    kind: 'spent-elsewhere',
    severity: 'warning',
    title: 'ehash spent elsewhere',
    message,
    hint: 'If another machine uses the same recovery words, it spent this ehash; nothing else is needed.',
  };
}

export const STRATUM_PORT = 'proxy:stratum-port';

export function stratumPortAlert(port: number, error: string): ConditionState {
  return {
    key: STRATUM_PORT,
    active: {
      source: 'proxy',
      kind: 'stratum-port',
      severity: 'critical',
      title: 'Proxy not running',
      message: `The Stratum port ${port} could not be opened: ${error}`,
      hint: 'Another program (or another Axewallet) uses this port: choose another proxy port in Settings and restart.',
    },
  };
}

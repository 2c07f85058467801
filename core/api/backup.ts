/** The backup part of the API contract: NIP-60 backup state per relay, relay list, backup now, restore from nostr. */
import { z } from 'zod';
import { defineCommand, noInput } from './define';

const relayUrl = z.string().max(512).regex(/^wss?:\/\/\S+$/, 'a relay address starts with ws:// or wss://');

export const backupRelayStatusSchema = z.object({
  url: z.string(),
  connected: z.boolean(),
  /** ISO time of the last event the relay accepted */
  lastOkAt: z.string().nullable(),
  /** what went wrong last, in words; null once the relay works again */
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  /** events this relay has not accepted yet (retried with backoff) */
  outbox: z.number().int().nonnegative(),
});

export const backupStatusSchema = z.object({
  running: z.boolean(),
  /** nostr public key (hex) the backup is published under; null until the wallet is unlocked */
  pubkey: z.string().nullable(),
  delaySeconds: z.number(),
  relays: z.array(backupRelayStatusSchema),
  /** wallet changes not yet on any relay */
  pendingChanges: z.number().int().nonnegative(),
  lastBackupAt: z.string().nullable(),
  /** when the pending changes go out: income alone waits up to a few hours (it is recoverable from the seed) */
  nextBackupAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type BackupStatusJson = z.infer<typeof backupStatusSchema>;

export const restoreProgressSchema = z.object({
  stage: z.enum(['relays', 'checkstate', 'import', 'recover', 'done']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  message: z.string(),
});

export const restoreReportSchema = z.object({
  mints: z.array(z.string()),
  events: z.number().int(),
  rejected: z.number().int(),
  proofsFound: z.number().int(),
  proofsSpent: z.number().int(),
  proofsAdded: z.number().int(),
  /** per unit, decimal string */
  amountAdded: z.record(z.string(), z.string()),
  /** relay or mint -> what could not be reached */
  problems: z.record(z.string(), z.string()),
});

export const backupCommands = {
  'backup.get': defineCommand({ name: 'backup.get', method: 'GET', path: '/backup', summary: 'Backup state per relay, changes waiting, last backup', input: noInput, output: backupStatusSchema }),
  'backup.relays.add': defineCommand({
    name: 'backup.relays.add',
    method: 'POST',
    path: '/backup/relays',
    summary: 'Add a backup relay; it receives the current backup at once',
    input: z.object({ url: relayUrl }).strict(),
    output: backupStatusSchema,
  }),
  'backup.relays.remove': defineCommand({
    name: 'backup.relays.remove',
    method: 'POST',
    path: '/backup/relays/remove',
    summary: 'Stop using a backup relay (events already there stay)',
    input: z.object({ url: z.string().max(512) }).strict(),
    output: backupStatusSchema,
  }),
  'backup.testRelay': defineCommand({
    name: 'backup.testRelay',
    method: 'POST',
    path: '/backup/relays/test',
    summary: 'Connect to a relay and ask it one question; the relay list is unchanged',
    input: z.object({ url: relayUrl }).strict(),
    output: z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() }),
  }),
  'backup.now': defineCommand({
    name: 'backup.now',
    method: 'POST',
    path: '/backup/now',
    summary: 'Back up now instead of after the delay',
    input: noInput,
    output: z.object({ events: z.number().int(), bytes: z.number().int(), status: backupStatusSchema }),
  }),
  'backup.restore': defineCommand({
    name: 'backup.restore',
    method: 'POST',
    path: '/backup/restore',
    summary: 'Restore from nostr: with a mnemonic on an empty home, without one into the open wallet; progress comes as backup.restore events',
    input: z.object({ mnemonic: z.string().min(1).max(1024).optional(), passphrase: z.string().min(1).max(1024).optional() }).strict(),
    output: restoreReportSchema,
  }),
};

export const backupEvents = [
  z.object({ type: z.literal('backup.status'), status: backupStatusSchema }),
  z.object({ type: z.literal('backup.restore'), progress: restoreProgressSchema }),
] as const;

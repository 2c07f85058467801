/** The backup part of the API contract: NIP-60 backup state per relay, relay list, backup now, restore from nostr. */
import { z } from 'zod';
import { defineCommand, noInput } from './define';

const relayUrl = z
  .string()
  .max(512)
  .regex(/^wss?:\/\/\S+$/, 'a relay address starts with ws:// or wss://');

/**
 * Public relays many NIP-60 wallets back up to. A restore suggests them after the wallet's own relays;
 * nothing contacts them unless the user searches them.
 */
export const WELL_KNOWN_RELAYS = ['wss://relay.damus.io', 'wss://nos.lol', 'wss://relay.primal.net'];

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
  /** the most a send or a new mint waits */
  delaySeconds: z.number(),
  /** the most income alone (minted shares, consolidation) waits: it is recoverable from the seed, so it is batched */
  incomeDelaySeconds: z.number(),
  relays: z.array(backupRelayStatusSchema),
  /** wallet changes not yet on any relay */
  pendingChanges: z.number().int().nonnegative(),
  lastBackupAt: z.string().nullable(),
  /** when the pending changes go out: income alone waits up to a few hours (it is recoverable from the seed) */
  nextBackupAt: z.string().nullable(),
  /** why the next backup is at nextBackupAt: a change to look at (a send goes out then), income only, a retry, a new relay */
  waitingFor: z.enum(['change', 'income', 'retry', 'relay']).nullable(),
  lastError: z.string().nullable(),
  /** what held part of the last backup back without failing it */
  warnings: z.array(z.string()),
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
  /** live quote events (NIP-60 7374) found, and how many of their quotes were new to the wallet (it mints the paid ones) */
  quotesFound: z.number().int(),
  quotesAdded: z.number().int(),
  /** per unit, decimal string */
  amountAdded: z.record(z.string(), z.string()),
  /** relay or mint -> what could not be reached */
  problems: z.record(z.string(), z.string()),
  /** every relay searched: backup events it returned, or why it could not be read */
  relays: z.record(z.string(), z.object({ events: z.number().int(), error: z.string().optional() })),
  /** relays that held the backup and were not backup relays yet: they are now */
  relaysAdded: z.array(z.string()),
});

export const relayCheckSchema = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  /** the relay's own name (NIP-11) */
  name: z.string().optional(),
  /** what failed, in plain words, and what to do about it */
  error: z.string().optional(),
  hint: z.string().optional(),
  checks: z.array(z.object({ check: z.enum(['address', 'info', 'connect', 'write', 'read']), ok: z.boolean(), detail: z.string() })),
});

export const backupCommands = {
  'backup.get': defineCommand({ name: 'backup.get', method: 'GET', path: '/backup', summary: 'Backup state per relay, changes waiting, last backup', input: noInput, output: backupStatusSchema }),
  'backup.relays.add': defineCommand({
    name: 'backup.relays.add',
    method: 'POST',
    path: '/backup/relays',
    summary: 'Add a backup relay after testing it (NIP-11 and a publish/read round trip; `force` skips the test); it receives the current backup at once',
    input: z.object({ url: relayUrl, force: z.boolean().optional() }).strict(),
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
    summary: 'Test a relay: its NIP-11 document and a publish/read round trip, with plain-language errors; the relay list is unchanged',
    input: z.object({ url: relayUrl }).strict(),
    output: relayCheckSchema,
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
    summary:
      'Restore from nostr, searching `relays` (default: the backup relays). With a mnemonic: on an empty home only once a backup is found; onto a wallet of the same words it merges. Without one: into the open wallet. Progress comes as backup.restore events',
    input: z
      .object({
        mnemonic: z.string().min(1).max(1024).optional(),
        passphrase: z.string().min(1).max(1024).optional(),
        relays: z.array(relayUrl).min(1).max(16).optional(),
      })
      .strict(),
    output: restoreReportSchema,
  }),
};

export const backupEvents = [z.object({ type: z.literal('backup.status'), status: backupStatusSchema }), z.object({ type: z.literal('backup.restore'), progress: restoreProgressSchema })] as const;

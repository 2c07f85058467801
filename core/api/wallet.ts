/**
 * The wallet part of the API contract: balances, seed lifecycle (create once, restore, lock/unlock),
 * quotes, history, send/receive/reclaim, mints; events for balance changes, each proof minted (share ->
 * quote -> proof), restore progress and wallet errors. Amounts follow amountSchema (numbers while exact).
 */
import { z } from 'zod';
import { amountSchema, defineCommand, noInput } from './define';

const hex66 = z.string().regex(/^0[23][0-9a-f]{64}$/);

export const walletBalanceSchema = z.object({
  mint: z.string(),
  unit: z.string(),
  amount: amountSchema,
  /** number of proofs held (consolidation keeps it small) */
  proofs: z.number().int().nonnegative(),
  /** the hashes the amount stands for on average (amount x 2^minimum difficulty, read from the unit's quotes) */
  expectedWork: amountSchema.optional(),
});

export const walletStateSchema = z.object({
  exists: z.boolean(),
  locked: z.boolean(),
  /** the P2PK key quotes lock to; the proxy announces it upstream */
  lockingPubkey: hex66.optional(),
  lockingKeyMode: z.enum(['derived', 'static']),
  /** how the seed is encrypted at rest: a passphrase (headless) or the OS keychain (desktop) */
  vault: z.enum(['passphrase', 'safe-storage']),
  restoring: z.boolean(),
  balances: z.array(walletBalanceSchema),
  /** quotes known but not yet minted (unpaid or waiting for the sweeper) */
  pendingQuotes: z.number().int().nonnegative(),
});

export const walletQuoteSchema = z.object({
  id: z.string(),
  mint: z.string(),
  unit: z.string().nullable(),
  amount: amountSchema.nullable(),
  headerHash: z.string().nullable(),
  minerId: z.string().nullable(),
  state: z.enum(['unpaid', 'paid', 'issued', 'dropped']),
  source: z.string(),
  seenAt: z.number(),
  issuedAt: z.number().nullable(),
  /** why it is not minted yet, or why it was dropped ("pending: <reason>" on the Wallet page) */
  reason: z.string().nullable().optional(),
  /** not tried again before this time (ms) */
  retryAt: z.number().optional(),
});

/** What is not ehash yet: quotes waiting (with their reasons), immature ehash, ehash close to its keyset's end. */
export const walletPendingSchema = z.object({
  quotes: z.array(walletQuoteSchema),
  /** quotes the mint holds unpaid until the block that opened their epoch has enough confirmations */
  immature: z.array(z.object({ mint: z.string(), unit: z.string(), amount: amountSchema, quotes: z.number().int(), expectedWork: amountSchema.optional() })),
  /** ehash in keysets whose final_expiry (unix seconds) is within two weeks or past */
  expiring: z.array(z.object({ mint: z.string(), unit: z.string(), keysetId: z.string(), amount: amountSchema, finalExpiry: z.number().int() })),
  mints: z.array(
    z.object({
      url: z.string(),
      /** failed passes in a row; retryAt (ms) and lastError while the mint is backed off */
      failures: z.number().int(),
      retryAt: z.number().optional(),
      lastError: z.string().optional(),
      /** the quote lookup route this mint answers: 'pubkey', 'method' (#341), 'none', or null before the first try */
      lookup: z.string().nullable(),
      batchSize: z.number().int().optional(),
    }),
  ),
});

export const walletHistoryEntrySchema = z.object({
  id: z.number().int(),
  at: z.number(),
  kind: z.enum(['mint', 'send', 'receive', 'reclaim', 'restore', 'claimed']),
  direction: z.enum(['in', 'out']),
  mint: z.string(),
  unit: z.string(),
  amount: amountSchema,
  ref: z.string().nullable(),
  memo: z.string().nullable(),
});

export const walletSendSchema = z.object({
  id: z.string(),
  mint: z.string(),
  unit: z.string(),
  amount: amountSchema,
  memo: z.string().nullable(),
  token: z.string().nullable(),
  createdAt: z.number(),
});

export const tokenPreviewSchema = z.object({
  mint: z.string(),
  unit: z.string(),
  amount: amountSchema,
  memo: z.string().optional(),
  proofs: z.number().int().nonnegative(),
  /** the mint is configured here or was used before; false: receiving it needs the user's confirmation (trustMint) */
  trusted: z.boolean(),
  /** P2PK-locked proofs: only the key holder can receive them */
  locked: z.boolean(),
});

export const activityEntrySchema = z.object({
  kind: z.enum(['mined', 'send', 'receive', 'restore', 'reclaim']),
  direction: z.enum(['in', 'out']),
  mint: z.string(),
  unit: z.string(),
  amount: amountSchema,
  at: z.number(),
  until: z.number(),
  shares: z.number().int().nonnegative().optional(),
  batches: z.number().int().positive().optional(),
  state: z.enum(['pending', 'claimed', 'reclaimed']).optional(),
  returned: amountSchema.optional(),
  memo: z.string().optional(),
  ref: z.string().optional(),
});

const passphrase = z.string().min(1).max(1024);
const mintUrl = z.string().url().max(512);

export const walletCommands = {
  'wallet.get': defineCommand({
    name: 'wallet.get',
    method: 'GET',
    path: '/wallet',
    summary: 'Wallet state and balances by mint and unit',
    input: noInput,
    output: walletStateSchema,
  }),
  'wallet.newWords': defineCommand({
    name: 'wallet.newWords',
    method: 'POST',
    path: '/wallet/new-words',
    summary: 'Fresh recovery words to write down and confirm; nothing is stored until wallet.create gets them back',
    input: noInput,
    output: z.object({ mnemonic: z.string() }),
  }),
  'wallet.create': defineCommand({
    name: 'wallet.create',
    method: 'POST',
    path: '/wallet/create',
    summary: 'Create a wallet, with the confirmed words from wallet.newWords (or, without them, new words returned this once: write them down). Headless mode needs a passphrase.',
    input: z.object({ passphrase: passphrase.optional(), mnemonic: z.string().min(1).max(1024).optional() }).strict(),
    output: z.object({ mnemonic: z.string(), lockingPubkey: hex66 }),
  }),
  'wallet.restore': defineCommand({
    name: 'wallet.restore',
    method: 'POST',
    path: '/wallet/restore',
    summary:
      'Restore a wallet from its mnemonic: on an empty home it installs it; onto the wallet of the same words it merges (NUT-09 at its mints, then the nostr backup), unlocking it with its passphrase. Other words are refused (409). Progress comes as wallet.restore events',
    input: z
      .object({
        mnemonic: z.string().min(1).max(1024),
        passphrase: passphrase.optional(),
      })
      .strict(),
    output: z.object({ lockingPubkey: hex66 }),
  }),
  'wallet.unlock': defineCommand({
    name: 'wallet.unlock',
    method: 'POST',
    path: '/wallet/unlock',
    summary: 'Unlock the wallet after a restart (headless: with its passphrase)',
    input: z.object({ passphrase: passphrase.optional() }).strict(),
    output: walletStateSchema,
  }),
  'wallet.lock': defineCommand({
    name: 'wallet.lock',
    method: 'POST',
    path: '/wallet/lock',
    summary: 'Forget the seed until the next unlock',
    input: noInput,
    output: walletStateSchema,
  }),
  'wallet.lockingKey': defineCommand({
    name: 'wallet.lockingKey',
    method: 'POST',
    path: '/wallet/locking-key',
    summary: "Static-key mode: lock quotes to a hashpool operator's key (hex privkey); omit it to return to the key derived from the seed",
    input: z
      .object({
        privkey: z
          .string()
          .regex(/^[0-9a-fA-F]{64}$/)
          .optional(),
        passphrase: passphrase.optional(),
      })
      .strict(),
    output: walletStateSchema,
  }),
  'wallet.history': defineCommand({
    name: 'wallet.history',
    method: 'GET',
    path: '/wallet/history',
    summary: 'Minting batches of the last week (older minting lives on summed per minute: wallet.activity, wallet.earnings), sends, receives, newest first',
    input: z
      .object({
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        before: z.coerce.number().int().positive().optional(),
      })
      .strict(),
    output: z.object({ entries: z.array(walletHistoryEntrySchema) }),
  }),
  'wallet.quotes': defineCommand({
    name: 'wallet.quotes',
    method: 'GET',
    path: '/wallet/quotes',
    summary: 'Quotes by state (unpaid, paid = waiting to be minted, issued)',
    input: z
      .object({
        state: z.enum(['unpaid', 'paid', 'issued', 'dropped']).default('paid'),
        limit: z.coerce.number().int().min(1).max(5000).default(200),
      })
      .strict(),
    output: z.object({ quotes: z.array(walletQuoteSchema) }),
  }),
  'wallet.pending': defineCommand({
    name: 'wallet.pending',
    method: 'GET',
    path: '/wallet/pending',
    summary: "Quotes not minted yet and why, immature ehash, ehash near its keyset expiry, each mint's sweeping state",
    input: z.object({ limit: z.coerce.number().int().min(1).max(5000).default(500) }).strict(),
    output: walletPendingSchema,
  }),
  'wallet.trace': defineCommand({
    name: 'wallet.trace',
    method: 'GET',
    path: '/wallet/trace/:headerHash',
    summary: 'What a share (by header hash) became: its quote and proofs',
    input: z.object({ headerHash: z.string().regex(/^[0-9a-fA-F]{64}$/) }).strict(),
    output: z.object({
      quotes: z.array(
        z.object({
          quote: walletQuoteSchema,
          proofs: z.array(z.object({ amount: amountSchema, state: z.string() })),
        }),
      ),
    }),
  }),
  'wallet.send': defineCommand({
    name: 'wallet.send',
    method: 'POST',
    path: '/wallet/send',
    summary: 'Create a cashuB token for an amount; its proofs stay pending until the recipient claims them',
    input: z
      .object({
        amount: amountSchema,
        unit: z.string().min(1).max(200).optional(),
        mint: mintUrl.optional(),
        memo: z.string().max(256).optional(),
      })
      .strict(),
    output: z.object({ id: z.string(), token: z.string() }),
  }),
  'wallet.receive': defineCommand({
    name: 'wallet.receive',
    method: 'POST',
    path: '/wallet/receive',
    summary: 'Receive a cashu token (own mint or another; P2PK-locked to this wallet included)',
    input: z
      .object({
        token: z.string().min(10).max(200_000),
        /** the user confirmed the token's mint; without it a mint this wallet never used is refused before it is contacted */
        trustMint: z.boolean().optional(),
      })
      .strict(),
    output: z.object({
      mint: z.string(),
      unit: z.string(),
      amount: amountSchema,
    }),
  }),
  'wallet.previewToken': defineCommand({
    name: 'wallet.previewToken',
    method: 'POST',
    path: '/wallet/receive/preview',
    summary: 'What a token holds (amount, unit, mint, memo), decoded here without contacting its mint, and whether its mint is one this wallet already trusts',
    input: z.object({ token: z.string().min(10).max(200_000) }).strict(),
    output: tokenPreviewSchema,
  }),
  'wallet.earnings': defineCommand({
    name: 'wallet.earnings',
    method: 'GET',
    path: '/wallet/earnings',
    summary: 'ehash minted from shares per time bucket over the last 1h, 24h or 7d, by mint and unit (from the wallet, so it survives restarts)',
    input: z.object({ range: z.enum(['1h', '24h', '7d']).default('24h') }).strict(),
    output: z.object({
      from: z.number(),
      to: z.number(),
      bucketMs: z.number().int().positive(),
      series: z.array(z.object({ mint: z.string(), unit: z.string(), total: amountSchema, buckets: z.array(amountSchema) })),
    }),
  }),
  'wallet.activity': defineCommand({
    name: 'wallet.activity',
    method: 'GET',
    path: '/wallet/activity',
    summary: 'History grouped by local day: one row per day of mining, one per send (claim or reclaim folded in), one per receive and restore; newest first',
    input: z
      .object({
        days: z.coerce.number().int().min(1).max(366).default(7),
        /** minutes east of UTC of the reader's zone (a browser's -getTimezoneOffset()) */
        utcOffsetMinutes: z.coerce.number().int().min(-840).max(840).default(0),
      })
      .strict(),
    output: z.object({ days: z.array(z.object({ day: z.string(), entries: z.array(activityEntrySchema) })) }),
  }),
  'wallet.sends': defineCommand({
    name: 'wallet.sends',
    method: 'GET',
    path: '/wallet/sends',
    summary: 'Sends not yet claimed by their recipient',
    input: noInput,
    output: z.object({ sends: z.array(walletSendSchema) }),
  }),
  'wallet.reclaim': defineCommand({
    name: 'wallet.reclaim',
    method: 'POST',
    path: '/wallet/sends/:id/reclaim',
    summary: 'Take back an unclaimed send',
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: z.object({ amount: amountSchema }),
  }),
  'wallet.mints': defineCommand({
    name: 'wallet.mints',
    method: 'GET',
    path: '/wallet/mints',
    summary: 'Mints this wallet knows, with their units',
    input: noInput,
    output: z.object({
      mints: z.array(
        z.object({
          url: z.string(),
          configured: z.boolean(),
          pubkey: z.string().optional(),
          units: z.array(z.string()),
        }),
      ),
    }),
  }),
};

export const walletEvents = [
  z.object({
    type: z.literal('wallet.balance'),
    balances: z.array(walletBalanceSchema),
  }),
  /** one per minted quote: the dashboard's share -> quote -> proof stream */
  z.object({
    type: z.literal('wallet.proof'),
    mint: z.string(),
    unit: z.string(),
    quoteId: z.string(),
    headerHash: z.string().optional(),
    minerId: z.string().optional(),
    amount: amountSchema,
  }),
  z.object({
    type: z.literal('wallet.restore'),
    phase: z.enum(['scanning', 'minting', 'done', 'failed']),
    mint: z.string().optional(),
    keysetId: z.string().optional(),
    counter: z.number().int().optional(),
    found: z.number().int().optional(),
    amount: amountSchema.optional(),
    message: z.string().optional(),
  }),
  z.object({
    type: z.literal('wallet.error'),
    kind: z.enum(['bad_signature', 'mint_offline', 'mint_rejected', 'bad_response', 'internal']),
    mint: z.string().optional(),
    message: z.string(),
  }),
  z.object({
    type: z.literal('wallet.status'),
    exists: z.boolean(),
    locked: z.boolean(),
  }),
  /** something to act on: ehash near its keyset's final_expiry (`at`, unix seconds), ehash spent elsewhere */
  z.object({
    type: z.literal('wallet.alert'),
    kind: z.enum(['keyset-expiry', 'spent-elsewhere']),
    mint: z.string(),
    unit: z.string(),
    amount: amountSchema,
    message: z.string(),
    at: z.number().int().optional(),
  }),
] as const;

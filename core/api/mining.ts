/**
 * The mining part of the API contract: what the local Stratum proxy knows (share counts from the
 * ledger, miners behind it, the upstream in use and its failover state) and the live events the
 * dashboard streams (each share's verdict, upstream changes, ehash quotes announced by the pool).
 * Times are ISO strings; counts always equal the upstream's verdicts.
 */
import { z } from 'zod';
import { amountSchema, defineCommand, noInput } from './define';

export const shareCountsSchema = z.object({
  accepted: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  /** forwarded, no verdict from the upstream yet */
  awaiting: z.number().int().nonnegative(),
  /** the upstream's own reason text -> count */
  rejectReasons: z.record(z.string(), z.number().int().nonnegative()),
});

export const shareVerdictSchema = z.enum(['awaiting', 'accepted', 'rejected']);

export const shareSchema = z.object({
  shareId: z.number().int(),
  at: z.string(),
  minerId: z.string(),
  worker: z.string(),
  verdict: shareVerdictSchema,
  reason: z.string().nullable(),
  /** difficulty the share was submitted against */
  difficulty: z.number(),
  /** difficulty its hash reached */
  shareDifficulty: z.number(),
  /** hex of the raw sha256d(header): a hashpool quote's `request` */
  headerHash: z.string(),
  /** ms from the miner's submit to the upstream's verdict */
  latencyMs: z.number().nullable(),
  upstream: z.string(),
});

export const minerSchema = z.object({
  id: z.string(),
  worker: z.string(),
  /** ip:port of the miner's connection */
  address: z.string(),
  userAgent: z.string(),
  connectedAt: z.string(),
  difficulty: z.number().nullable(),
  /** H/s from accepted work over the last 10 minutes */
  hashrate: z.number(),
  lastShareAt: z.string().nullable(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  awaiting: z.number().int(),
  rejectReasons: z.record(z.string(), z.number().int()),
  latencyMs: z.number().nullable(),
  /** version-rolling mask granted, 8 hex digits */
  versionMask: z.string(),
  /** the upstream this miner's work comes from */
  upstream: z.string().nullable(),
});

export const upstreamStateSchema = z.enum(['connecting', 'up', 'down', 'silent', 'idle', 'none']);

export const upstreamSchema = z.object({
  /** the upstream in use */
  url: z.string().nullable(),
  protocol: z.enum(['sv1', 'sv2']).nullable(),
  state: upstreamStateSchema,
  connected: z.boolean(),
  latencyMs: z.number().nullable(),
  /** index into the failover list of the upstream in use */
  activeIndex: z.number().int().nullable(),
  /** true while a lower-priority upstream carries the miners because the primary failed */
  failover: z.boolean(),
  /** the last failure of the primary (why we are on failover) */
  lastError: z.string().nullable(),
  switches: z.number().int(),
  since: z.string(),
  upstreams: z.array(
    z.object({
      url: z.string(),
      protocol: z.enum(['sv1', 'sv2']),
      state: upstreamStateSchema,
      lastError: z.string().nullable(),
      since: z.string(),
    }),
  ),
});

export const miningSnapshotSchema = z.object({
  shares: shareCountsSchema,
  /** total H/s of the miners behind the proxy */
  hashrate: z.number(),
  miners: z.array(minerSchema),
  upstream: upstreamSchema,
  /** newest last, for the dashboard's live stream */
  recentShares: z.array(shareSchema),
  /** one point a minute, newest last */
  hashrateHistory: z.array(z.object({ at: z.string(), hashrate: z.number() })),
  /** connections, lines and submits refused before reaching an upstream, by reason (e.g. refused-address-limit, idle-timeout) */
  invalid: z.record(z.string(), z.number().int()),
  stratum: z.object({ host: z.string(), port: z.number().int() }).nullable(),
});
export type MiningSnapshot = z.infer<typeof miningSnapshotSchema>;
export type ShareJson = z.infer<typeof shareSchema>;
export type UpstreamJson = z.infer<typeof upstreamSchema>;

/** One worker's shares in one hour or day: kept when single shares are pruned (the ledger folds them into these). */
export const shareBucketSchema = z.object({
  /** start of the hour or day (UTC) */
  at: z.string(),
  worker: z.string(),
  accepted: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  rejectReasons: z.record(z.string(), z.number().int().nonnegative()),
  /** sum of the accepted shares' difficulties: the hashes they stand for are work * 2^32 */
  work: z.number().nonnegative(),
  /** average H/s over the bucket from the accepted work */
  hashrate: z.number().nonnegative(),
});

export const miningCommands = {
  'mining.get': defineCommand({
    name: 'mining.get',
    method: 'GET',
    path: '/mining',
    summary: 'Share counts, miners behind the proxy, upstream and failover state, recent shares, hashrate history',
    input: noInput,
    output: miningSnapshotSchema,
  }),
  'mining.shares': defineCommand({
    name: 'mining.shares',
    method: 'GET',
    path: '/mining/shares',
    summary: 'Shares from the ledger, newest first; or the one share with a given header hash',
    input: z
      .object({
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        headerHash: z
          .string()
          .regex(/^[0-9a-fA-F]{64}$/)
          .optional(),
      })
      .strict(),
    output: z.object({ shares: z.array(shareSchema) }),
  }),
  'mining.history': defineCommand({
    name: 'mining.history',
    method: 'GET',
    path: '/mining/history',
    summary: 'Accepted and rejected shares (by reason) and accepted work per worker, by hour (up to 90 days) or by day',
    input: z
      .object({
        span: z.enum(['hour', 'day']).default('hour'),
        /** how far back, in days */
        days: z.coerce.number().int().min(1).max(3650).default(1),
      })
      .strict(),
    output: z.object({ buckets: z.array(shareBucketSchema) }),
  }),
};

export const miningUpstreamEventSchema = z.object({
  type: z.literal('mining.upstream'),
  url: z.string().nullable(),
  activeIndex: z.number().int().nullable(),
  onPrimary: z.boolean(),
  state: upstreamStateSchema,
  detail: z.string().nullable(),
});

export const miningEvents = [
  /** every share twice: when forwarded (awaiting) and when the upstream judged it */
  z.object({ type: z.literal('mining.share'), share: shareSchema }),
  miningUpstreamEventSchema,
  /** the pool announced an ehash quote (hashpool 0xC0) or a failure (0xC1) for a miner's share */
  z.object({
    type: z.literal('mining.quote'),
    minerId: z.string(),
    worker: z.string(),
    quoteId: z.string(),
    amount: amountSchema,
    upstream: z.string(),
    error: z.object({ code: z.number().int(), message: z.string() }).optional(),
  }),
] as const;

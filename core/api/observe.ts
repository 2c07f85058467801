/**
 * What `GET /health` answers without a token: only what is safe to show on the LAN side of a reverse proxy
 * (no addresses, keys, balances, versions or paths): is the engine alive, can it mine, and how old the backup is.
 */
import { z } from 'zod';

export const healthCheckSchema = z.object({ ok: z.boolean() });

export const healthSchema = z.object({
  /** ok: ready, wallet unlocked, backup fresh; degraded: mining works but the wallet is locked or the backup is behind; unavailable: not ready */
  status: z.enum(['ok', 'degraded', 'unavailable']),
  /** the process answers (always true when there is an answer at all) */
  live: z.literal(true),
  /** miners can mine through Axewallet: the Stratum port listens and an upstream pool is up (HTTP 200, else 503) */
  ready: z.boolean(),
  checks: z.object({
    proxy: healthCheckSchema.extend({ listening: z.boolean() }),
    upstream: healthCheckSchema.extend({ state: z.enum(['connecting', 'up', 'down', 'silent', 'idle', 'none']) }),
    wallet: healthCheckSchema.extend({ state: z.enum(['unlocked', 'locked', 'absent']) }),
    backup: healthCheckSchema.extend({
      /** changes are on a relay, or wait no longer than their planned delay */
      fresh: z.boolean(),
      /** seconds since a relay last accepted the backup; null before the first */
      ageSeconds: z.number().int().nullable(),
    }),
  }),
  uptimeSeconds: z.number().int(),
});
export type Health = z.infer<typeof healthSchema>;

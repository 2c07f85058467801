/** Status, settings, logs and alerts: the part of the contract every shell needs. */
import { z } from 'zod';
import { defineCommand, noInput } from './define';
import { parseUpstreamUrl } from './upstream-url';

export const upstreamSchema = z.object({
  url: z.string().superRefine((value, ctx) => {
    try {
      parseUpstreamUrl(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  label: z.string().max(64).optional(),
  /** the mint this pool pays ehash at, when it is not the mintUrl setting (a second hashpool in the failover list) */
  mintUrl: z.string().url().optional(),
});

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** IPv6 in any RFC 4291 text form (at most one "::", eight groups, an IPv4 tail allowed), no brackets. */
function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.split('::').length > 2) return false;
  let groups = text.split(':');
  const tail = groups[groups.length - 1]!;
  if (tail.includes('.')) {
    if (!IPV4.test(tail)) return false;
    groups = [...groups.slice(0, -1), '0', '0'];
  }
  const compressed = text.includes('::');
  const filled = groups.filter((g) => g !== '');
  if (!filled.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return compressed ? filled.length < 8 : groups.length === 8;
}

/** What the Stratum server can listen on: a host name or an IPv4/IPv6 address, nothing else. */
export function isHostOrAddress(text: string): boolean {
  return IPV4.test(text) || isIpv6(text) || (HOST_NAME.test(text) && !/^[\d.]+$/.test(text));
}

export const notificationSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  offline: z.boolean().default(true),
  hashrateDrop: z.boolean().default(true),
  overheat: z.boolean().default(true),
  upstreamDown: z.boolean().default(true),
  backupFailing: z.boolean().default(true),
});

export const settingsSchema = z.object({
  /** failover order, first is primary */
  upstreams: z.array(upstreamSchema).max(8).default([]),
  /** the one LAN-facing port (0 = any free port) */
  stratumPort: z.number().int().min(0).max(65535).default(34255),
  stratumHost: z
    .string()
    .refine(
      isHostOrAddress,
      'stratumHost must be a host name or an IP address to listen on: 0.0.0.0 for every network of this machine, 127.0.0.1 for this machine only, or one of its LAN addresses such as 192.168.1.20.',
    )
    .default('0.0.0.0'),
  /** how long a miner waits for the upstream's verdict before being answered and reconciled later */
  verdictTimeoutMs: z.number().int().min(100).max(30_000).default(2000),
  /** an upstream is left for the next one when a Stratum V1 pool says nothing this long, or any pool leaves an answer it owes (a verdict, hashpool's batch acknowledgement) unanswered this long (at most 30 s) */
  silentUpstreamSeconds: z.number().int().min(5).max(3600).default(120),
  /** the wallet's mint; in demo mode the devnet mint */
  mintUrl: z.string().url().optional(),
  lockingKeyMode: z.enum(['derived', 'static']).default('derived'),
  relays: z
    .array(z.string().regex(/^wss?:\/\/\S+$/, 'a relay address starts with ws:// or wss://'))
    .max(16)
    .default([]),
  backupDelaySeconds: z.number().int().min(1).max(3600).default(30),
  notifications: notificationSettingsSchema.default(notificationSettingsSchema.parse({})),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  /** keep the control API's token across restarts (for scripts); otherwise a new one at every start */
  stableApiToken: z.boolean().default(false),
});
export type Settings = z.infer<typeof settingsSchema>;
/** Every setting's default, stated once (above): what a fresh home starts with and what code falls back to. */
export const settingsDefaults: Readonly<Settings> = Object.freeze(settingsSchema.parse({}));
/**
 * A patch names only what it changes: every field optional and WITHOUT its default (zod 4 fills defaults
 * into optional fields, so `settingsSchema.partial()` turned {theme} into a full reset of every other field),
 * nested objects patched key by key.
 */
function patchSchemaOf(schema: z.ZodObject): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    let inner: z.ZodType = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
    if (inner instanceof z.ZodObject) inner = patchSchemaOf(inner);
    shape[key] = inner.optional();
  }
  return z.object(shape).strict();
}
export type SettingsPatch = { [K in keyof Settings]?: Settings[K] extends unknown[] ? Settings[K] : Settings[K] extends object ? Partial<Settings[K]> : Settings[K] };
export const settingsPatchSchema = patchSchemaOf(settingsSchema) as unknown as z.ZodType<SettingsPatch, SettingsPatch>;

export const statusSchema = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'headless']),
  home: z.string(),
  uptimeSeconds: z.number(),
  /** true when the embedded demo network (devnet) is the upstream */
  demo: z.boolean(),
  network: z.object({ label: z.string() }),
  stratum: z.object({ host: z.string(), port: z.number() }).optional(),
  /** AxeOS addresses of the simulated Bitaxes the demo network runs, for discovery to find */
  demoDevices: z.array(z.string()).optional(),
});
export type Status = z.infer<typeof statusSchema>;

export const logLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export const logRecordSchema = z.object({
  time: z.string(),
  level: logLevelSchema,
  scope: z.string(),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()).optional(),
});

export const alertSchema = z.object({
  id: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  source: z.enum(['device', 'upstream', 'wallet', 'backup', 'proxy']),
  kind: z.string(),
  title: z.string(),
  message: z.string(),
  /** what the user should do next */
  hint: z.string().optional(),
  at: z.string(),
  /** the device the alert is about (its id), when it is about one */
  subject: z.string().optional(),
  /** set once the condition is over: the same alert, resolved */
  clearedAt: z.string().optional(),
});
export type Alert = z.infer<typeof alertSchema>;

export const systemCommands = {
  'status.get': defineCommand({ name: 'status.get', method: 'GET', path: '/status', summary: 'Version, mode, home dir and uptime', input: noInput, output: statusSchema }),
  'settings.get': defineCommand({ name: 'settings.get', method: 'GET', path: '/settings', summary: 'Saved settings', input: noInput, output: settingsSchema }),
  'settings.update': defineCommand({
    name: 'settings.update',
    method: 'PUT',
    path: '/settings',
    summary: 'Change settings; only the given fields change',
    input: settingsPatchSchema,
    output: settingsSchema,
  }),
  'logs.recent': defineCommand({
    name: 'logs.recent',
    method: 'GET',
    path: '/logs',
    summary: 'Recent log records, newest last',
    input: z.object({ limit: z.coerce.number().int().min(1).max(2000).default(200), level: logLevelSchema.optional() }).strict(),
    output: z.object({ records: z.array(logRecordSchema) }),
  }),
  'alerts.recent': defineCommand({
    name: 'alerts.recent',
    method: 'GET',
    path: '/alerts',
    summary: 'Recent alerts, newest last',
    input: noInput,
    output: z.object({ alerts: z.array(alertSchema) }),
  }),
};

export const systemEvents = [
  z.object({ type: z.literal('log'), record: logRecordSchema }),
  z.object({ type: z.literal('settings'), settings: settingsSchema }),
  z.object({ type: z.literal('alert'), alert: alertSchema }),
] as const;

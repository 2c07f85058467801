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
});

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
  stratumHost: z.string().default('0.0.0.0'),
  /** how long a miner waits for the upstream's verdict before being answered and reconciled later */
  verdictTimeoutMs: z.number().int().min(100).max(30_000).default(2000),
  /** an upstream that sends nothing (no job, no answer) for this long is left for the next one */
  silentUpstreamSeconds: z.number().int().min(5).max(3600).default(120),
  /** the wallet's mint; in demo mode the devnet mint */
  mintUrl: z.string().url().optional(),
  lockingKeyMode: z.enum(['derived', 'static']).default('derived'),
  relays: z.array(z.string().regex(/^wss?:\/\/\S+$/, 'a relay address starts with ws:// or wss://')).max(16).default([]),
  backupDelaySeconds: z.number().int().min(1).max(3600).default(30),
  notifications: notificationSettingsSchema.default({
    enabled: true,
    offline: true,
    hashrateDrop: true,
    overheat: true,
    upstreamDown: true,
    backupFailing: true,
  }),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
});
export type Settings = z.infer<typeof settingsSchema>;
export const settingsPatchSchema = settingsSchema.partial().strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

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

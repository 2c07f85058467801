/** The devices part of the API contract: Bitaxes found, added, watched and pointed at Axewallet. */
import { z } from 'zod';
import { defineCommand, noInput } from './define';

export const deviceIdSchema = z.string().regex(/^[0-9a-f]{12}$/, 'a device id is its MAC address as 12 lowercase hex digits');

export const devicePoolSchema = z.object({
  slot: z.number().int(),
  url: z.string(),
  port: z.number().int(),
  user: z.string(),
  protocol: z.enum(['SV1', 'SV2']),
  tls: z.number().int(),
});

export const deviceProblemSchema = z.object({
  kind: z.enum(['unauthorized', 'http-error', 'not-json', 'truncated', 'timeout', 'unreachable', 'not-axeos', 'rejected', 'unsupported']),
  message: z.string(),
  hint: z.string(),
});

export const deviceSchema = z.object({
  id: deviceIdSchema,
  mac: z.string(),
  address: z.string(),
  hostname: z.string(),
  asicModel: z.string(),
  boardVersion: z.string(),
  firmware: z.string(),
  status: z.enum(['online', 'offline', 'refused', 'error', 'restarting']),
  problem: deviceProblemSchema.optional(),
  lastSeen: z.string().nullable(),
  capabilities: z.object({ poolsApi: z.boolean(), pauseResume: z.boolean() }),
  /** GH/s */
  hashrate: z.number(),
  hashrate1m: z.number(),
  hashrate10m: z.number(),
  hashrate1h: z.number(),
  expectedHashrate: z.number(),
  temperature: z.number(),
  vrTemperature: z.number(),
  power: z.number(),
  fanRpm: z.number(),
  sharesAccepted: z.number(),
  sharesRejected: z.number(),
  rejectReasons: z.array(z.object({ message: z.string(), count: z.number() })),
  bestDiff: z.number(),
  bestSessionDiff: z.number(),
  poolDifficulty: z.number(),
  responseTimeMs: z.number(),
  uptimeSeconds: z.number(),
  miningPaused: z.boolean(),
  usingFallback: z.boolean(),
  pools: z.array(devicePoolSchema),
  primaryPool: z.number().int(),
  secondaryPool: z.number().int(),
  /** the device's primary pool is this Axewallet's Stratum port */
  viaAxewallet: z.boolean(),
  /** previous pools are saved: undo-proxy can restore them */
  canUndoProxy: z.boolean(),
});
export type Device = z.infer<typeof deviceSchema>;

export const historyRangeSchema = z.enum(['1h', '24h', '7d', '30d']);
export const historySampleSchema = z.object({
  at: z.string(),
  hashrate1m: z.number(),
  hashrate10m: z.number(),
  hashrate1h: z.number(),
  temperature: z.number(),
  power: z.number(),
  /** accepted / rejected shares in this interval */
  shares: z.number(),
  rejects: z.number(),
});

export const foundDeviceSchema = z.object({ address: z.string(), mac: z.string(), hostname: z.string(), asicModel: z.string(), firmware: z.string(), ipv4: z.string(), known: z.boolean() });

export const usbPortSchema = z.object({
  path: z.string(),
  serialNumber: z.string().optional(),
  /** patched firmware answers JSON commands over USB; stock firmware only prints logs */
  firmware: z.enum(['patched', 'stock', 'unknown']),
  /** the AxeOS address the device reports (patched firmware), ready for devices.add */
  address: z.string().optional(),
  hostname: z.string().optional(),
  /** why the port could not be read, and what to do */
  problem: z.string().optional(),
});

export const discoveryProgressSchema = z.object({
  scanId: z.string(),
  scanned: z.number().int(),
  total: z.number().int(),
  found: z.array(foundDeviceSchema),
  refused: z.array(z.string()),
  done: z.boolean(),
  cancelled: z.boolean(),
});

const byId = z.object({ id: deviceIdSchema }).strict();
export const poolInputSchema = z.object({
  url: z.string().min(1).max(256),
  port: z.number().int().min(1).max(65535),
  user: z.string().max(256),
  password: z.string().max(256).optional(),
});

export const devicesCommands = {
  'devices.list': defineCommand({ name: 'devices.list', method: 'GET', path: '/devices', summary: 'Every known Bitaxe with its live state', input: noInput, output: z.object({ devices: z.array(deviceSchema) }) }),
  'devices.add': defineCommand({
    name: 'devices.add',
    method: 'POST',
    path: '/devices',
    summary: 'Add a Bitaxe by address (http://HOST[:PORT] or an IP)',
    input: z.object({ address: z.string().min(1).max(256) }).strict(),
    output: z.object({ device: deviceSchema }),
  }),
  'devices.get': defineCommand({ name: 'devices.get', method: 'GET', path: '/devices/:id', summary: 'One Bitaxe', input: byId, output: z.object({ device: deviceSchema }) }),
  'devices.remove': defineCommand({ name: 'devices.remove', method: 'DELETE', path: '/devices/:id', summary: 'Forget a Bitaxe (its history too)', input: byId, output: z.object({ removed: z.boolean() }) }),
  'devices.useProxy': defineCommand({
    name: 'devices.useProxy',
    method: 'POST',
    path: '/devices/:id/use-proxy',
    summary: "Point the Bitaxe at Axewallet's Stratum port, keeping its previous pool as fallback; confirms the device connected",
    input: byId,
    output: z.object({ device: deviceSchema, proxy: z.object({ host: z.string(), port: z.number() }) }),
  }),
  'devices.undoProxy': defineCommand({ name: 'devices.undoProxy', method: 'POST', path: '/devices/:id/undo-proxy', summary: 'Restore the pools the Bitaxe had before use-proxy', input: byId, output: z.object({ device: deviceSchema }) }),
  'devices.setPools': defineCommand({
    name: 'devices.setPools',
    method: 'PUT',
    path: '/devices/:id/pools',
    summary: 'Set the primary and fallback pool, then restart the Bitaxe',
    input: z.object({ id: deviceIdSchema, primary: poolInputSchema, fallback: poolInputSchema.optional() }).strict(),
    output: z.object({ device: deviceSchema }),
  }),
  'devices.restart': defineCommand({ name: 'devices.restart', method: 'POST', path: '/devices/:id/restart', summary: 'Restart the Bitaxe', input: byId, output: z.object({ ok: z.literal(true) }) }),
  'devices.identify': defineCommand({ name: 'devices.identify', method: 'POST', path: '/devices/:id/identify', summary: 'Make the Bitaxe say "Hi!" on its screen', input: byId, output: z.object({ ok: z.literal(true) }) }),
  'devices.pause': defineCommand({ name: 'devices.pause', method: 'POST', path: '/devices/:id/pause', summary: 'Pause mining (AxeOS v2.14+)', input: byId, output: z.object({ device: deviceSchema }) }),
  'devices.resume': defineCommand({ name: 'devices.resume', method: 'POST', path: '/devices/:id/resume', summary: 'Resume mining (AxeOS v2.14+)', input: byId, output: z.object({ device: deviceSchema }) }),
  'devices.history': defineCommand({
    name: 'devices.history',
    method: 'GET',
    path: '/devices/:id/history',
    summary: 'Hashrate, temperature, power, shares and rejects over time, kept across restarts',
    input: z.object({ id: deviceIdSchema, range: historyRangeSchema.default('24h') }).strict(),
    output: z.object({ samples: z.array(historySampleSchema) }),
  }),
  'devices.logs': defineCommand({
    name: 'devices.logs',
    method: 'GET',
    path: '/devices/:id/logs',
    summary: 'Recent log lines of the Bitaxe, newest last',
    input: z.object({ id: deviceIdSchema, limit: z.coerce.number().int().min(1).max(2000).default(200) }).strict(),
    output: z.object({ lines: z.array(z.string()) }),
  }),
  'devices.discover': defineCommand({
    name: 'devices.discover',
    method: 'POST',
    path: '/devices/discover',
    summary: 'Scan the local networks (or the given hosts: "192.168.1.0/24", "10.0.0.5-20") for Bitaxes; progress arrives as device.discovery events',
    input: z.object({ hosts: z.array(z.string().max(64)).max(16).optional(), port: z.number().int().min(1).max(65535).optional(), mdns: z.boolean().default(false) }).strict(),
    output: z.object({ scanId: z.string(), total: z.number().int() }),
  }),
  'devices.usb': defineCommand({
    name: 'devices.usb',
    method: 'GET',
    path: '/devices/usb',
    summary: 'Bitaxes plugged into this machine over USB, with their firmware kind and, on patched firmware, their network address',
    input: z.object({}).strict(),
    output: z.object({ ports: z.array(usbPortSchema) }),
  }),
  'devices.cancelDiscover': defineCommand({
    name: 'devices.cancelDiscover',
    method: 'POST',
    path: '/devices/discover/:scanId/cancel',
    summary: 'Stop a running scan',
    input: z.object({ scanId: z.string().max(64) }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  }),
};

export const devicesEvents = [
  z.object({ type: z.literal('device.state'), device: deviceSchema }),
  z.object({ type: z.literal('device.removed'), id: deviceIdSchema }),
  z.object({ type: z.literal('device.discovery'), progress: discoveryProgressSchema }),
  z.object({ type: z.literal('device.log'), id: deviceIdSchema, line: z.string() }),
] as const;

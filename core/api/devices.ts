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
  /** Stratum V2 (AxeOS v2.14+): channel type, the pool's authority key (public, base58), and whether the device insists on it */
  sv2ChannelType: z.enum(['standard', 'extended']).optional(),
  sv2AuthorityPubkey: z.string().optional(),
  sv2RequireAuth: z.boolean().optional(),
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
  /** the user told the device to mine on its fallback pool (AxeOS useFallbackStratum) */
  useFallbackStratum: z.boolean().optional(),
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

const poolSummarySchema = z.object({ slot: z.number().int(), url: z.string(), port: z.number().int(), user: z.string(), protocol: z.enum(['SV1', 'SV2']) });

export const usbBackupSchema = z.object({
  id: z.string(),
  mac: z.string(),
  offset: z.number().int(),
  size: z.number().int(),
  md5: z.string(),
  createdAt: z.string(),
  /** pending: taken before a write that has not finished; written / restored: the write (or a restore) was verified */
  state: z.enum(['pending', 'written', 'restored']),
});

/** One step of setting up (or restoring) a stock Bitaxe over USB. */
export const usbSetupProgressSchema = z.object({
  runId: z.string(),
  path: z.string(),
  action: z.enum(['setup', 'restore']),
  step: z.enum(['connect', 'read', 'merge', 'backup', 'write', 'verify', 'reset', 'online']),
  /** finished: the whole run is over (see error / result) */
  state: z.enum(['running', 'done', 'failed', 'finished']),
  message: z.string(),
  done: z.number().int().optional(),
  total: z.number().int().optional(),
  error: z
    .object({
      kind: z.string(),
      message: z.string(),
      hint: z.string(),
      /** a saved copy of this Bitaxe's settings exists: devices.usbRestore can write it back */
      backupId: z.string().optional(),
    })
    .optional(),
  result: z
    .object({
      mac: z.string(),
      changes: z.array(z.string()),
      before: z.object({ primary: poolSummarySchema.optional(), fallback: poolSummarySchema.optional() }),
      after: z.object({ primary: poolSummarySchema.optional(), fallback: poolSummarySchema.optional() }),
      backupId: z.string(),
      resumedFrom: z.string().optional(),
      /** the device once it came up on the network and Axewallet added it */
      deviceId: z.string().optional(),
    })
    .optional(),
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
  /** default: the protocol the slot had for the same pool, else SV1 */
  protocol: z.enum(['SV1', 'SV2']).optional(),
  sv2ChannelType: z.enum(['standard', 'extended']).optional(),
  sv2AuthorityPubkey: z
    .string()
    .max(128)
    .regex(/^[1-9A-HJ-NP-Za-km-z]*$/, 'an authority key is base58')
    .optional(),
  sv2RequireAuth: z.boolean().optional(),
});

export const devicesCommands = {
  'devices.list': defineCommand({
    name: 'devices.list',
    method: 'GET',
    path: '/devices',
    summary: 'Every known Bitaxe with its live state',
    input: noInput,
    output: z.object({ devices: z.array(deviceSchema) }),
  }),
  'devices.add': defineCommand({
    name: 'devices.add',
    method: 'POST',
    path: '/devices',
    summary: 'Add a Bitaxe by address (http://HOST[:PORT] or an IP)',
    input: z.object({ address: z.string().min(1).max(256) }).strict(),
    output: z.object({ device: deviceSchema }),
  }),
  'devices.get': defineCommand({ name: 'devices.get', method: 'GET', path: '/devices/:id', summary: 'One Bitaxe', input: byId, output: z.object({ device: deviceSchema }) }),
  'devices.remove': defineCommand({
    name: 'devices.remove',
    method: 'DELETE',
    path: '/devices/:id',
    summary: 'Forget a Bitaxe (its history too)',
    input: byId,
    output: z.object({ removed: z.boolean() }),
  }),
  'devices.useProxy': defineCommand({
    name: 'devices.useProxy',
    method: 'POST',
    path: '/devices/:id/use-proxy',
    summary: "Point the Bitaxe at Axewallet's Stratum port, keeping its previous pool as fallback; confirms the device connected",
    input: byId,
    output: z.object({ device: deviceSchema, proxy: z.object({ host: z.string(), port: z.number() }) }),
  }),
  'devices.undoProxy': defineCommand({
    name: 'devices.undoProxy',
    method: 'POST',
    path: '/devices/:id/undo-proxy',
    summary: 'Restore the pools the Bitaxe had before use-proxy',
    input: byId,
    output: z.object({ device: deviceSchema }),
  }),
  'devices.setPools': defineCommand({
    name: 'devices.setPools',
    method: 'PUT',
    path: '/devices/:id/pools',
    summary: 'Set the primary and fallback pool, then restart the Bitaxe',
    input: z.object({ id: deviceIdSchema, primary: poolInputSchema, fallback: poolInputSchema.optional() }).strict(),
    output: z.object({ device: deviceSchema }),
  }),
  'devices.restart': defineCommand({ name: 'devices.restart', method: 'POST', path: '/devices/:id/restart', summary: 'Restart the Bitaxe', input: byId, output: z.object({ ok: z.literal(true) }) }),
  'devices.identify': defineCommand({
    name: 'devices.identify',
    method: 'POST',
    path: '/devices/:id/identify',
    summary: 'Make the Bitaxe say "Hi!" on its screen',
    input: byId,
    output: z.object({ ok: z.literal(true) }),
  }),
  'devices.pause': defineCommand({
    name: 'devices.pause',
    method: 'POST',
    path: '/devices/:id/pause',
    summary: 'Pause mining (AxeOS v2.14+)',
    input: byId,
    output: z.object({ device: deviceSchema }),
  }),
  'devices.resume': defineCommand({
    name: 'devices.resume',
    method: 'POST',
    path: '/devices/:id/resume',
    summary: 'Resume mining (AxeOS v2.14+)',
    input: byId,
    output: z.object({ device: deviceSchema }),
  }),
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
    path: '/usb/ports',
    summary: 'Bitaxes plugged into this machine over USB, with their firmware kind and, on patched firmware, their network address',
    input: z.object({}).strict(),
    output: z.object({ ports: z.array(usbPortSchema) }),
  }),
  'devices.usbSetup': defineCommand({
    name: 'devices.usbSetup',
    method: 'POST',
    path: '/usb/setup',
    summary:
      'Set up a stock Bitaxe over its USB cable: its boot loader, a copy of its settings saved first, Wi-Fi and pool merged in (Axewallet by default, the current pool kept as fallback), written, read back, restarted; progress arrives as device.usbSetup events',
    input: z
      .object({
        path: z.string().min(1).max(256),
        wifi: z
          .object({ ssid: z.string().min(1).max(32), password: z.string().max(63) })
          .strict()
          .optional(),
        hostname: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,32}$/, 'a hostname is 1 to 32 letters, digits or dashes')
          .optional(),
        /** default: Axewallet's Stratum port */
        pool: poolInputSchema.optional(),
        /** the address the Bitaxe will reach Axewallet at on its Wi-Fi (default: this computer's LAN address) */
        proxyHost: z.string().min(1).max(253).optional(),
      })
      .strict(),
    output: z.object({ runId: z.string(), pool: z.object({ url: z.string(), port: z.number().int(), user: z.string() }) }),
  }),
  'devices.usbRestore': defineCommand({
    name: 'devices.usbRestore',
    method: 'POST',
    path: '/usb/restore',
    summary: 'Write a saved copy of a Bitaxe’s settings back over USB (the newest for the chip on that port, or the one named); progress as device.usbSetup events',
    input: z.object({ path: z.string().min(1).max(256), backupId: z.string().max(64).optional() }).strict(),
    output: z.object({ runId: z.string() }),
  }),
  'devices.usbBackups': defineCommand({
    name: 'devices.usbBackups',
    method: 'GET',
    path: '/usb/backups',
    summary: 'Copies of Bitaxe settings saved before USB setups, newest first',
    input: z.object({}).strict(),
    output: z.object({ backups: z.array(usbBackupSchema) }),
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
  z.object({ type: z.literal('device.usbSetup'), progress: usbSetupProgressSchema }),
] as const;

/**
 * Fleet actions and device groups: one action (pool, restart, pause, resume, a setting) applied to many
 * Bitaxes at once, each answering for itself, and a pool change that can be undone. Groups name a set of
 * devices for actions and for the dashboard's filter.
 */
import { z } from 'zod';
import { defineCommand, noInput } from './define';
import { deviceIdSchema, poolInputSchema } from './devices';

const groupId = z.string().regex(/^[0-9a-f]{12}$/, 'a group id is 12 hex digits');

export const deviceGroupSchema = z.object({ id: groupId, name: z.string(), devices: z.array(deviceIdSchema) });
export type DeviceGroup = z.infer<typeof deviceGroupSchema>;

/** Which devices: named ones, the members of groups, or all (the union of what is given). */
export const fleetTargetsSchema = z
  .object({ devices: z.array(deviceIdSchema).max(256).optional(), groups: z.array(groupId).max(64).optional(), all: z.boolean().optional() })
  .strict()
  .refine((t) => t.all || (t.devices?.length ?? 0) > 0 || (t.groups?.length ?? 0) > 0, { message: 'choose devices, groups or all' });

/** Settings a fleet action may write, with ESP-Miner's own limits (nvs_config.c): frequency MHz, core voltage mV, fan %, target °C. */
export const fleetSettingsSchema = z
  .object({
    frequency: z.number().min(1).max(65535).optional(),
    coreVoltage: z.number().int().min(1).max(65535).optional(),
    autoFan: z.boolean().optional(),
    fanSpeed: z.number().int().min(0).max(100).optional(),
    tempTarget: z.number().int().min(35).max(66).optional(),
  })
  .strict()
  .refine((s) => Object.keys(s).length > 0, { message: 'choose at least one setting' });

export const fleetActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pool'), primary: poolInputSchema, fallback: poolInputSchema.optional() }).strict(),
  z.object({ kind: z.literal('restart') }).strict(),
  z.object({ kind: z.literal('pause') }).strict(),
  z.object({ kind: z.literal('resume') }).strict(),
  z.object({ kind: z.literal('setting'), settings: fleetSettingsSchema, restart: z.boolean().default(false) }).strict(),
]);
export type FleetAction = z.infer<typeof fleetActionSchema>;

export const fleetResultSchema = z.object({
  id: deviceIdSchema,
  name: z.string(),
  ok: z.boolean(),
  /** what happened, or what went wrong */
  message: z.string(),
  /** what to do next when it failed */
  hint: z.string().optional(),
});

export const fleetReportSchema = z.object({
  actionId: z.string(),
  kind: z.enum(['pool', 'restart', 'pause', 'resume', 'setting', 'undo']),
  results: z.array(fleetResultSchema),
  /** a pool change that can be undone (the devices that changed get their pools back) */
  undoable: z.boolean(),
});
export type FleetReport = z.infer<typeof fleetReportSchema>;

export const fleetCommands = {
  'devices.groups.list': defineCommand({
    name: 'devices.groups.list',
    method: 'GET',
    path: '/device-groups',
    summary: 'Device groups',
    input: noInput,
    output: z.object({ groups: z.array(deviceGroupSchema) }),
  }),
  'devices.groups.save': defineCommand({
    name: 'devices.groups.save',
    method: 'POST',
    path: '/device-groups',
    summary: 'Create a group, or rename it and set its devices (with id)',
    input: z.object({ id: groupId.optional(), name: z.string().trim().min(1).max(48), devices: z.array(deviceIdSchema).max(256) }).strict(),
    output: z.object({ group: deviceGroupSchema }),
  }),
  'devices.groups.remove': defineCommand({
    name: 'devices.groups.remove',
    method: 'DELETE',
    path: '/device-groups/:id',
    summary: 'Delete a group (its devices stay)',
    input: z.object({ id: groupId }).strict(),
    output: z.object({ removed: z.boolean() }),
  }),
  'devices.fleet.apply': defineCommand({
    name: 'devices.fleet.apply',
    method: 'POST',
    path: '/devices/fleet',
    summary: 'Apply one action to many devices; answers with a result per device (progress comes as device.fleet events)',
    input: z.object({ targets: fleetTargetsSchema, action: fleetActionSchema }).strict(),
    output: fleetReportSchema,
  }),
  'devices.fleet.undo': defineCommand({
    name: 'devices.fleet.undo',
    method: 'POST',
    path: '/devices/fleet/:actionId/undo',
    summary: 'Give the devices of a fleet pool change the pools they had before',
    input: z.object({ actionId: z.string().regex(/^[0-9a-f]{12}$/) }).strict(),
    output: fleetReportSchema,
  }),
};

export const fleetEvents = [z.object({ type: z.literal('device.fleet'), actionId: z.string(), done: z.number().int(), total: z.number().int(), result: fleetResultSchema })] as const;

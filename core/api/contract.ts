/**
 * The one contract between the engine and any UI: every command and event, by name.
 * The HTTP server, the OpenAPI document, the Electron IPC bridge and the renderer all read it.
 */
import { z } from 'zod';
import { backupCommands, backupEvents } from './backup';
import type { CommandDef } from './define';
import { devicesCommands, devicesEvents } from './devices';
import { fleetCommands, fleetEvents } from './fleet';
import { integrationsCommands, integrationsEvents } from './integrations';
import { miningCommands, miningEvents } from './mining';
import { systemCommands, systemEvents } from './system';
import { walletCommands, walletEvents } from './wallet';

export const commands = {
  ...systemCommands,
  ...miningCommands,
  ...walletCommands,
  ...devicesCommands,
  ...backupCommands,
  ...integrationsCommands,
  ...fleetCommands,
};

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandInput<N extends CommandName> = z.input<Commands[N]['input']>;
export type CommandOutput<N extends CommandName> = z.output<Commands[N]['output']>;

export const apiEventSchema = z.discriminatedUnion('type', [...systemEvents, ...miningEvents, ...walletEvents, ...devicesEvents, ...backupEvents, ...integrationsEvents, ...fleetEvents]);
export type ApiEvent = z.infer<typeof apiEventSchema>;
export type ApiEventType = ApiEvent['type'];

export function commandByName(name: string): CommandDef | undefined {
  return Object.hasOwn(commands, name) ? (commands as Record<string, CommandDef>)[name] : undefined;
}

export const API_PREFIX = '/api/v1';

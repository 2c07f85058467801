/**
 * Fleet actions: one action over many Bitaxes (named, by group, or all), a few at a time, each device answering
 * for itself; one device's failure never stops the others. A pool change keeps what it replaced so it can be
 * undone: on AxeOS v2.15+ the new pools go into free slots and the old ones stay untouched (their passwords
 * too, which AxeOS only shows masked), so undo is a switch back; flat firmware gets its old fields written back.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { DevicePool } from '../../device/axeos/normalize';
import { ApiError } from '../api/define';
import type { DeviceGroup, FleetAction, FleetReport } from '../api/fleet';
import type { Logger } from '../../lib/log';
import type { FleetStore, SavedPools } from './fleet-store';
import { apiErrorOf, type DeviceManager } from './manager';

type Result = FleetReport['results'][number];
type PoolInput = Extract<FleetAction, { kind: 'pool' }>['primary'];

export interface FleetEvents {
  progress: [progress: { actionId: string; done: number; total: number; result: Result }];
}

const SLOTS = [0, 1, 2, 3, 4, 5, 6, 7];

function asPool(input: PoolInput, slot: number): DevicePool {
  return { slot, url: input.url, port: input.port, user: input.user, password: input.password ?? 'x', protocol: 'SV1', tls: 0 };
}

export class Fleet extends EventEmitter<FleetEvents> {
  constructor(
    private readonly manager: DeviceManager,
    private readonly store: FleetStore,
    private readonly logger: Logger,
    private readonly concurrency = 4,
  ) {
    super();
  }

  // ------------------------------------------------------------------ groups

  groups(): DeviceGroup[] {
    return this.store.groups();
  }

  saveGroup(input: { id?: string; name: string; devices: string[] }): DeviceGroup {
    const known = new Set(this.manager.list().map((d) => d.id));
    const unknown = input.devices.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new ApiError('not_found', `No device with id ${unknown.join(', ')}.`, 'Reload the Devices page and choose again.', 'devices');
    if (input.id && !this.store.groups().some((g) => g.id === input.id)) throw new ApiError('not_found', `No group with id ${input.id}.`, 'Reload the Devices page.');
    const group: DeviceGroup = { id: input.id ?? randomBytes(6).toString('hex'), name: input.name, devices: [...new Set(input.devices)] };
    this.store.saveGroup(group);
    return group;
  }

  removeGroup(id: string): boolean {
    return this.store.removeGroup(id);
  }

  /** The device ids the targets name; unknown ids are an error, not silently skipped. */
  resolve(targets: { devices?: string[]; groups?: string[]; all?: boolean }): string[] {
    const known = this.manager.list().map((d) => d.id);
    if (targets.all) return known;
    const groups = this.store.groups();
    const ids = new Set(targets.devices ?? []);
    for (const gid of targets.groups ?? []) {
      const group = groups.find((g) => g.id === gid);
      if (!group) throw new ApiError('not_found', `No group with id ${gid}.`, 'Reload the Devices page.', 'targets.groups');
      for (const id of group.devices) ids.add(id);
    }
    const unknown = [...ids].filter((id) => !known.includes(id));
    if (unknown.length > 0) throw new ApiError('not_found', `No device with id ${unknown.join(', ')}.`, 'Reload the Devices page and choose again.', 'targets.devices');
    if (ids.size === 0) throw new ApiError('bad_request', 'The chosen groups have no devices.', 'Add devices to the group first.', 'targets');
    return [...ids];
  }

  // ------------------------------------------------------------------ actions

  async apply(targets: { devices?: string[]; groups?: string[]; all?: boolean }, action: FleetAction): Promise<FleetReport> {
    const ids = this.resolve(targets);
    const actionId = randomBytes(6).toString('hex');
    this.logger.info('fleet action', { action: action.kind, devices: ids.length });
    const results = await this.each(actionId, ids, (id) => this.one(actionId, id, action));
    return { actionId, kind: action.kind, results, undoable: action.kind === 'pool' && this.store.undoFor(actionId).length > 0 };
  }

  async undo(actionId: string): Promise<FleetReport> {
    const saved = this.store.undoFor(actionId);
    if (saved.length === 0) throw new ApiError('conflict', 'This pool change has nothing left to undo.', 'It was undone already, or it is older than the last 20 pool changes.');
    const results = await this.each(
      actionId,
      saved.map((s) => s.deviceId),
      async (id) => {
        const entry = saved.find((s) => s.deviceId === id)!;
        const message = await this.restorePools(id, entry.saved);
        this.store.forgetUndo(actionId, id);
        return message;
      },
    );
    return { actionId, kind: 'undo', results, undoable: this.store.undoFor(actionId).length > 0 };
  }

  /** Runs `work` over the devices, `concurrency` at a time, and reports each result as it comes. */
  private async each(actionId: string, ids: string[], work: (id: string) => Promise<string>): Promise<Result[]> {
    const results: Result[] = [];
    const queue = [...ids];
    const name = (id: string) => {
      const d = this.manager.list().find((x) => x.id === id);
      return d?.hostname || d?.mac || id;
    };
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        let result: Result;
        try {
          result = { id, name: name(id), ok: true, message: await work(id) };
        } catch (error) {
          const e = apiErrorOf(error);
          result = { id, name: name(id), ok: false, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
        }
        results.push(result);
        this.emit('progress', { actionId, done: results.length, total: ids.length, result });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, ids.length) }, worker));
    return ids.map((id) => results.find((r) => r.id === id)!);
  }

  private async one(actionId: string, id: string, action: FleetAction): Promise<string> {
    switch (action.kind) {
      case 'restart':
        await this.manager.restart(id);
        return 'Restarting; it mines again in about a minute.';
      case 'pause':
        await this.manager.setPaused(id, true);
        return 'Mining paused.';
      case 'resume':
        await this.manager.setPaused(id, false);
        return 'Mining resumed.';
      case 'setting':
        return this.writeSettings(id, action.settings, action.restart);
      case 'pool':
        return this.assignPools(actionId, id, action.primary, action.fallback);
    }
  }

  private async writeSettings(id: string, settings: Extract<FleetAction, { kind: 'setting' }>['settings'], restart: boolean): Promise<string> {
    const { client, info } = await this.manager.beginChange(id, 0);
    const patch: Record<string, unknown> = {};
    if (settings.frequency !== undefined) patch.frequency = settings.frequency;
    if (settings.coreVoltage !== undefined) patch.coreVoltage = settings.coreVoltage;
    if (settings.autoFan !== undefined) patch.autofanspeed = settings.autoFan;
    if (settings.fanSpeed !== undefined) patch[info.capabilities.fanSpeedKey] = settings.fanSpeed;
    if (settings.tempTarget !== undefined) patch.temptarget = settings.tempTarget;
    await client.patch(patch);
    const written = Object.keys(settings).join(', ');
    if (!restart) return `Saved ${written}.`;
    await this.manager.finishChange(id, info);
    return `Saved ${written} and restarted.`;
  }

  private async assignPools(actionId: string, id: string, primary: PoolInput, fallback: PoolInput | undefined): Promise<string> {
    const { client, info, name } = await this.manager.beginChange(id);
    const old = info.pools.find((p) => p.slot === info.primaryPool);
    let saved: SavedPools;
    if (info.capabilities.poolsApi) {
      const free = SLOTS.filter((slot) => !info.pools.some((p) => p.slot === slot));
      // free slots keep the old pools (and their hidden passwords) untouched; with none free, the secondary is reused
      const reuse = [info.secondaryPool !== info.primaryPool ? info.secondaryPool : (info.primaryPool + 1) % 8, ...SLOTS.filter((s) => s !== info.primaryPool && s !== info.secondaryPool)];
      const slotA = free[0] ?? reuse[0]!;
      const slotB = fallback ? (free.find((s) => s !== slotA) ?? reuse.find((s) => s !== slotA)!) : undefined;
      const written = [slotA, ...(slotB !== undefined ? [slotB] : [])].map((slot) => {
        const before = info.pools.find((p) => p.slot === slot);
        return before ? { slot, before } : { slot };
      });
      saved = { poolsApi: true, previous: old ? `${old.url}:${old.port}` : null, primaryPool: info.primaryPool, secondaryPool: info.secondaryPool, written };
      this.store.saveUndo(actionId, id, saved);
      await client.putPool(slotA, asPool(primary, slotA));
      if (fallback && slotB !== undefined) await client.putPool(slotB, asPool(fallback, slotB));
      // without a new fallback the old primary becomes the fallback: the device keeps mining if the new pool fails
      await client.patch({ primaryPoolIndex: slotA, secondaryPoolIndex: slotB ?? info.primaryPool });
    } else {
      const flat = { ...(old ? { primary: old } : {}), ...(info.pools.find((p) => p.slot === 1) ? { fallback: info.pools.find((p) => p.slot === 1) } : {}) };
      saved = { poolsApi: false, previous: old ? `${old.url}:${old.port}` : null, primaryPool: 0, secondaryPool: 1, written: [], flat };
      this.store.saveUndo(actionId, id, saved);
      await client.writePools(info, asPool(primary, 0), fallback ? asPool(fallback, 1) : old && { ...old, slot: 1 });
    }
    this.logger.info('fleet pool change', { device: id, pool: `${primary.url}:${primary.port}` });
    await this.manager.finishChange(id, info);
    return `${name} now mines on ${primary.url}:${primary.port}${fallback ? `, fallback ${fallback.url}:${fallback.port}` : old ? `, fallback ${old.url}:${old.port} (its previous pool)` : ''}.`;
  }

  private async restorePools(id: string, saved: SavedPools): Promise<string> {
    const { client, info } = await this.manager.beginChange(id);
    if (saved.poolsApi) {
      if (!info.capabilities.poolsApi)
        throw new ApiError('conflict', 'This device changed firmware since the pool change, so its old slots cannot be restored.', 'Set its pools by hand on the device or with "Set pools".');
      await client.patch({ primaryPoolIndex: saved.primaryPool, secondaryPoolIndex: saved.secondaryPool });
      for (const entry of saved.written) {
        if (entry.before) await client.putPool(entry.slot, entry.before);
        else await client.deletePool(entry.slot);
      }
    } else {
      const primary = saved.flat?.primary;
      if (!primary) throw new ApiError('conflict', 'No previous pool was recorded for this device.', 'Set its pools by hand.');
      await client.writePools(info, { ...primary, slot: 0 }, saved.flat?.fallback && { ...saved.flat.fallback, slot: 1 });
    }
    await this.manager.finishChange(id, info);
    // AxeOS never shows a stored pool password; a password we had to overwrite cannot come back
    const hidden = saved.poolsApi ? saved.written.some((w) => w.before && w.before.password === undefined) : saved.flat?.primary?.password === undefined;
    return `Back on ${saved.previous ?? 'its previous pools'}.${hidden ? ' AxeOS hides pool passwords: if that pool needs one, enter it again on the device.' : ''}`;
  }
}

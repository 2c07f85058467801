/**
 * Device groups and the pools a fleet pool change replaced (for undo), in the devices database beside the
 * devices themselves (own connection, own tables), so both survive restarts.
 */
import Database from 'better-sqlite3';
import type { DevicePool } from '../../device/axeos/normalize';
import type { DeviceGroup } from '../api/fleet';

/** What a device had before a fleet pool change, and which slots the change wrote. */
export interface SavedPools {
  poolsApi: boolean;
  /** the primary pool before the change ("host:port"), to say where undo brings the device back */
  previous: string | null;
  primaryPool: number;
  secondaryPool: number;
  /** v2.15+: the slots the change wrote, and what was in them before (absent = the slot was free) */
  written: Array<{ slot: number; before?: DevicePool }>;
  /** flat firmware: primary and fallback as they were (passwords only where the firmware shows them) */
  flat?: { primary?: DevicePool; fallback?: DevicePool };
}

const KEEP_UNDO_ACTIONS = 20;

export class FleetStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS device_groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, devices TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS fleet_pool_undo (action_id TEXT NOT NULL, device_id TEXT NOT NULL, saved TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (action_id, device_id));
    `);
  }

  groups(): DeviceGroup[] {
    return (this.db.prepare('SELECT id, name, devices FROM device_groups ORDER BY created_at').all() as Array<{ id: string; name: string; devices: string }>).map((r) => ({
      id: r.id,
      name: r.name,
      devices: JSON.parse(r.devices) as string[],
    }));
  }

  saveGroup(group: DeviceGroup): void {
    this.db
      .prepare('INSERT INTO device_groups (id, name, devices, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, devices = excluded.devices')
      .run(group.id, group.name, JSON.stringify(group.devices), Date.now());
  }

  removeGroup(id: string): boolean {
    return this.db.prepare('DELETE FROM device_groups WHERE id = ?').run(id).changes > 0;
  }

  /** A forgotten device leaves every group. */
  dropDevice(deviceId: string): void {
    for (const group of this.groups()) if (group.devices.includes(deviceId)) this.saveGroup({ ...group, devices: group.devices.filter((d) => d !== deviceId) });
  }

  saveUndo(actionId: string, deviceId: string, saved: SavedPools): void {
    this.db.prepare('INSERT OR REPLACE INTO fleet_pool_undo (action_id, device_id, saved, at) VALUES (?, ?, ?, ?)').run(actionId, deviceId, JSON.stringify(saved), Date.now());
    // only the recent pool changes can be undone
    this.db.prepare('DELETE FROM fleet_pool_undo WHERE action_id NOT IN (SELECT action_id FROM fleet_pool_undo GROUP BY action_id ORDER BY MAX(at) DESC LIMIT ?)').run(KEEP_UNDO_ACTIONS);
  }

  undoFor(actionId: string): Array<{ deviceId: string; saved: SavedPools }> {
    return (this.db.prepare('SELECT device_id, saved FROM fleet_pool_undo WHERE action_id = ?').all(actionId) as Array<{ device_id: string; saved: string }>).map((r) => ({
      deviceId: r.device_id,
      saved: JSON.parse(r.saved) as SavedPools,
    }));
  }

  forgetUndo(actionId: string, deviceId: string): void {
    this.db.prepare('DELETE FROM fleet_pool_undo WHERE action_id = ? AND device_id = ?').run(actionId, deviceId);
  }

  close(): void {
    this.db.close();
  }
}

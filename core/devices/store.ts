/** Devices and their history in SQLite, so charts and undo survive restarts. */
import Database from 'better-sqlite3';
import type { DevicePool } from '../../device/axeos/normalize';

export interface DeviceRow {
  id: string;
  mac: string;
  address: string;
  hostname: string;
  asicModel: string;
  firmware: string;
  addedAt: number;
  lastSeen: number | null;
  bestDiff: number;
  /** primary pool "host:port" last seen, to notice changes made elsewhere */
  lastPool: string | null;
  proxyBackup: ProxyBackup | null;
}

/** What the device had before use-proxy, so undo can put it back. */
export interface ProxyBackup {
  pools: DevicePool[];
  primaryPool: number;
  secondaryPool: number;
  poolsApi: boolean;
  /** v2.15: the slot the proxy was written to */
  proxySlot: number;
  /** the device was told to mine on its fallback (v2.14+); undo sets it back */
  useFallbackStratum?: boolean;
}

export interface SampleRow {
  at: number;
  hashrate1m: number;
  hashrate10m: number;
  hashrate1h: number;
  temperature: number;
  power: number;
  sharesAccepted: number;
  sharesRejected: number;
}

const RETENTION_MS = 31 * 24 * 3600 * 1000;

export class DeviceStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS devices (
        id TEXT PRIMARY KEY, mac TEXT NOT NULL, address TEXT NOT NULL, hostname TEXT NOT NULL DEFAULT '',
        asic_model TEXT NOT NULL DEFAULT '', firmware TEXT NOT NULL DEFAULT '', added_at INTEGER NOT NULL,
        last_seen INTEGER, best_diff REAL NOT NULL DEFAULT 0, last_pool TEXT, proxy_backup TEXT
      );
      CREATE TABLE IF NOT EXISTS device_samples (
        device_id TEXT NOT NULL, at INTEGER NOT NULL, hashrate_1m REAL, hashrate_10m REAL, hashrate_1h REAL,
        temperature REAL, power REAL, shares_accepted INTEGER, shares_rejected INTEGER,
        PRIMARY KEY (device_id, at)
      );
    `);
  }

  all(): DeviceRow[] {
    return (this.db.prepare('SELECT * FROM devices ORDER BY added_at').all() as Array<Record<string, unknown>>).map(rowOf);
  }

  get(id: string): DeviceRow | undefined {
    const row = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row ? rowOf(row) : undefined;
  }

  upsert(row: DeviceRow): void {
    this.db
      .prepare(
        `INSERT INTO devices (id, mac, address, hostname, asic_model, firmware, added_at, last_seen, best_diff, last_pool, proxy_backup)
         VALUES (@id, @mac, @address, @hostname, @asicModel, @firmware, @addedAt, @lastSeen, @bestDiff, @lastPool, @proxyBackup)
         ON CONFLICT(id) DO UPDATE SET address = excluded.address, hostname = excluded.hostname, asic_model = excluded.asic_model,
           firmware = excluded.firmware, last_seen = excluded.last_seen, best_diff = excluded.best_diff, last_pool = excluded.last_pool,
           proxy_backup = excluded.proxy_backup`,
      )
      .run({ ...row, proxyBackup: row.proxyBackup ? JSON.stringify(row.proxyBackup) : null });
  }

  remove(id: string): boolean {
    const tx = this.db.transaction(() => {
      this.db.prepare('DELETE FROM device_samples WHERE device_id = ?').run(id);
      return this.db.prepare('DELETE FROM devices WHERE id = ?').run(id).changes > 0;
    });
    return tx();
  }

  addSample(id: string, sample: SampleRow): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO device_samples (device_id, at, hashrate_1m, hashrate_10m, hashrate_1h, temperature, power, shares_accepted, shares_rejected)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, sample.at, sample.hashrate1m, sample.hashrate10m, sample.hashrate1h, sample.temperature, sample.power, sample.sharesAccepted, sample.sharesRejected);
    this.db.prepare('DELETE FROM device_samples WHERE device_id = ? AND at < ?').run(id, sample.at - RETENTION_MS);
  }

  samples(id: string, since: number): SampleRow[] {
    return this.db
      .prepare(
        `SELECT at, hashrate_1m AS hashrate1m, hashrate_10m AS hashrate10m, hashrate_1h AS hashrate1h, temperature, power,
                shares_accepted AS sharesAccepted, shares_rejected AS sharesRejected
         FROM device_samples WHERE device_id = ? AND at >= ? ORDER BY at`,
      )
      .all(id, since) as SampleRow[];
  }

  close(): void {
    this.db.close();
  }
}

function rowOf(r: Record<string, unknown>): DeviceRow {
  return {
    id: String(r.id),
    mac: String(r.mac),
    address: String(r.address),
    hostname: String(r.hostname ?? ''),
    asicModel: String(r.asic_model ?? ''),
    firmware: String(r.firmware ?? ''),
    addedAt: Number(r.added_at),
    lastSeen: r.last_seen === null ? null : Number(r.last_seen),
    bestDiff: Number(r.best_diff ?? 0),
    lastPool: r.last_pool === null ? null : String(r.last_pool),
    proxyBackup: typeof r.proxy_backup === 'string' ? (JSON.parse(r.proxy_backup) as ProxyBackup) : null,
  };
}

/** Per-interval share counts from cumulative counters that restart at 0 when the device reboots. */
export function shareDeltas(samples: SampleRow[]): Array<{ shares: number; rejects: number }> {
  return samples.map((s, i) => {
    const prev = samples[i - 1];
    const delta = (now: number, before: number | undefined) => (before === undefined ? 0 : now >= before ? now - before : now);
    return { shares: delta(s.sharesAccepted, prev?.sharesAccepted), rejects: delta(s.sharesRejected, prev?.sharesRejected) };
  });
}

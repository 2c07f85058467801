/**
 * Copies of a Bitaxe's NVS partition, saved in the Axewallet home before anything is written over
 * USB (research/usb.md: the partition holds factory data that exists nowhere else). A copy stays
 * "pending" until the new settings are written and verified: a pending copy whose device no longer
 * holds it means a write was interrupted, and it is what the next attempt starts from.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type BackupState = 'pending' | 'written' | 'restored';

export interface NvsBackup {
  id: string;
  /** the chip's MAC (efuse), as AA:BB:CC:DD:EE:FF */
  mac: string;
  offset: number;
  size: number;
  md5: string;
  createdAt: string;
  state: BackupState;
  /** the MD5 of the partition Axewallet wrote in its place, once written */
  writtenMd5?: string;
}

export class BackupDamaged extends Error {}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

function writeDurably(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class NvsBackups {
  constructor(readonly dir: string) {}

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  save(mac: string, offset: number, image: Uint8Array, now = new Date()): NvsBackup {
    this.ensureDir();
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    let id = `${mac.replace(/:/g, '').toLowerCase()}-${stamp}`;
    for (let n = 2; this.list().some((b) => b.id === id); n++) id = `${mac.replace(/:/g, '').toLowerCase()}-${stamp}-${n}`;
    const backup: NvsBackup = { id, mac: mac.toUpperCase(), offset, size: image.length, md5: md5(image), createdAt: now.toISOString(), state: 'pending' };
    writeDurably(join(this.dir, `${id}.bin`), image);
    writeDurably(join(this.dir, `${id}.json`), `${JSON.stringify(backup, null, 2)}\n`);
    return backup;
  }

  update(id: string, patch: Partial<Pick<NvsBackup, 'state' | 'writtenMd5'>>): NvsBackup {
    const current = this.get(id);
    if (!current) throw new Error(`no backup ${id}`);
    const next = { ...current, ...patch };
    writeDurably(join(this.dir, `${id}.json`), `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }

  get(id: string): NvsBackup | undefined {
    return this.list().find((b) => b.id === id);
  }

  /** Newest first; a record whose files cannot be read is left out. */
  list(mac?: string): NvsBackup[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: NvsBackup[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as NvsBackup;
        if (typeof record.id === 'string' && typeof record.mac === 'string' && (!mac || record.mac === mac.toUpperCase())) out.push(record);
      } catch {
        // a half-written record (crash between files) has no use
      }
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** The copy of a write that did not finish, if any. */
  pendingFor(mac: string): NvsBackup | undefined {
    return this.list(mac).find((b) => b.state === 'pending');
  }

  read(backup: NvsBackup): Uint8Array {
    const data = new Uint8Array(readFileSync(join(this.dir, `${backup.id}.bin`)));
    if (data.length !== backup.size || md5(data) !== backup.md5) throw new BackupDamaged(`the saved copy ${backup.id} is damaged (size or MD5 differs)`);
    return data;
  }
}

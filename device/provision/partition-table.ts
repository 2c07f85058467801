/**
 * ESP-IDF partition tables (the binary at flash 0x8000, as gen_esp32part.py writes it): 32-byte
 * entries `AA 50 | type | subtype | offset u32 | size u32 | label[16] | flags u32`, then an MD5 entry
 * `EB EB FF*14 | md5(entries)`, then 0xFF up to 0xC00 bytes. And the one layout Axewallet writes to:
 * ESP-Miner's partitions.csv (unchanged from v2.4 to v2.15.0 / master 5c277131). Pure.
 */
import { createHash } from 'node:crypto';

export const PARTITION_TABLE_OFFSET = 0x8000;
export const PARTITION_TABLE_LENGTH = 0xc00;
const ENTRY = 32;
const APP = 0x00;
const DATA = 0x01;

export interface Partition {
  label: string;
  type: number;
  subtype: number;
  offset: number;
  size: number;
  flags: number;
}

export class PartitionTableError extends Error {}

export function parsePartitionTable(bytes: Uint8Array): Partition[] {
  const partitions: Partition[] = [];
  const md5 = createHash('md5');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + ENTRY <= Math.min(bytes.length, PARTITION_TABLE_LENGTH); at += ENTRY) {
    const entry = bytes.subarray(at, at + ENTRY);
    if (entry.every((b) => b === 0xff)) return partitions;
    if (entry[0] === 0xeb && entry[1] === 0xeb) {
      const digest = createHash('md5').update(bytes.subarray(0, at)).digest();
      if (!Buffer.from(entry.subarray(16)).equals(digest)) throw new PartitionTableError('the partition table checksum (MD5) does not match its entries: the table is damaged');
      continue;
    }
    if (entry[0] !== 0xaa || entry[1] !== 0x50) throw new PartitionTableError(`no partition table at 0x${PARTITION_TABLE_OFFSET.toString(16)} (entry ${at / ENTRY} has no AA 50 magic)`);
    md5.update(entry);
    const labelBytes = entry.subarray(12, 28);
    const end = labelBytes.indexOf(0);
    partitions.push({
      type: entry[2] ?? 0,
      subtype: entry[3] ?? 0,
      offset: view.getUint32(at + 4, true),
      size: view.getUint32(at + 8, true),
      label: Buffer.from(labelBytes.subarray(0, end === -1 ? 16 : end)).toString('utf8'),
      flags: view.getUint32(at + 28, true),
    });
  }
  throw new PartitionTableError('the partition table has no end marker');
}

export function buildPartitionTable(partitions: Partition[]): Uint8Array {
  const out = new Uint8Array(PARTITION_TABLE_LENGTH).fill(0xff);
  const view = new DataView(out.buffer);
  partitions.forEach((p, i) => {
    const at = i * ENTRY;
    out[at] = 0xaa;
    out[at + 1] = 0x50;
    out[at + 2] = p.type;
    out[at + 3] = p.subtype;
    view.setUint32(at + 4, p.offset, true);
    view.setUint32(at + 8, p.size, true);
    out.fill(0, at + 12, at + 28);
    out.set(Buffer.from(p.label, 'utf8').subarray(0, 16), at + 12);
    view.setUint32(at + 28, p.flags, true);
  });
  const end = partitions.length * ENTRY;
  out.fill(0xff, end, end + ENTRY);
  out[end] = 0xeb;
  out[end + 1] = 0xeb;
  out.set(createHash('md5').update(out.subarray(0, end)).digest(), end + 16);
  return out;
}

const part = (label: string, type: number, subtype: number, offset: number, size: number): Partition => ({ label, type, subtype, offset, size, flags: 0 });

/** ESP-Miner partitions.csv, as gen_esp32part.py lays it out (coredump placed after otadata). */
export const ESP_MINER_PARTITIONS: readonly Partition[] = [
  part('nvs', DATA, 0x02, 0x9000, 0x6000),
  part('phy_init', DATA, 0x01, 0xf000, 0x1000),
  part('factory', APP, 0x00, 0x10000, 0x400000),
  part('www', DATA, 0x82, 0x410000, 0x300000),
  part('ota_0', APP, 0x10, 0x710000, 0x400000),
  part('ota_1', APP, 0x11, 0xb10000, 0x400000),
  part('otadata', DATA, 0x00, 0xf10000, 0x2000),
  part('coredump', DATA, 0x03, 0xf12000, 0x10000),
];

const describe = (p: Partition) => `${p.label} ${p.type}/${p.subtype} @0x${p.offset.toString(16)}+0x${p.size.toString(16)}`;

/**
 * Where the settings (NVS) live, for a table that is ESP-Miner's. Anything else (a fork with another
 * layout, a different NVS size, a missing app partition) is refused: writing settings into a layout
 * we do not know could destroy what is there.
 */
export function espMinerNvs(partitions: Partition[]): { offset: number; size: number } {
  const expected = ESP_MINER_PARTITIONS.map(describe);
  const found = partitions.map(describe);
  if (found.length !== expected.length || found.some((d, i) => d !== expected[i])) {
    throw new PartitionTableError(`this flash layout is not ESP-Miner's (found: ${found.join(', ') || 'no partitions'})`);
  }
  const nvs = ESP_MINER_PARTITIONS[0]!;
  return { offset: nvs.offset, size: nvs.size };
}

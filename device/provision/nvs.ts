/**
 * ESP-IDF NVS format v2 (research/usb.md): a reader that gives the engine's view of a partition
 * (pages in sequence order, erased entries skipped, blobs assembled from chunks) and a builder
 * that lays entries out as Espressif's partition generator does. Pure: bytes in, bytes out.
 */
import { crc32 } from 'node:zlib';

export const PAGE_SIZE = 4096;
const ENTRY_SIZE = 32;
const ENTRIES_PER_PAGE = 126;
const FIRST_ENTRY = 64;
const PAGE_ACTIVE = 0xfffffffe;
const PAGE_FULL = 0xfffffffc;
const PAGE_FREEING = 0xfffffff8;
const VERSION_2 = 0xfe;
/** BLOB_DATA chunks and strings stay inside one page; the generator caps a chunk at 4000 bytes */
const MAX_STRING = 4000;

export type NvsType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'str' | 'blob';

export interface NvsEntry {
  namespace: string;
  key: string;
  type: NvsType;
  value: number | bigint | string | Uint8Array;
}

const TYPE_CODES: Record<Exclude<NvsType, 'blob'>, number> = { u8: 0x01, i8: 0x11, u16: 0x02, i16: 0x12, u32: 0x04, i32: 0x14, u64: 0x08, i64: 0x18, str: 0x21 };
const BLOB_LEGACY = 0x41;
const BLOB_DATA = 0x42;
const BLOB_INDEX = 0x48;

export class NvsFormatError extends Error {}

/** esp_rom_crc32_le(0xFFFFFFFF, ...) */
function espCrc(data: Uint8Array): number {
  return crc32(data, 0xffffffff) >>> 0;
}

function entryCrc(entry: Uint8Array): number {
  const buf = new Uint8Array(28);
  buf.set(entry.subarray(0, 4), 0);
  buf.set(entry.subarray(8, 32), 4);
  return espCrc(buf);
}

function keyOf(entry: Uint8Array): string {
  const raw = entry.subarray(8, 24);
  const end = raw.indexOf(0);
  return Buffer.from(raw.subarray(0, end === -1 ? 16 : end)).toString('utf8');
}

interface RawItem {
  ns: number;
  type: number;
  span: number;
  chunk: number;
  key: string;
  data: Uint8Array;
  /** payload of variable-length items */
  payload?: Uint8Array;
  order: number;
}

/** Reads a partition the way the NVS engine iterates it. */
export function readNvs(image: Uint8Array): NvsEntry[] {
  if (image.length % PAGE_SIZE !== 0) throw new NvsFormatError(`an NVS partition is whole 4096-byte pages, got ${image.length} bytes`);
  const pages: Array<{ seq: number; offset: number }> = [];
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  for (let offset = 0; offset < image.length; offset += PAGE_SIZE) {
    const state = view.getUint32(offset, true);
    if (state !== PAGE_ACTIVE && state !== PAGE_FULL && state !== PAGE_FREEING) continue;
    if (image[offset + 8] !== VERSION_2) throw new NvsFormatError(`page at 0x${offset.toString(16)} is not NVS format v2`);
    pages.push({ seq: view.getUint32(offset + 4, true), offset });
  }
  pages.sort((a, b) => a.seq - b.seq);

  const items: RawItem[] = [];
  let order = 0;
  for (const { offset } of pages) {
    const stateOf = (i: number) => ((image[offset + 32 + (i >> 2)] ?? 0xff) >> ((i & 3) * 2)) & 3;
    for (let i = 0; i < ENTRIES_PER_PAGE;) {
      if (stateOf(i) !== 0b10) {
        i++;
        continue;
      }
      const start = offset + FIRST_ENTRY + i * ENTRY_SIZE;
      const entry = image.subarray(start, start + ENTRY_SIZE);
      const span = entry[2] ?? 1;
      if (span < 1 || i + span > ENTRIES_PER_PAGE || entryCrc(entry) !== new DataView(entry.buffer, entry.byteOffset).getUint32(4, true)) {
        i++;
        continue; // a damaged entry is skipped, as the engine does
      }
      const item: RawItem = { ns: entry[0] ?? 0, type: entry[1] ?? 0, span, chunk: entry[3] ?? 0xff, key: keyOf(entry), data: entry.subarray(24, 32), order: order++ };
      if (item.type === TYPE_CODES.str || item.type === BLOB_LEGACY || item.type === BLOB_DATA) {
        const size = new DataView(item.data.buffer, item.data.byteOffset).getUint16(0, true);
        const payload = image.subarray(start + ENTRY_SIZE, start + ENTRY_SIZE + size);
        if (payload.length === size && espCrc(payload) === new DataView(item.data.buffer, item.data.byteOffset).getUint32(4, true)) item.payload = payload;
        else {
          i += span;
          continue;
        }
      }
      items.push(item);
      i += span;
    }
  }

  const namespaces = new Map<number, string>();
  for (const item of items) if (item.ns === 0 && item.type === TYPE_CODES.u8) namespaces.set(item.data[0] ?? 0, item.key);

  const byKey = new Map<string, NvsEntry & { order: number }>();
  for (const item of items) {
    if (item.ns === 0 || item.type === BLOB_DATA) continue;
    const namespace = namespaces.get(item.ns);
    if (namespace === undefined) continue;
    const value = decodeValue(item, items);
    if (value === undefined) continue;
    const id = `${namespace}\u0000${item.key}`;
    byKey.delete(id); // a later write of the same key wins, in its own position
    byKey.set(id, { namespace, key: item.key, ...value, order: item.order });
  }
  return [...byKey.values()].map(({ order: _order, ...entry }) => entry);
}

function decodeValue(item: RawItem, items: RawItem[]): Pick<NvsEntry, 'type' | 'value'> | undefined {
  const view = new DataView(item.data.buffer, item.data.byteOffset, 8);
  switch (item.type) {
    case TYPE_CODES.u8:
      return { type: 'u8', value: view.getUint8(0) };
    case TYPE_CODES.i8:
      return { type: 'i8', value: view.getInt8(0) };
    case TYPE_CODES.u16:
      return { type: 'u16', value: view.getUint16(0, true) };
    case TYPE_CODES.i16:
      return { type: 'i16', value: view.getInt16(0, true) };
    case TYPE_CODES.u32:
      return { type: 'u32', value: view.getUint32(0, true) };
    case TYPE_CODES.i32:
      return { type: 'i32', value: view.getInt32(0, true) };
    case TYPE_CODES.u64:
      return { type: 'u64', value: view.getBigUint64(0, true) };
    case TYPE_CODES.i64:
      return { type: 'i64', value: view.getBigInt64(0, true) };
    case TYPE_CODES.str: {
      const payload = item.payload ?? new Uint8Array();
      const end = payload.indexOf(0);
      return { type: 'str', value: Buffer.from(payload.subarray(0, end === -1 ? payload.length : end)).toString('utf8') };
    }
    case BLOB_LEGACY:
      return { type: 'blob', value: new Uint8Array(item.payload ?? []) };
    case BLOB_INDEX: {
      const total = view.getUint32(0, true);
      const count = view.getUint8(4);
      const chunkStart = view.getUint8(5);
      const parts: Uint8Array[] = [];
      for (let c = chunkStart; c < chunkStart + count; c++) {
        const chunk = [...items].reverse().find((x) => x.type === BLOB_DATA && x.ns === item.ns && x.key === item.key && x.chunk === c);
        if (!chunk?.payload) return undefined;
        parts.push(chunk.payload);
      }
      const value = Buffer.concat(parts);
      return value.length === total ? { type: 'blob', value: new Uint8Array(value) } : undefined;
    }
    default:
      return undefined;
  }
}

/** One line per entry, as the engine dumps in fixtures/nvs/*.engine-dump.txt. */
export function formatEntry(e: NvsEntry): string {
  if (e.type === 'blob') {
    const bytes = e.value as Uint8Array;
    return `${e.namespace}:${e.key}=blob:${bytes.length}:${Buffer.from(bytes).toString('hex')}`;
  }
  return `${e.namespace}:${e.key}=${e.type}:${String(e.value)}`;
}

export interface NvsHealth {
  /** the firmware would erase the whole partition at boot (nvs_config_init: NO_FREE_PAGES or NEW_VERSION_FOUND) */
  erasedAtBoot: boolean;
  /** what the engine would find wrong; empty for a healthy partition */
  problems: string[];
}

const PAGE_EMPTY = 0xffffffff;
const PAGE_CORRUPT = 0xfffffff0;

/** Checks a partition the way nvs_flash_init and ESP-Miner's nvs_config_init would meet it. */
export function nvsHealth(image: Uint8Array): NvsHealth {
  if (image.length % PAGE_SIZE !== 0 || image.length < 2 * PAGE_SIZE) return { erasedAtBoot: true, problems: [`${image.length} bytes is not an NVS partition`] };
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const problems: string[] = [];
  let emptyPages = 0;
  let newVersion = false;
  let damagedEntries = 0;
  for (let offset = 0; offset < image.length; offset += PAGE_SIZE) {
    const where = `page at 0x${offset.toString(16)}`;
    const page = image.subarray(offset, offset + PAGE_SIZE);
    const state = view.getUint32(offset, true);
    if (state === PAGE_EMPTY) {
      if (page.some((b) => b !== 0xff)) problems.push(`${where} is marked empty but holds data`);
      else emptyPages++;
      continue;
    }
    if (state === PAGE_CORRUPT) {
      problems.push(`${where} is marked corrupt`);
      continue;
    }
    if (state !== PAGE_ACTIVE && state !== PAGE_FULL && state !== PAGE_FREEING) {
      problems.push(`${where} has an unknown state 0x${state.toString(16)}`);
      continue;
    }
    if (page[8] !== VERSION_2) {
      newVersion = true;
      problems.push(`${where} is not NVS format v2 (version byte 0x${(page[8] ?? 0).toString(16)})`);
      continue;
    }
    if (espCrc(page.subarray(4, 28)) !== view.getUint32(offset + 28, true)) {
      problems.push(`${where} has a damaged header (CRC)`);
      continue;
    }
    const stateOf = (i: number) => ((page[32 + (i >> 2)] ?? 0xff) >> ((i & 3) * 2)) & 3;
    for (let i = 0; i < ENTRIES_PER_PAGE;) {
      if (stateOf(i) !== 0b10) {
        i++;
        continue;
      }
      const entry = page.subarray(FIRST_ENTRY + i * ENTRY_SIZE, FIRST_ENTRY + (i + 1) * ENTRY_SIZE);
      const span = entry[2] ?? 1;
      if (span < 1 || i + span > ENTRIES_PER_PAGE || entryCrc(entry) !== new DataView(entry.buffer, entry.byteOffset).getUint32(4, true)) {
        damagedEntries++;
        i++;
        continue;
      }
      i += span;
    }
  }
  if (damagedEntries > 0) problems.push(`${damagedEntries} damaged entr${damagedEntries === 1 ? 'y' : 'ies'} (CRC)`);
  if (emptyPages === 0) problems.push('no free page: the engine needs one to work (the firmware would erase every setting)');
  return { erasedAtBoot: emptyPages === 0 || newVersion, problems };
}

// ------------------------------------------------------------------ builder

class PageWriter {
  readonly pages: Uint8Array[] = [];
  private page!: Uint8Array;
  private used = 0;

  constructor(private readonly pageCount: number) {
    this.newPage();
  }

  get free(): number {
    return ENTRIES_PER_PAGE - this.used;
  }

  newPage(): void {
    if (this.page) new DataView(this.page.buffer).setUint32(0, PAGE_FULL, true);
    if (this.pages.length >= this.pageCount - 1) throw new NvsFormatError('the settings do not fit in the NVS partition (one page stays free for the engine)');
    const page = new Uint8Array(PAGE_SIZE).fill(0xff);
    const view = new DataView(page.buffer);
    view.setUint32(0, PAGE_ACTIVE, true);
    view.setUint32(4, this.pages.length, true);
    page[8] = VERSION_2;
    view.setUint32(28, espCrc(page.subarray(4, 28)), true);
    this.pages.push(page);
    this.page = page;
    this.used = 0;
  }

  /** Writes `header` (32 bytes) and `payload` padded to whole entries. */
  write(header: Uint8Array, payload?: Uint8Array): void {
    const span = 1 + (payload ? Math.ceil(payload.length / ENTRY_SIZE) : 0);
    if (span > this.free) this.newPage();
    const at = FIRST_ENTRY + this.used * ENTRY_SIZE;
    this.page.set(header, at);
    if (payload) this.page.set(payload, at + ENTRY_SIZE);
    for (let i = this.used; i < this.used + span; i++) {
      const byte = 32 + (i >> 2);
      this.page[byte] = (this.page[byte] ?? 0xff) & ~(1 << ((i & 3) * 2));
    }
    this.used += span;
  }
}

function header(ns: number, type: number, span: number, chunk: number, key: string, data: Uint8Array): Uint8Array {
  const keyBytes = Buffer.from(key, 'utf8');
  if (keyBytes.length > 15) throw new NvsFormatError(`NVS key "${key}" is longer than 15 bytes`);
  const entry = new Uint8Array(ENTRY_SIZE);
  entry[0] = ns;
  entry[1] = type;
  entry[2] = span;
  entry[3] = chunk;
  entry.set(keyBytes, 8);
  entry.set(data, 24);
  new DataView(entry.buffer).setUint32(4, entryCrc(entry), true);
  return entry;
}

function varlenData(payload: Uint8Array): Uint8Array {
  const data = new Uint8Array(8).fill(0xff);
  const view = new DataView(data.buffer);
  view.setUint16(0, payload.length, true);
  view.setUint32(4, espCrc(payload), true);
  return data;
}

function primitive(type: NvsType, value: NvsEntry['value']): Uint8Array {
  const data = new Uint8Array(8).fill(0xff);
  const view = new DataView(data.buffer);
  const n = typeof value === 'bigint' ? value : BigInt(value as number);
  switch (type) {
    case 'u8':
      view.setUint8(0, Number(n));
      break;
    case 'i8':
      view.setInt8(0, Number(n));
      break;
    case 'u16':
      view.setUint16(0, Number(n), true);
      break;
    case 'i16':
      view.setInt16(0, Number(n), true);
      break;
    case 'u32':
      view.setUint32(0, Number(n), true);
      break;
    case 'i32':
      view.setInt32(0, Number(n), true);
      break;
    case 'u64':
      view.setBigUint64(0, n, true);
      break;
    case 'i64':
      view.setBigInt64(0, n, true);
      break;
    default:
      throw new NvsFormatError(`${type} is not a primitive`);
  }
  return data;
}

/** Lays the entries out like esp-idf-nvs-partition-gen (format v2) in a partition of `size` bytes. */
export function buildNvs(entries: NvsEntry[], size = 0x6000): Uint8Array {
  if (size % PAGE_SIZE !== 0 || size < 2 * PAGE_SIZE) throw new NvsFormatError('an NVS partition is at least two whole pages');
  const writer = new PageWriter(size / PAGE_SIZE);
  const namespaces = new Map<string, number>();
  for (const entry of entries) {
    let ns = namespaces.get(entry.namespace);
    if (ns === undefined) {
      ns = namespaces.size + 1;
      namespaces.set(entry.namespace, ns);
      writer.write(header(0, TYPE_CODES.u8, 1, 0xff, entry.namespace, primitive('u8', ns)));
    }
    if (entry.type === 'str') {
      const payload = Buffer.from(`${String(entry.value)}\u0000`, 'utf8');
      if (payload.length > MAX_STRING) throw new NvsFormatError(`string ${entry.key} is longer than ${MAX_STRING - 1} bytes`);
      writer.write(header(ns, TYPE_CODES.str, 1 + Math.ceil(payload.length / ENTRY_SIZE), 0xff, entry.key, varlenData(payload)), payload);
    } else if (entry.type === 'blob') {
      const bytes = entry.value as Uint8Array;
      let offset = 0;
      let chunk = 0;
      do {
        if (writer.free < 2) writer.newPage();
        const room = Math.min((writer.free - 1) * ENTRY_SIZE, MAX_STRING);
        const part = bytes.subarray(offset, offset + room);
        writer.write(header(ns, BLOB_DATA, 1 + Math.ceil(part.length / ENTRY_SIZE), chunk, entry.key, varlenData(part)), part);
        offset += part.length;
        chunk++;
      } while (offset < bytes.length);
      const index = new Uint8Array(8).fill(0xff);
      const view = new DataView(index.buffer);
      view.setUint32(0, bytes.length, true);
      index[4] = chunk;
      index[5] = 0;
      writer.write(header(ns, BLOB_INDEX, 1, 0xff, entry.key, index));
    } else {
      writer.write(header(ns, TYPE_CODES[entry.type], 1, 0xff, entry.key, primitive(entry.type, entry.value)));
    }
  }
  const image = new Uint8Array(size).fill(0xff);
  writer.pages.forEach((page, i) => image.set(page, i * PAGE_SIZE));
  return image;
}

/**
 * The simulated Bitaxe's SPI flash (16 MB, as ESP-Miner's sdkconfig sets): sparse 4 KiB sectors,
 * erased = 0xFF, and writes that can only clear bits, like NOR flash. Holds what a stock unit has
 * where Axewallet looks: ESP-Miner's partition table at 0x8000 and the NVS partition at 0x9000.
 */
import { createHash } from 'node:crypto';
import { ESP_MINER_PARTITIONS, PARTITION_TABLE_OFFSET, buildPartitionTable } from '../provision/partition-table';

export const SECTOR = 0x1000;
export const FLASH_SIZE = 16 * 1024 * 1024;

export class SimFlash {
  private readonly sectors = new Map<number, Uint8Array>();

  constructor(readonly size = FLASH_SIZE) {}

  private check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.size)
      throw new RangeError(`flash access 0x${offset.toString(16)}+0x${length.toString(16)} is outside the ${this.size / 1024 / 1024} MB flash`);
  }

  read(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    const out = new Uint8Array(length).fill(0xff);
    for (let at = offset; at < offset + length;) {
      const index = Math.floor(at / SECTOR);
      const within = at % SECTOR;
      const n = Math.min(SECTOR - within, offset + length - at);
      const sector = this.sectors.get(index);
      if (sector) out.set(sector.subarray(within, within + n), at - offset);
      at += n;
    }
    return out;
  }

  /** NOR flash: programming only turns 1 bits into 0 bits; erase first to write anything. */
  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    for (let i = 0; i < data.length; i++) {
      const at = offset + i;
      const index = Math.floor(at / SECTOR);
      let sector = this.sectors.get(index);
      if (!sector) {
        if (data[i] === 0xff) continue;
        sector = new Uint8Array(SECTOR).fill(0xff);
        this.sectors.set(index, sector);
      }
      sector[at % SECTOR] = (sector[at % SECTOR] ?? 0xff) & (data[i] ?? 0xff);
    }
  }

  /** Erases whole sectors covering [offset, offset + length). */
  erase(offset: number, length: number): void {
    this.check(offset, length);
    const first = Math.floor(offset / SECTOR);
    const last = Math.ceil((offset + length) / SECTOR);
    for (let index = first; index < last; index++) this.sectors.delete(index);
  }

  md5(offset: number, length: number): Buffer {
    return createHash('md5').update(this.read(offset, length)).digest();
  }
}

/** A stock unit's flash: ESP-Miner's partition table and `nvs` as its NVS partition. */
export function stockFlash(nvs: Uint8Array): SimFlash {
  const flash = new SimFlash();
  flash.write(PARTITION_TABLE_OFFSET, buildPartitionTable([...ESP_MINER_PARTITIONS]));
  const partition = ESP_MINER_PARTITIONS[0]!;
  if (nvs.length !== partition.size) throw new RangeError(`an NVS image for ESP-Miner is 0x${partition.size.toString(16)} bytes, got 0x${nvs.length.toString(16)}`);
  flash.write(partition.offset, nvs);
  return flash;
}

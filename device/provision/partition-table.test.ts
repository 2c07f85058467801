import { describe, expect, it } from 'vitest';
import { ESP_MINER_PARTITIONS, PartitionTableError, buildPartitionTable, espMinerNvs, parsePartitionTable } from './partition-table';

describe('ESP-IDF partition table', () => {
  it('reads back what it builds, with the MD5 entry and the 0xC00-byte padding gen_esp32part.py writes', () => {
    const bytes = buildPartitionTable([...ESP_MINER_PARTITIONS]);
    expect(bytes.length).toBe(0xc00);
    expect([...bytes.subarray(0, 4)]).toEqual([0xaa, 0x50, 0x01, 0x02]);
    expect([...bytes.subarray(256, 258)]).toEqual([0xeb, 0xeb]);
    expect(parsePartitionTable(bytes)).toEqual(ESP_MINER_PARTITIONS);
    expect(espMinerNvs(parsePartitionTable(bytes))).toEqual({ offset: 0x9000, size: 0x6000 });
  });

  it('refuses a damaged table, a missing one and a layout that is not ESP-Miner’s', () => {
    const bytes = buildPartitionTable([...ESP_MINER_PARTITIONS]);
    bytes[8] = (bytes[8] ?? 0) ^ 1;
    expect(() => parsePartitionTable(bytes)).toThrow(/MD5/);
    expect(() => parsePartitionTable(new Uint8Array(0xc00))).toThrow(/no AA 50 magic/);
    const bigger = ESP_MINER_PARTITIONS.map((p) => (p.label === 'nvs' ? { ...p, size: 0x5000 } : p));
    expect(() => espMinerNvs(parsePartitionTable(buildPartitionTable(bigger)))).toThrow(PartitionTableError);
    expect(() => espMinerNvs(parsePartitionTable(buildPartitionTable(ESP_MINER_PARTITIONS.slice(0, 3))))).toThrow(/not ESP-Miner's/);
  });
});

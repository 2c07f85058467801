/**
 * A stock unit's settings kept where ESP-Miner keeps them, in the flash's NVS partition: read at boot (an unusable
 * partition erased first, as nvs_config_init does; the factory board keys read as device_config_init does) and
 * written back at every change, as nvs_config's save task does.
 */
import { buildNvs, nvsHealth, readNvs } from '../provision/nvs';
import { ESP_MINER_PARTITIONS } from '../provision/partition-table';
import type { SimFlash } from './flash';
import { mergeEntries, settingsEntries, settingsFromNvs } from './nvs-settings';
import type { SimSettings } from './settings';

export type FactoryBoard = { boardVersion: string; deviceModel: string; asicModel: string };

const NVS_PARTITION = ESP_MINER_PARTITIONS[0]!;

export class NvsStorage {
  /** the factory board the last boot found (undefined: none, the firmware runs as an unknown board) */
  board: FactoryBoard | undefined;
  /** the last boot found the partition unusable and erased it */
  erasedAtBoot = false;

  constructor(
    readonly flash: SimFlash,
    /** what a key missing from NVS reads as */
    private readonly defaults: SimSettings,
  ) {}

  /** The NVS partition as the flash holds it now. */
  image(): Uint8Array {
    return this.flash.read(NVS_PARTITION.offset, NVS_PARTITION.size);
  }

  /** Boot: the settings NVS holds now, over `settings`. */
  load(settings: SimSettings): void {
    let image = this.image();
    this.erasedAtBoot = nvsHealth(image).erasedAtBoot;
    if (this.erasedAtBoot) {
      this.flash.erase(NVS_PARTITION.offset, NVS_PARTITION.size);
      image = this.image();
    }
    const loaded = settingsFromNvs(image, this.defaults);
    Object.assign(settings, loaded.settings);
    this.board = loaded.board;
  }

  /** Writes the settings into NVS, keeping every other key (the factory data) as it was. */
  save(settings: SimSettings): void {
    const image = buildNvs(mergeEntries(readNvs(this.image()), settingsEntries(settings)), NVS_PARTITION.size);
    this.flash.erase(NVS_PARTITION.offset, NVS_PARTITION.size);
    this.flash.write(NVS_PARTITION.offset, image);
  }

  static partitionSize(): number {
    return NVS_PARTITION.size;
  }
}

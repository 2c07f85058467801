/**
 * The simulated Bitaxe's USB port between firmware and ROM boot loader. A pty has no DTR/RTS lines
 * (the ioctl fails with ENOTTY), so the reset sequence a host sends cannot reach the simulated chip:
 * the first SLIP SYNC frame stands for it and puts the chip into its loader, as the reset would.
 * From then on every byte goes to the loader until it resets the chip into the firmware.
 */
import type { SimFlash } from './flash';
import { CHIPS, type LoaderChip, RomLoader } from './rom-loader';

export interface UsbLoaderOptions {
  flash: SimFlash;
  mac: string;
  chip?: LoaderChip;
  /** false: a device whose boot loader never answers */
  answers?: boolean;
  pullCableAfterFlashBytes?: number;
  corruptFlashWrites?: number;
  memEndDelayMs?: number;
  send(bytes: Uint8Array): void;
  /** the chip was reset into its loader: the firmware stops */
  onEnterLoader(): void;
  /** the chip was reset into the firmware, which boots from what the flash holds now */
  onBootApp(): void;
}

const SYNC_HEAD = [0xc0, 0x00, 0x08];

export class UsbLoader {
  loader: RomLoader | undefined;
  /** every loader session of this device, for tests */
  readonly sessions: RomLoader[] = [];

  constructor(private readonly opts: UsbLoaderOptions) {}

  get inLoader(): boolean {
    return this.loader !== undefined;
  }

  /** Bytes from the host; true when the loader took them (the firmware never sees them). */
  onBytes(bytes: Uint8Array): boolean {
    if (this.loader) {
      this.loader.feed(bytes);
      return true;
    }
    if (this.opts.answers === false) return false;
    const at = bytes.findIndex((_, i) => SYNC_HEAD.every((b, j) => bytes[i + j] === b));
    if (at < 0) return false;
    this.enterLoader().feed(bytes.subarray(at));
    return true;
  }

  private enterLoader(): RomLoader {
    const loader = new RomLoader({
      flash: this.opts.flash,
      mac: this.opts.mac,
      chip: this.opts.chip ?? CHIPS['ESP32-S3'],
      send: (bytes) => {
        if (this.loader === loader && !loader.unplugged) this.opts.send(bytes);
      },
      onBootApp: () => {
        if (this.loader !== loader) return;
        this.loader = undefined;
        this.opts.onBootApp();
      },
      pullCableAfterFlashBytes: this.opts.pullCableAfterFlashBytes,
      corruptFlashWrites: this.opts.corruptFlashWrites,
      memEndDelayMs: this.opts.memEndDelayMs,
    });
    this.opts.pullCableAfterFlashBytes = undefined;
    this.opts.corruptFlashWrites = undefined;
    this.loader = loader;
    this.sessions.push(loader);
    this.opts.onEnterLoader();
    return loader;
  }

  pullCable(): void {
    this.loader?.pullCable();
  }

  /**
   * The cable back in. With `powerCycle` the unit lost power too and boots its firmware from
   * whatever the flash holds; otherwise the chip waits in a fresh ROM loader.
   */
  plugIn(options: { powerCycle?: boolean } = {}): void {
    const loader = this.loader;
    if (!loader) return;
    if (options.powerCycle) {
      loader.stop();
      this.loader = undefined;
      this.opts.onBootApp();
    } else loader.plugIn();
  }

  stop(): void {
    this.loader?.stop();
  }
}

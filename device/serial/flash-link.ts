/**
 * The ESP32-S3 ROM boot loader over USB, through esptool-js: reset into the loader (the
 * USB-Serial/JTAG DTR/RTS sequence), check the chip, turn off the watchdogs esptool-js leaves on,
 * run the flasher stub, read / write / MD5 flash, and reset into the firmware (esptool-js's
 * hard_reset only drops RTS, which does not reset an S3 on USB-Serial/JTAG; research/usb.md).
 * Every failure becomes a FlashLinkError with a kind and a next step for the user.
 */
import { createHash } from 'node:crypto';
import { ESPLoader, Transport } from 'esptool-js';
import { type PortIdentity, NodeSerialPort } from './web-serial';

export type FlashLinkErrorKind = 'port' | 'no-loader' | 'wrong-chip' | 'secure' | 'lost' | 'verify';

export class FlashLinkError extends Error {
  constructor(
    readonly kind: FlashLinkErrorKind,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'FlashLinkError';
  }
}

export interface FlashLinkOptions {
  identity?: PortIdentity;
  /** esptool-js's own log lines */
  onLog?: (line: string) => void;
  /** reset-and-sync rounds before giving up (esptool's default is 7) */
  attempts?: number;
}

// ESP32-S3 registers (esptool.py targets/esp32s3.py)
const RTC_CNTL_OPTION1 = 0x6000812c;
const FORCE_DOWNLOAD_BOOT = 0x1;
const RTC_WDT_CONFIG0 = 0x60008098;
const RTC_WDT_CONFIG1 = 0x6000809c;
const RTC_WDT_WPROTECT = 0x600080b0;
const RTC_WDT_KEY = 0x50d83aa1;
const SWD_CONF = 0x600080b4;
const SWD_WPROTECT = 0x600080b8;
const SWD_KEY = 0x8f1d312a;
const SWD_AUTO_FEED = 0x80000000;
const UARTDEV_BUF_NO = 0x3fcef14c;
const UARTDEV_BUF_NO_USB_JTAG = 4;
const BAUD = 115200;

const md5hex = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function portError(path: string, error: unknown): FlashLinkError {
  const code = (error as NodeJS.ErrnoException).code ?? message(error);
  if (/EACCES|Permission denied/i.test(code)) {
    return new FlashLinkError('port', `No permission to open ${path}.`, 'On Linux, add yourself to the "dialout" group (sudo usermod -aG dialout $USER), log out and in, and try again.');
  }
  if (/EBUSY|lock/i.test(code)) {
    return new FlashLinkError('port', `${path} is in use by another program.`, 'Close serial monitors, flash tools and ModemManager probes that hold the port, then try again.');
  }
  return new FlashLinkError('port', `${path} could not be opened (${code}).`, 'Check the cable (a data cable, not a charge-only one) and that the Bitaxe shows up on this computer.');
}

/**
 * esptool-js waits only 200 ms for the ROM's answer to MEM_END (the last step of the stub upload)
 * and gives up on the whole setup without it. The ROM answers at once; a busy host or USB hub may
 * take longer to pass it on, so the answer gets the same 3 s as every other command.
 */
function patientMemEnd(loader: ESPLoader): void {
  loader.memFinish = async (entrypoint: number) => {
    const packet = new Uint8Array(8);
    const view = new DataView(packet.buffer);
    view.setUint32(0, entrypoint === 0 ? 1 : 0, true);
    view.setUint32(4, entrypoint, true);
    await loader.checkCommand('leave RAM download mode', loader.ESP_MEM_END, packet, undefined, undefined, 3000);
  };
}

export class FlashLink {
  /** the chip was told to boot its firmware */
  private reset = false;
  /** the connection broke: nothing more can be said to the chip */
  private broken = false;

  private constructor(
    private readonly loader: ESPLoader,
    private readonly transport: Transport,
    private readonly port: NodeSerialPort,
    readonly mac: string,
  ) {}

  /** Resets the device into its ROM loader and gets it ready to read and write flash. */
  static async open(path: string, options: FlashLinkOptions = {}): Promise<FlashLink> {
    const port = new NodeSerialPort(path, options.identity);
    const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
    const log = (line: string) => options.onLog?.(line.trimEnd());
    // Transport prints some trace lines with console.log whatever its tracing flag says
    transport.trace = (line: string) => log(line);
    const loader = new ESPLoader({ transport, baudrate: BAUD, romBaudrate: BAUD, terminal: { clean: () => undefined, writeLine: log, write: log } });
    const fail = async (error: FlashLinkError): Promise<never> => {
      await transport.disconnect().catch(() => undefined);
      throw error;
    };
    try {
      await loader.connect('default_reset', options.attempts ?? 7);
    } catch (error) {
      if (!port.readable && !port.lost && /open|EACCES|EBUSY|ENOENT|lock|Permission/i.test(message(error))) throw portError(path, error);
      const reason = message(error);
      if (/chip id|magic/i.test(reason))
        return fail(new FlashLinkError('wrong-chip', `The device on ${path} is not an ESP32-S3 (${reason}).`, 'A Bitaxe has an ESP32-S3; check that this is the Bitaxe’s USB port.'));
      return fail(
        new FlashLinkError(
          'no-loader',
          `The Bitaxe on ${path} did not answer in its boot loader${port.signalsUnsupported ? ' (this port cannot reset it)' : ''}.`,
          'Unplug the USB cable and plug it in again. If it still does not answer: hold the BOOT button, press and release RESET, release BOOT, then try again.',
        ),
      );
    }
    const chip = loader.chip.CHIP_NAME;
    if (chip !== 'ESP32-S3')
      return fail(new FlashLinkError('wrong-chip', `The device on ${path} is an ${chip}, not the ESP32-S3 of a Bitaxe.`, 'Check that this is the Bitaxe’s USB port; nothing was written.'));
    if (loader.secureDownloadMode)
      return fail(new FlashLinkError('secure', 'This ESP32-S3 is in secure download mode: its flash cannot be read.', 'This is not a stock Bitaxe; Axewallet cannot set it up over USB.'));
    try {
      const mac = (await loader.chip.readMac(loader)).toUpperCase();
      const link = new FlashLink(loader, transport, port, mac);
      if (((await loader.readReg(UARTDEV_BUF_NO)) & 0xff) === UARTDEV_BUF_NO_USB_JTAG) await link.disableWatchdogs();
      patientMemEnd(loader);
      await loader.runStub();
      return link;
    } catch (error) {
      return fail(FlashLink.lost(error));
    }
  }

  private static lost(error: unknown): FlashLinkError {
    if (error instanceof FlashLinkError) return error;
    return new FlashLinkError('lost', `The USB connection to the Bitaxe broke off (${message(error)}).`, 'Check the cable and plug it in again, then repeat the step.');
  }

  private fail(error: unknown): FlashLinkError {
    const failure = FlashLink.lost(error);
    if (failure.kind === 'lost') this.broken = true;
    return failure;
  }

  /** esptool.py does this on USB-Serial/JTAG; esptool-js does not: a watchdog reset mid-write would cut it short. */
  private async disableWatchdogs(): Promise<void> {
    await this.loader.writeReg(RTC_WDT_WPROTECT, RTC_WDT_KEY);
    await this.loader.writeReg(RTC_WDT_CONFIG0, 0);
    await this.loader.writeReg(RTC_WDT_WPROTECT, 0);
    await this.loader.writeReg(SWD_WPROTECT, SWD_KEY);
    await this.loader.writeReg(SWD_CONF, SWD_AUTO_FEED, SWD_AUTO_FEED);
    await this.loader.writeReg(SWD_WPROTECT, 0);
  }

  async read(offset: number, size: number, onProgress?: (done: number, total: number) => void): Promise<Uint8Array> {
    try {
      const data = await this.loader.readFlash(offset, size, (_packet, done, total) => onProgress?.(done, total));
      // the stub's read is followed by an MD5 frame esptool-js does not check: ask the chip for the MD5 itself
      if ((await this.md5(offset, size)) !== md5hex(data)) throw new FlashLinkError('verify', 'The flash read back over USB was damaged on the way (MD5 mismatch).', 'Try another USB cable or port.');
      return data;
    } catch (error) {
      throw this.fail(error);
    }
  }

  /** The chip's own MD5 of a flash range, hex. */
  async md5(offset: number, size: number): Promise<string> {
    try {
      return await this.loader.flashMd5sum(offset, size);
    } catch (error) {
      throw this.fail(error);
    }
  }

  /** Compressed write; esptool-js compares the chip's MD5 with ours afterwards. */
  async write(offset: number, data: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<void> {
    try {
      await this.loader.writeFlash({
        fileArray: [{ data, address: offset }],
        flashMode: 'keep',
        flashFreq: 'keep',
        flashSize: 'keep',
        eraseAll: false,
        compress: true,
        calculateMD5Hash: (image: Uint8Array) => md5hex(image),
        reportProgress: (_file: number, done: number, total: number) => onProgress?.(done, total),
      });
    } catch (error) {
      if (/MD5 of file does not match/.test(message(error)))
        throw new FlashLinkError('verify', 'The settings written over USB did not read back the same (MD5 mismatch).', 'Axewallet writes the saved copy back; try another USB cable or port.');
      throw this.fail(error);
    }
  }

  /**
   * Into the firmware: clear FORCE_DOWNLOAD_BOOT (else the ROM comes straight back to the loader),
   * then let the RTC watchdog reset the chip, which works whatever the USB control lines can do.
   */
  async resetToApp(): Promise<void> {
    this.reset = true;
    try {
      await this.loader.writeReg(RTC_CNTL_OPTION1, 0, FORCE_DOWNLOAD_BOOT);
      await this.loader.writeReg(RTC_WDT_WPROTECT, RTC_WDT_KEY);
      await this.loader.writeReg(RTC_WDT_CONFIG1, 2000);
      await this.loader.writeReg(RTC_WDT_CONFIG0, (1 << 31) | (5 << 28) | (1 << 8) | 2);
      await this.loader.writeReg(RTC_WDT_WPROTECT, 0).catch(() => undefined); // the chip may already be resetting
    } catch (error) {
      throw this.fail(error);
    }
  }

  /** Ends the session; a chip still in its loader is sent back to its firmware, so it goes on mining. */
  async close(): Promise<void> {
    if (!this.reset && !this.broken) await this.resetToApp().catch(() => undefined);
    await this.transport.disconnect().catch(() => undefined);
    await this.port.close();
  }
}

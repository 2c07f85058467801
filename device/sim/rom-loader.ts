/**
 * An ESP32-S3 serial boot loader of our own, for tests: the SLIP protocol of the ROM and of the
 * flasher stub as esptool.py/esptool-js speak it (research/usb.md): SYNC, READ_REG/WRITE_REG,
 * GET_SECURITY_INFO, SPI_ATTACH, MEM_BEGIN/DATA/END (the stub upload, answered with "OHAI"),
 * FLASH_BEGIN/DATA/END and the deflate variants, SPI_FLASH_MD5, CHANGE_BAUDRATE, the stub's
 * READ_FLASH and ERASE_REGION. Register writes that reset the chip (the RTC watchdog) are honoured,
 * including FORCE_DOWNLOAD_BOOT. It does not run the stub's code: it behaves as the stub does.
 * Bytes in, bytes out: the caller wires it to a pty.
 */
import { createHash } from 'node:crypto';
import { constants, inflateSync } from 'node:zlib';
import { SECTOR, type SimFlash } from './flash';

const SLIP_END = 0xc0;
const SLIP_ESC = 0xdb;

const OP = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;

/** ROM error codes (esptool: 0x05 invalid message, 0x07 bad checksum) and the stub's (0xC0..). */
const ROM_INVALID = 0x05;
const ROM_BAD_CHECKSUM = 0x07;
const STUB_BAD_CHECKSUM = 0xc2;
const STUB_NOT_IN_FLASH_MODE = 0xc7;
const STUB_INFLATE_ERROR = 0xc8;
const STUB_NOT_IMPLEMENTED = 0xff;

export const REG = {
  CHIP_MAGIC: 0x40001000,
  EFUSE_MAC0: 0x60007044,
  EFUSE_MAC1: 0x60007048,
  UARTDEV_BUF_NO: 0x3fcef14c,
  RTC_WDT_CONFIG0: 0x60008098,
  RTC_WDT_CONFIG1: 0x6000809c,
  RTC_WDT_WPROTECT: 0x600080b0,
  SWD_CONF: 0x600080b4,
  SWD_WPROTECT: 0x600080b8,
  RTC_OPTION1: 0x6000812c,
} as const;
const RTC_WDT_KEY = 0x50d83aa1;
const WDT_ENABLE = 0x80000000;
const FORCE_DOWNLOAD_BOOT = 0x1;

export interface LoaderChip {
  name: string;
  /** GET_SECURITY_INFO chip id (ESP32-S3 = 9), or undefined where the ROM lacks the command */
  chipId?: number;
  magic: number;
  /** UARTDEV_BUF_NO: 4 = USB-Serial/JTAG on the ESP32-S3 */
  uartDevBufNo: number;
}

export const CHIPS = {
  'ESP32-S3': { name: 'ESP32-S3', chipId: 9, magic: 0x9, uartDevBufNo: 4 },
  'ESP32-C3': { name: 'ESP32-C3', chipId: 5, magic: 0x1b31506f, uartDevBufNo: 3 },
  ESP32: { name: 'ESP32', magic: 0x00f01d83, uartDevBufNo: 0 },
} satisfies Record<string, LoaderChip>;

export interface RomLoaderOptions {
  flash: SimFlash;
  chip?: LoaderChip;
  mac: string;
  send(bytes: Uint8Array): void;
  /** the chip left the loader (watchdog reset or run-user-code) and boots the firmware from flash */
  onBootApp(): void;
  /** the cable is pulled once this many bytes of a flash write reached the flash: nothing more is answered */
  pullCableAfterFlashBytes?: number;
  /** a flaky flash: this many flash writes get one bit flipped (the MD5 check must catch it) */
  corruptFlashWrites?: number;
  /** a busy host or hub: the answer to MEM_END (and the stub's hello after it) arrives this late */
  memEndDelayMs?: number;
}

type Mode = 'rom' | 'stub';

interface FlashJob {
  offset: number;
  /** bytes written so far */
  written: number;
  /** stub: sectors are erased just before they are first written */
  erasedUpTo: number;
  deflate: boolean;
  compressed: Buffer[];
}

interface ReadJob {
  data: Uint8Array;
  packetSize: number;
  maxInFlight: number;
  sent: number;
  acked: number;
}

function slip(frame: Uint8Array): Uint8Array {
  const out: number[] = [SLIP_END];
  for (const b of frame) {
    if (b === SLIP_END) out.push(SLIP_ESC, 0xdc);
    else if (b === SLIP_ESC) out.push(SLIP_ESC, 0xdd);
    else out.push(b);
  }
  out.push(SLIP_END);
  return Uint8Array.from(out);
}

const u32 = (data: Uint8Array, at: number) => new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(at, true);

export class RomLoader {
  mode: Mode = 'rom';
  /** a pulled cable answers nothing until plugged in again */
  unplugged = false;
  readonly registers = new Map<number, number>();
  /** every WRITE_REG as [address, value, mask], for tests that check what the host did */
  readonly registerWrites: Array<[number, number, number]> = [];
  flashBlocksWritten = 0;
  private readonly chip: LoaderChip;
  private frame: number[] = [];
  private inFrame = false;
  private escaping = false;
  private flashJob: FlashJob | undefined;
  private readJob: ReadJob | undefined;
  private resetTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RomLoaderOptions) {
    this.chip = opts.chip ?? CHIPS['ESP32-S3'];
    const mac = opts.mac.split(':').map((h) => Number.parseInt(h, 16));
    this.registers.set(REG.CHIP_MAGIC, this.chip.magic);
    this.registers.set(REG.EFUSE_MAC0, (((mac[2] ?? 0) << 24) | ((mac[3] ?? 0) << 16) | ((mac[4] ?? 0) << 8) | (mac[5] ?? 0)) >>> 0);
    this.registers.set(REG.EFUSE_MAC1, ((mac[0] ?? 0) << 8) | (mac[1] ?? 0));
    this.registers.set(REG.UARTDEV_BUF_NO, this.chip.uartDevBufNo);
    // entered through the USB-Serial/JTAG reset sequence: the ROM keeps coming back here until the host clears it
    this.registers.set(REG.RTC_OPTION1, FORCE_DOWNLOAD_BOOT);
    // the RTC watchdog and super watchdog run until the host turns them off
    this.registers.set(REG.RTC_WDT_CONFIG0, WDT_ENABLE);
  }

  /** Bytes from the host. */
  feed(bytes: Uint8Array): void {
    if (this.unplugged) return;
    for (const b of bytes) {
      if (b === SLIP_END) {
        if (this.inFrame && this.frame.length > 0) {
          const frame = Uint8Array.from(this.frame);
          this.frame = [];
          this.handleFrame(frame);
          if (this.unplugged) return;
        }
        this.inFrame = true;
        this.escaping = false;
        continue;
      }
      if (!this.inFrame) continue;
      if (this.escaping) {
        this.frame.push(b === 0xdc ? SLIP_END : b === 0xdd ? SLIP_ESC : b);
        this.escaping = false;
      } else if (b === SLIP_ESC) this.escaping = true;
      else this.frame.push(b);
    }
  }

  pullCable(): void {
    this.unplugged = true;
    clearTimeout(this.resetTimer);
  }

  /** The cable back in: a fresh ROM loader (the host's reset sequence starts it over). */
  plugIn(): void {
    this.unplugged = false;
    this.opts.pullCableAfterFlashBytes = undefined;
    this.resetState('rom');
  }

  stop(): void {
    clearTimeout(this.resetTimer);
  }

  private resetState(mode: Mode): void {
    this.mode = mode;
    this.flashJob = undefined;
    this.readJob = undefined;
    this.frame = [];
    this.inFrame = false;
  }

  private respond(op: number, data: Uint8Array = new Uint8Array(), value = 0, error = 0): void {
    const status = this.mode === 'stub' ? Uint8Array.of(error ? 1 : 0, error) : Uint8Array.of(error ? 1 : 0, error, 0, 0);
    const body = new Uint8Array(8 + data.length + status.length);
    const view = new DataView(body.buffer);
    body[0] = 0x01;
    body[1] = op;
    view.setUint16(2, data.length + status.length, true);
    view.setUint32(4, value >>> 0, true);
    body.set(data, 8);
    body.set(status, 8 + data.length);
    this.opts.send(slip(body));
  }

  private handleFrame(frame: Uint8Array): void {
    if (this.readJob) {
      // during READ_FLASH the host sends 4-byte acks: the total it received so far
      if (frame.length === 4) {
        this.readJob.acked = u32(frame, 0);
        this.pumpRead();
      }
      return;
    }
    if (frame.length < 8 || frame[0] !== 0x00) return;
    const op = frame[1] ?? 0;
    const checksum = u32(frame, 4);
    const data = frame.subarray(8, 8 + new DataView(frame.buffer, frame.byteOffset).getUint16(2, true));
    const invalid = () => this.respond(op, new Uint8Array(), 0, this.mode === 'stub' ? STUB_NOT_IMPLEMENTED : ROM_INVALID);
    switch (op) {
      case OP.SYNC:
        // the ROM answers eight times with a non-zero value, the stub once with 0
        if (this.mode === 'rom') for (let i = 0; i < 8; i++) this.respond(op, new Uint8Array(), 0x20120707);
        else this.respond(op);
        return;
      case OP.READ_REG:
        return this.respond(op, new Uint8Array(), this.registers.get(u32(data, 0)) ?? 0);
      case OP.WRITE_REG:
        for (let at = 0; at + 16 <= data.length; at += 16) this.writeRegister(u32(data, at), u32(data, at + 4), u32(data, at + 8));
        this.respond(op);
        return this.checkWatchdog();
      case OP.GET_SECURITY_INFO: {
        if (this.chip.chipId === undefined) return invalid();
        const info = new Uint8Array(20);
        new DataView(info.buffer).setUint32(12, this.chip.chipId, true);
        new DataView(info.buffer).setUint32(16, 1, true);
        return this.respond(op, info);
      }
      case OP.SPI_ATTACH:
      case OP.CHANGE_BAUDRATE:
        return this.respond(op);
      case OP.MEM_BEGIN:
      case OP.MEM_DATA:
        if (op === OP.MEM_DATA && !this.checksumOk(data, checksum)) return this.respond(op, new Uint8Array(), 0, ROM_BAD_CHECKSUM);
        return this.respond(op);
      case OP.MEM_END: {
        const finish = () => {
          this.respond(op);
          if (u32(data, 0) === 0) {
            // jump to the uploaded stub: it says hello and answers from now on
            this.mode = 'stub';
            this.opts.send(slip(new TextEncoder().encode('OHAI')));
          }
        };
        if (this.opts.memEndDelayMs) setTimeout(finish, this.opts.memEndDelayMs);
        else finish();
        return;
      }
      case OP.FLASH_BEGIN:
      case OP.FLASH_DEFL_BEGIN:
        return this.flashBegin(op, data);
      case OP.FLASH_DATA:
      case OP.FLASH_DEFL_DATA:
        return this.flashData(op, data, checksum);
      case OP.FLASH_END:
      case OP.FLASH_DEFL_END:
        this.flashJob = undefined;
        this.respond(op);
        // 0 = reboot into the firmware, 1 = stay in the loader
        if (u32(data, 0) === 0) this.scheduleReset(true);
        return;
      case OP.SPI_FLASH_MD5: {
        const digest = this.opts.flash.md5(u32(data, 0), u32(data, 4));
        return this.respond(op, this.mode === 'stub' ? digest : new TextEncoder().encode(digest.toString('hex')));
      }
      case OP.ERASE_REGION:
        if (this.mode !== 'stub') return invalid();
        this.opts.flash.erase(u32(data, 0), u32(data, 4));
        return this.respond(op);
      case OP.READ_FLASH: {
        if (this.mode !== 'stub') return invalid();
        const offset = u32(data, 0);
        const length = u32(data, 4);
        this.respond(op);
        this.readJob = { data: this.opts.flash.read(offset, length), packetSize: Math.max(1, u32(data, 8)), maxInFlight: Math.max(1, u32(data, 12)), sent: 0, acked: 0 };
        return this.pumpRead();
      }
      case OP.RUN_USER_CODE:
        if (this.mode !== 'stub') return invalid();
        return this.scheduleReset(true);
      default:
        return invalid();
    }
  }

  private checksumOk(data: Uint8Array, checksum: number): boolean {
    let state = 0xef;
    for (const b of data.subarray(16)) state ^= b;
    return state === (checksum & 0xff);
  }

  private writeRegister(address: number, value: number, mask: number): void {
    this.registerWrites.push([address, value >>> 0, mask >>> 0]);
    // the watchdog registers only take writes while their protection key is set
    const protectedBy = address >= REG.RTC_WDT_CONFIG0 && address <= REG.RTC_WDT_CONFIG0 + 0x14 ? REG.RTC_WDT_WPROTECT : address === REG.SWD_CONF ? REG.SWD_WPROTECT : undefined;
    const key = protectedBy === REG.RTC_WDT_WPROTECT ? RTC_WDT_KEY : 0x8f1d312a;
    if (protectedBy !== undefined && this.registers.get(protectedBy) !== key) return;
    const old = this.registers.get(address) ?? 0;
    this.registers.set(address, ((old & ~mask) | (value & mask)) >>> 0);
  }

  private checkWatchdog(): void {
    const config = this.registers.get(REG.RTC_WDT_CONFIG0) ?? 0;
    // stage 0 set to "reset the system" with the watchdog enabled: the chip resets after the hold time
    if ((config & WDT_ENABLE) !== 0 && (config & 0x70000000) !== 0 && (this.registers.get(REG.RTC_WDT_CONFIG1) ?? 0) > 0) this.scheduleReset(false);
  }

  private scheduleReset(runUserCode: boolean): void {
    clearTimeout(this.resetTimer);
    this.resetTimer = setTimeout(() => {
      const download = !runUserCode && ((this.registers.get(REG.RTC_OPTION1) ?? 0) & FORCE_DOWNLOAD_BOOT) !== 0;
      this.registers.set(REG.RTC_WDT_CONFIG0, WDT_ENABLE);
      this.registers.delete(REG.RTC_WDT_CONFIG1);
      if (download) {
        this.resetState('rom');
        this.opts.send(new TextEncoder().encode('ESP-ROM:esp32s3-20210327\r\nrst:0x10 (RTCWDT_RTC_RST),boot:0x23 (DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n'));
      } else {
        this.resetState('rom');
        this.opts.onBootApp();
      }
    }, 20);
  }

  private flashBegin(op: number, data: Uint8Array): void {
    const size = u32(data, 0);
    const offset = u32(data, 12);
    if (offset % SECTOR !== 0 || offset + size > this.opts.flash.size) return this.respond(op, new Uint8Array(), 0, this.mode === 'stub' ? 0xc3 : ROM_INVALID);
    // the ROM erases the whole region before it answers; the stub erases sector by sector as data arrives
    if (this.mode === 'rom') this.opts.flash.erase(offset, size);
    this.flashJob = { offset, written: 0, erasedUpTo: this.mode === 'rom' ? offset + size : offset, deflate: op === OP.FLASH_DEFL_BEGIN, compressed: [] };
    this.respond(op);
  }

  private flashData(op: number, data: Uint8Array, checksum: number): void {
    const job = this.flashJob;
    if (!job) return this.respond(op, new Uint8Array(), 0, this.mode === 'stub' ? STUB_NOT_IN_FLASH_MODE : ROM_INVALID);
    if (!this.checksumOk(data, checksum)) return this.respond(op, new Uint8Array(), 0, this.mode === 'stub' ? STUB_BAD_CHECKSUM : ROM_BAD_CHECKSUM);
    const payload = data.subarray(16, 16 + u32(data, 0));
    let plain: Uint8Array;
    if (job.deflate) {
      job.compressed.push(Buffer.from(payload));
      let all: Buffer;
      try {
        all = inflateSync(Buffer.concat(job.compressed), { finishFlush: constants.Z_SYNC_FLUSH });
      } catch {
        return this.respond(op, new Uint8Array(), 0, this.mode === 'stub' ? STUB_INFLATE_ERROR : 0x0b);
      }
      plain = all.subarray(job.written);
    } else plain = payload;
    const at = job.offset + job.written;
    while (job.erasedUpTo < at + plain.length) {
      this.opts.flash.erase(job.erasedUpTo, SECTOR);
      job.erasedUpTo += SECTOR;
    }
    const limit = this.opts.pullCableAfterFlashBytes;
    if (limit !== undefined && job.written + plain.length > limit) {
      // the cable comes out in the middle of this block: what came before the cut reaches the flash
      this.opts.flash.write(at, plain.subarray(0, Math.max(0, limit - job.written)));
      this.pullCable();
      return;
    }
    if (this.opts.corruptFlashWrites && job.written === 0 && plain.length > 0) {
      this.opts.corruptFlashWrites--;
      plain = Uint8Array.from(plain);
      plain[plain.length >> 1] = (plain[plain.length >> 1] ?? 0) ^ 0x04;
    }
    this.opts.flash.write(at, plain);
    job.written += plain.length;
    this.flashBlocksWritten++;
    this.respond(op);
  }

  private pumpRead(): void {
    const job = this.readJob;
    if (!job) return;
    while (job.sent < job.data.length && job.sent - job.acked < job.packetSize * job.maxInFlight) {
      const end = Math.min(job.sent + job.packetSize, job.data.length);
      this.opts.send(slip(job.data.subarray(job.sent, end)));
      job.sent = end;
    }
    if (job.acked >= job.data.length) {
      this.readJob = undefined;
      this.opts.send(slip(createHash('md5').update(job.data).digest()));
    }
  }
}

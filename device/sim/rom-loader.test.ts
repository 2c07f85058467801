/**
 * The ROM loader emulator under esptool-js itself (through our serialport adapter on a socat pty):
 * the commands the USB setup does not use are checked here too, in ROM mode and in stub mode
 * (FLASH_BEGIN/DATA/END, the deflate variants, MD5 as the ROM and as the stub answer it,
 * CHANGE_BAUDRATE, ERASE_REGION, refusals with the loader's status codes).
 */
import { createHash } from 'node:crypto';
import { ESPLoader, Transport } from 'esptool-js';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/until';
import { NodeSerialPort } from '../serial/web-serial';
import { SimFlash } from './flash';
import { openSerialConsole } from './serial-console';
import { UsbLoader } from './usb-loader';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function chip(): Promise<{ loader: ESPLoader; flash: SimFlash; usb: UsbLoader; boots: () => number }> {
  const flash = new SimFlash();
  let booted = 0;
  const wired: { usb?: UsbLoader } = {};
  const console_ = await openSerialConsole(
    () => undefined,
    (bytes) => wired.usb?.onBytes(bytes) ?? false,
  );
  cleanups.push(() => console_.close());
  const usb = new UsbLoader({ flash, mac: 'A0:B7:65:01:02:03', send: (b) => console_.writeBytes(b), onEnterLoader: () => undefined, onBootApp: () => booted++ });
  wired.usb = usb;
  cleanups.push(() => usb.stop());
  const port = new NodeSerialPort(console_.path, { usbVendorId: 0x303a, usbProductId: 0x1001 });
  const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0]);
  transport.trace = () => undefined;
  const loader = new ESPLoader({ transport, baudrate: 115200, romBaudrate: 115200, terminal: { clean: () => undefined, write: () => undefined, writeLine: () => undefined } });
  cleanups.push(() => transport.disconnect().catch(() => undefined));
  await loader.connect('default_reset', 3);
  return { loader, flash, usb, boots: () => booted };
}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
const image = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);

describe('ESP32-S3 ROM loader emulator under esptool-js', () => {
  it('ROM mode: detects an ESP32-S3 with its MAC, writes plain and compressed, answers MD5 as 32 hex characters, refuses stub-only commands', async () => {
    const { loader, flash } = await chip();
    expect(loader.chip.CHIP_NAME).toBe('ESP32-S3');
    expect(await loader.chip.readMac(loader)).toBe('a0:b7:65:01:02:03');
    const plain = image(0x2345, 1);
    // ROM mode writes with FLASH_BEGIN/DATA (esptool-js pads the last block with 0xFF) and FLASH_DEFL_*
    await loader.writeFlash({ fileArray: [{ data: plain, address: 0x20000 }], flashMode: 'keep', flashFreq: 'keep', flashSize: 'keep', eraseAll: false, compress: false });
    expect(Buffer.from(flash.read(0x20000, plain.length)).equals(Buffer.from(plain))).toBe(true);
    const packed = image(0x4000, 7);
    await loader.writeFlash({ fileArray: [{ data: packed, address: 0x30000 }], flashMode: 'keep', flashFreq: 'keep', flashSize: 'keep', eraseAll: false, compress: true });
    expect(md5(flash.read(0x30000, packed.length))).toBe(md5(packed));
    // the ROM answers MD5 as 32 ASCII hex characters, which esptool-js hex-encodes once more (why the setup runs the stub)
    expect(Buffer.from(await loader.flashMd5sum(0x30000, packed.length), 'hex').toString('ascii')).toBe(md5(packed));
    await expect(loader.readFlash(0x30000, 16)).rejects.toThrow(/status 1,5/);
  });

  it('stub mode: OHAI, baud change, READ_FLASH with acks, 16-byte MD5, ERASE_REGION, and a flash write that checks its checksum', async () => {
    const { loader, flash } = await chip();
    await loader.runStub();
    expect(loader.IS_STUB).toBe(true);
    (loader as unknown as { baudrate: number }).baudrate = 460800;
    await loader.changeBaud();
    expect(await loader.chip.readMac(loader)).toBe('a0:b7:65:01:02:03');
    const data = image(0x6000, 3);
    await loader.writeFlash({ fileArray: [{ data, address: 0x9000 }], flashMode: 'keep', flashFreq: 'keep', flashSize: 'keep', eraseAll: false, compress: true, calculateMD5Hash: md5 });
    expect(Buffer.from(await loader.readFlash(0x9000, 0x6000)).equals(Buffer.from(data))).toBe(true);
    expect(await loader.flashMd5sum(0x9000, 0x6000)).toBe(md5(data));
    await loader.checkCommand('erase region', loader.ESP_ERASE_REGION, Uint8Array.from([0x00, 0xa0, 0, 0, 0x00, 0x10, 0, 0]));
    expect(flash.read(0xa000, 0x1000).every((b) => b === 0xff)).toBe(true);
    expect(flash.read(0x9000, 0x1000).some((b) => b !== 0xff)).toBe(true);
    // a FLASH_DATA block whose checksum does not match its data is refused with the stub's 0xC2
    await loader.flashBegin(16, 0xb000);
    const block = new Uint8Array(16 + 16);
    block.set([16, 0, 0, 0], 0);
    block.fill(0x5a, 16);
    await expect(loader.checkCommand('write', loader.ESP_FLASH_DATA, block, 0x00)).rejects.toThrow(/status 1,194/);
  });

  it('clears FORCE_DOWNLOAD_BOOT or not: the watchdog reset boots the firmware, or comes back to the loader', async () => {
    const { loader, usb, boots } = await chip();
    const wdtReset = async () => {
      await loader.writeReg(0x600080b0, 0x50d83aa1);
      await loader.writeReg(0x6000809c, 2000);
      await loader.writeReg(0x60008098, (1 << 31) | (5 << 28) | (1 << 8) | 2);
    };
    await wdtReset();
    await new Promise((r) => setTimeout(r, 100));
    expect(boots()).toBe(0);
    expect(usb.inLoader).toBe(true);
    await loader.sync();
    await loader.writeReg(0x6000812c, 0, 1);
    await wdtReset();
    // the reset happens when the watchdog fires; wait for the boot itself rather than a guess at how long it takes
    await until(() => boots() === 1, 'the firmware boot after the watchdog reset');
    expect(usb.inLoader).toBe(false);
  });
});

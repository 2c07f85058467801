/**
 * The part of the Web Serial `SerialPort` that esptool-js's Transport uses (open, close, readable,
 * writable, setSignals, getInfo, setBaudRate), over Node's `serialport`. esptool-js ships no Node
 * adapter (esptool-js #117, #122). Notes (research/usb.md): serialport's set() fills a missing line
 * with true, so both lines are remembered and always sent; on a pty the modem-line ioctl fails with
 * ENOTTY, which is tolerated (there is no chip to reset there).
 */
import { SerialPort } from 'serialport';

export interface PortIdentity {
  /** USB vendor / product id as numbers (0x303a / 0x1001 for the ESP32-S3 USB-Serial/JTAG) */
  usbVendorId?: number;
  usbProductId?: number;
}

export interface SignalOptions {
  dataTerminalReady?: boolean;
  requestToSend?: boolean;
  break?: boolean;
}

export class NodeSerialPort {
  private port: SerialPort | undefined;
  private stream: ReadableStream<Uint8Array> | undefined;
  private pushChunk: ((chunk: Uint8Array) => void) | undefined;
  private endStream: ((error?: Error) => void) | undefined;
  private writer: WritableStream<Uint8Array> | undefined;
  private lines = { dtr: false, rts: false };
  /** the modem-line ioctl failed (a pty): reset sequences have no effect */
  signalsUnsupported = false;
  /** the device went away while open (cable pulled, port re-enumerated) */
  lost = false;

  constructor(
    readonly path: string,
    private readonly identity: PortIdentity = {},
  ) {}

  getInfo(): PortIdentity {
    return { ...this.identity };
  }

  async open(options: { baudRate: number }): Promise<void> {
    if (this.port?.isOpen) throw new Error(`${this.path} is already open`);
    const port = new SerialPort({ path: this.path, baudRate: options.baudRate, autoOpen: false, hupcl: false, rtscts: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    this.port = port;
    this.lost = false;
    port.on('data', (chunk: Buffer) => this.pushChunk?.(new Uint8Array(chunk)));
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (error?.disconnected) this.lost = true;
      this.endStream?.(error?.disconnected ? error : undefined);
    });
    port.on('error', () => undefined);
  }

  /** A fresh stream after a cancel, as Web Serial gives; null once closed. */
  get readable(): ReadableStream<Uint8Array> | null {
    if (!this.port?.isOpen) return null;
    if (!this.stream) {
      this.stream = new ReadableStream<Uint8Array>({
        start: (controller) => {
          this.pushChunk = (chunk) => controller.enqueue(chunk);
          this.endStream = (error) => {
            this.pushChunk = undefined;
            this.endStream = undefined;
            this.stream = undefined;
            if (error) controller.error(error);
            else controller.close();
          };
        },
        cancel: () => {
          this.pushChunk = undefined;
          this.endStream = undefined;
          this.stream = undefined;
        },
      });
    }
    return this.stream;
  }

  get writable(): WritableStream<Uint8Array> | null {
    const port = this.port;
    if (!port?.isOpen) return null;
    this.writer ??= new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          port.write(Buffer.from(chunk), (error) => (error ? reject(error) : port.drain((e) => (e ? reject(e) : resolve()))));
        }),
    });
    return this.writer;
  }

  async setSignals(signals: SignalOptions): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return;
    if (signals.dataTerminalReady !== undefined) this.lines.dtr = signals.dataTerminalReady;
    if (signals.requestToSend !== undefined) this.lines.rts = signals.requestToSend;
    await new Promise<void>((resolve) =>
      port.set({ dtr: this.lines.dtr, rts: this.lines.rts, brk: signals.break ?? false }, (error) => {
        if (error) this.signalsUnsupported = true;
        resolve();
      }),
    );
  }

  async setBaudRate(baudRate: number): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve, reject) => port.update({ baudRate }, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    this.writer = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
    this.endStream?.();
  }
}

/**
 * A Bitaxe on USB: reads the console (logs, shares), and on patched firmware runs JSON commands
 * (`{"cmd":"info"|"set"|"restart"}` -> `@BXJ {...}`). Opened without touching DTR/RTS in a way
 * that resets the chip: RTS can hold an ESP32-S3 in reset.
 */
import { SerialPort } from 'serialport';
import { type ConsoleEvent, ShareCounter, parseConsoleLine } from './log-parser';

export type FirmwareKind = 'patched' | 'stock' | 'unknown';

export class SerialCommandError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'timeout' | 'refused' | 'closed',
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'SerialCommandError';
  }
}

export interface SerialDriverOptions {
  onEvent?: (event: ConsoleEvent, line: string) => void;
  commandTimeoutMs?: number;
  probeTimeoutMs?: number;
}

interface Pending {
  resolve: (json: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const MAX_LINE = 64 * 1024;

export class SerialDriver {
  readonly shares = new ShareCounter();
  firmware: FirmwareKind = 'unknown';
  private partial = '';
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly port: SerialPort,
    private readonly options: SerialDriverOptions,
  ) {
    port.setEncoding('utf8');
    port.on('data', (chunk: string) => this.onData(chunk));
    port.on('close', () => this.onClose());
    port.on('error', () => undefined);
  }

  static async open(path: string, options: SerialDriverOptions = {}): Promise<SerialDriver> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false, hupcl: false, rtscts: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    // serialport fills unspecified lines with true, so both are always given. On a pty the ioctl
    // fails with ENOTTY: there is no chip to reset there.
    await new Promise<void>((resolve) => port.set({ dtr: false, rts: false }, () => resolve()));
    return new SerialDriver(path, port, options);
  }

  private onData(chunk: string): void {
    const pieces = (this.partial + chunk).split('\n');
    this.partial = pieces.pop() ?? '';
    if (this.partial.length > MAX_LINE) this.partial = '';
    for (const piece of pieces) {
      const line = piece.replace(/\r$/, '');
      if (!line) continue;
      const event = parseConsoleLine(line);
      this.shares.push(event);
      if (event.kind === 'reply') this.onReply(event.json);
      this.options.onEvent?.(event, line);
    }
  }

  private onReply(json: Record<string, unknown>): void {
    this.firmware = 'patched';
    const id = typeof json.id === 'number' ? json.id : undefined;
    const pending = id !== undefined ? this.pending.get(id) : undefined;
    if (!pending || id === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(json);
  }

  private onClose(): void {
    this.closed = true;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new SerialCommandError('closed', 'The USB connection closed.', 'Check the cable and that no other program holds the port.'));
      this.pending.delete(id);
    }
  }

  private send(cmd: string, extra: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new SerialCommandError('closed', 'The USB connection is closed.', 'Reconnect the Bitaxe.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SerialCommandError('timeout', `No answer to "${cmd}" over USB within ${timeoutMs} ms.`, 'The device may be restarting; try again.'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.port.write(`${JSON.stringify({ cmd, id, ...extra })}\n`);
    });
  }

  /** Stock firmware ignores console input; patched firmware answers an info request. */
  async probe(): Promise<FirmwareKind> {
    try {
      await this.send('info', {}, this.options.probeTimeoutMs ?? 2000);
      this.firmware = 'patched';
    } catch (error) {
      if ((error as SerialCommandError).kind !== 'timeout') throw error;
      this.firmware = 'stock';
    }
    return this.firmware;
  }

  private async command(cmd: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.firmware === 'unknown') await this.probe();
    if (this.firmware === 'stock') {
      throw new SerialCommandError(
        'unavailable',
        'This Bitaxe runs stock AxeOS, which accepts no commands over USB (the console only prints logs).',
        'Use Wi-Fi (the AxeOS API) to change settings, or install the Axewallet firmware patch to configure it over USB.',
      );
    }
    const reply = await this.send(cmd, extra, this.options.commandTimeoutMs ?? 3000);
    if (reply.ok !== true) {
      throw new SerialCommandError('refused', `The device refused "${cmd}": ${typeof reply.error === 'string' ? reply.error : 'no reason given'}.`, 'Check the values; nothing was saved.');
    }
    return reply;
  }

  async info(): Promise<Record<string, unknown>> {
    const reply = await this.command('info');
    return (reply.data ?? {}) as Record<string, unknown>;
  }

  async set(settings: Record<string, unknown>): Promise<void> {
    await this.command('set', { settings });
  }

  async restart(): Promise<void> {
    await this.command('restart');
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

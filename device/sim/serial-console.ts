/**
 * The simulator's USB Serial/JTAG console: a pseudo-terminal made by socat. The simulator writes
 * log lines to socat's stdin and reads what the host types from its stdout. Like the real UART
 * log path, lines are dropped (and a "--- [UART LOG DROPPED N BYTES] ---" line reported) when
 * nobody reads the port and the buffer fills. Bytes from the host go to `onBytes` first (the ROM
 * loader's binary protocol); what it does not take is read as text lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const MAX_BUFFERED_BYTES = 64 * 1024;

export interface SerialConsole {
  path: string;
  write(text: string): void;
  /** raw bytes, never dropped (the boot loader's answers) */
  writeBytes(bytes: Uint8Array): void;
  close(): Promise<void>;
}

export async function openSerialConsole(onLine: (line: string) => void, onBytes?: (bytes: Buffer) => boolean): Promise<SerialConsole> {
  const child: ChildProcess = spawn('socat', ['-d', '-d', 'STDIO', 'PTY,raw,echo=0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const path = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error('socat did not create a pty within 5 s')), 5000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`socat could not start (${error.message}); install socat for the simulated serial console`));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /PTY is (\S+)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
      if (stderr.length > 16_384) stderr = stderr.slice(-4096);
    });
  });
  let partial = '';
  const decoder = new TextDecoder();
  child.stdout?.on('data', (bytes: Buffer) => {
    if (onBytes?.(bytes)) return;
    const chunk = decoder.decode(bytes, { stream: true });
    const pieces = (partial + chunk).split(/\r?\n/);
    partial = pieces.pop() ?? '';
    if (partial.length > 8192) partial = '';
    for (const line of pieces) if (line.trim()) onLine(line);
  });
  child.stdin?.on('error', () => undefined);
  let dropped = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    path,
    write(text: string) {
      const stdin = child.stdin;
      if (!stdin || stdin.destroyed) return;
      if (stdin.writableLength > MAX_BUFFERED_BYTES) {
        dropped += Buffer.byteLength(text);
        return;
      }
      if (dropped > 0) {
        stdin.write(`--- [UART LOG DROPPED ${dropped} BYTES] ---\n`);
        dropped = 0;
      }
      stdin.write(text);
    },
    writeBytes(bytes: Uint8Array) {
      const stdin = child.stdin;
      if (stdin && !stdin.destroyed) stdin.write(bytes);
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

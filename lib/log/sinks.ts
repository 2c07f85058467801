/** Where engine logs go: stderr (human lines), a JSON-lines file in the home dir, and a ring the UI reads. */
import { appendFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import type { LogRecord, LogSink } from './logger';

export function stderrSink(): LogSink {
  return (r) => {
    const fields = r.fields ? ` ${JSON.stringify(r.fields)}` : '';
    process.stderr.write(`${r.time} ${r.level.toUpperCase().padEnd(5)} ${r.scope}: ${r.message}${fields}\n`);
  };
}

export interface FileSinkOptions {
  /** the file is moved aside once it would grow past this (default 10 MiB) */
  maxBytes?: number;
  /** how many moved-aside files are kept: name.1 (newest) to name.N (default 3) */
  keep?: number;
}

/**
 * A JSON-lines file that rotates by size: at most (keep + 1) x maxBytes on disk, whatever floods the
 * log. While a rotation fails (a read-only directory) lines are dropped rather than let the file grow.
 */
export function fileSink(path: string, opts: FileSinkOptions = {}): LogSink {
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const keep = Math.max(1, opts.keep ?? 3);
  let size = existsSync(path) ? statSync(path).size : 0;
  return (r) => {
    const line = `${JSON.stringify(r)}\n`;
    const bytes = Buffer.byteLength(line);
    if (size > 0 && size + bytes > maxBytes) {
      rotate(path, keep);
      size = 0;
    }
    appendFileSync(path, line, { mode: 0o600 });
    size += bytes;
  };
}

function rotate(path: string, keep: number): void {
  rmSync(`${path}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  }
  renameSync(path, `${path}.1`);
}

export class LogRing {
  private readonly records: LogRecord[] = [];
  constructor(private readonly size = 2000) {}

  readonly sink: LogSink = (r) => {
    this.records.push(r);
    if (this.records.length > this.size) this.records.splice(0, this.records.length - this.size);
  };

  recent(limit: number, level?: LogRecord['level']): LogRecord[] {
    const order = { debug: 10, info: 20, warn: 30, error: 40 };
    const filtered = level ? this.records.filter((r) => order[r.level] >= order[level]) : this.records;
    return filtered.slice(-limit);
  }
}

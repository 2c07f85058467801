/** Where engine logs go: stderr (human lines), a JSON-lines file in the home dir, and a ring the UI reads. */
import { appendFileSync } from 'node:fs';
import type { LogRecord, LogSink } from './log';

export function stderrSink(): LogSink {
  return (r) => {
    const fields = r.fields ? ` ${JSON.stringify(r.fields)}` : '';
    process.stderr.write(`${r.time} ${r.level.toUpperCase().padEnd(5)} ${r.scope}: ${r.message}${fields}\n`);
  };
}

export function fileSink(path: string): LogSink {
  return (r) => appendFileSync(path, `${JSON.stringify(r)}\n`, { mode: 0o600 });
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

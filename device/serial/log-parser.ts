/**
 * ESP-Miner's USB console output (research/bitaxe.md): ESP-IDF log lines with ANSI colours
 * (`ESC[0;32mI (21389971) stratum_api: tx: {...}ESC[0m`), the dropped-bytes marker, and the
 * `@BXJ {json}` replies of patched firmware. Pure: a line in, an event out.
 */

export type EspLevel = 'E' | 'W' | 'I' | 'D' | 'V';

export type ConsoleEvent =
  | { kind: 'log'; level: EspLevel; uptimeMs: number; tag: string; message: string }
  | { kind: 'stratum-tx'; uptimeMs: number; json: Record<string, unknown> }
  | { kind: 'stratum-rx'; uptimeMs: number; json: Record<string, unknown> }
  | { kind: 'nonce'; uptimeMs: number; jobId: string; asic: number; version: string; nonce: string; difficulty: number; poolDifficulty: number }
  | { kind: 'best-difficulty'; uptimeMs: number; difficulty: number }
  | { kind: 'block-found'; uptimeMs: number }
  | { kind: 'dropped'; bytes: number }
  | { kind: 'reply'; json: Record<string, unknown> }
  | { kind: 'text'; text: string };

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const LOG_LINE = /^([EWIDV]) \((\d+)\) ([^:]+): (.*)$/;
const DROPPED = /^--- \[UART LOG DROPPED (\d+) BYTES\] ---$/;
const NONCE = /^ID: (\S+), ASIC nr: (\d+), Core: \d+\/\d+, ver: ([0-9A-Fa-f]{8}) Nonce ([0-9A-Fa-f]{8}) diff ([0-9.eE+-]+) of ([0-9.eE+-]+)\.?$/;
export const REPLY_PREFIX = '@BXJ ';

export function stripAnsi(line: string): string {
  return line.replace(ANSI, '');
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function parseConsoleLine(raw: string): ConsoleEvent {
  const line = stripAnsi(raw).replace(/\r$/, '');
  const replyAt = line.indexOf(REPLY_PREFIX);
  if (replyAt !== -1) {
    const json = jsonObject(line.slice(replyAt + REPLY_PREFIX.length));
    if (json) return { kind: 'reply', json };
  }
  const dropped = DROPPED.exec(line);
  if (dropped) return { kind: 'dropped', bytes: Number(dropped[1]) };
  const match = LOG_LINE.exec(line);
  if (!match) return { kind: 'text', text: line };
  const level = match[1] as EspLevel;
  const uptimeMs = Number(match[2]);
  const tag = match[3] ?? '';
  const message = match[4] ?? '';
  if (tag === 'stratum_api' && (message.startsWith('tx: ') || message.startsWith('rx: '))) {
    const json = jsonObject(message.slice(4));
    if (json) return { kind: message.startsWith('tx') ? 'stratum-tx' : 'stratum-rx', uptimeMs, json };
  }
  if (tag === 'asic_result') {
    const nonce = NONCE.exec(message);
    if (nonce) {
      return {
        kind: 'nonce',
        uptimeMs,
        jobId: nonce[1] ?? '',
        asic: Number(nonce[2]),
        version: (nonce[3] ?? '').toLowerCase(),
        nonce: (nonce[4] ?? '').toLowerCase(),
        difficulty: Number(nonce[5]),
        poolDifficulty: Number(nonce[6]),
      };
    }
  }
  const best = /new best difficulty:?\s*([0-9.eE+]+)/i.exec(message);
  if (best) return { kind: 'best-difficulty', uptimeMs, difficulty: Number(best[1]) };
  if (/FOUND BLOCK/i.test(message)) return { kind: 'block-found', uptimeMs };
  return { kind: 'log', level, uptimeMs, tag, message };
}

export interface FirmwareLogCounts {
  submitted: number;
  accepted: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  nonces: number;
  droppedBytes: number;
}

/**
 * Counts shares from what the firmware logs: a `tx:` mining.submit opens a share, the `rx:` answer
 * with the same id settles it. Ids restart with each connection, so a new mining.configure clears
 * what was still open.
 */
export class ShareCounter {
  readonly counts: FirmwareLogCounts = { submitted: 0, accepted: 0, rejected: 0, rejectReasons: {}, nonces: 0, droppedBytes: 0 };
  private open = new Set<unknown>();

  push(event: ConsoleEvent): void {
    switch (event.kind) {
      case 'stratum-tx':
        if (event.json.method === 'mining.configure') this.open.clear();
        if (event.json.method === 'mining.submit') {
          this.counts.submitted++;
          this.open.add(event.json.id);
          if (this.open.size > 1000) this.open.delete(this.open.values().next().value);
        }
        return;
      case 'stratum-rx': {
        const { id, result, error } = event.json;
        if (!this.open.has(id) || (result === null && (error === null || error === undefined) && !event.json['reject-reason'])) return;
        this.open.delete(id);
        if (result === true) this.counts.accepted++;
        else {
          this.counts.rejected++;
          const reason = rejectReason(event.json);
          this.counts.rejectReasons[reason] = (this.counts.rejectReasons[reason] ?? 0) + 1;
        }
        return;
      }
      case 'nonce':
        this.counts.nonces++;
        return;
      case 'dropped':
        this.counts.droppedBytes += event.bytes;
        return;
      default:
    }
  }
}

function rejectReason(json: Record<string, unknown>): string {
  if (typeof json['reject-reason'] === 'string') return json['reject-reason'];
  const error = json.error;
  if (Array.isArray(error) && typeof error[1] === 'string') return error[1];
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return 'unknown';
}

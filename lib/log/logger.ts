/**
 * Structured logging for the engine. Every message and field passes through redaction so a seed, a
 * key, a token or a cashu token that slips into a message or a field, at any depth, never reaches a
 * log line. A warning or error that repeats is written once, then once more with its count, so a
 * peer that triggers the same error a thousand times a second costs one line a minute.
 */
import { wordlist } from '@scure/bip39/wordlists/english.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  time: string;
  level: LogLevel;
  scope: string;
  message: string;
  fields?: Record<string, unknown>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export type LogSink = (record: LogRecord) => void;

const SECRET_PATTERNS: RegExp[] = [
  /cashu[AB][A-Za-z0-9_\-+/=]{20,}/g, // cashu tokens
  /\bnsec1[02-9ac-hj-np-z]{20,}/g, // nostr secret keys
  /\b[0-9a-fA-F]{64}\b/g, // 32-byte secrets in hex (keys, proof secrets)
  /([?&]token=)[^&\s"]+/g, // bearer tokens in URLs
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g,
];

const SECRET_KEYS =
  /^(mnemonic|words|seed|passphrase|password|privkey|privateKey|secret|token|nsec|proofs?|authorization|cookie)$|(Mnemonic|Seed|Passphrase|Password|Privkey|PrivateKey|Secret|Token)$/i;

/**
 * A mnemonic leaks as a run of BIP39 words: five or more in a row, separated by nothing but spaces,
 * punctuation or numbering ("1. abandon 2. ability", JSON arrays). English prose rarely strings five
 * of them together, and a shorter fragment of a 12-word mnemonic leaves too little to guess from.
 */
const MNEMONIC_RUN = 5;
const BIP39_WORDS = new Set(wordlist);
const WORD_GAP = /^[\s\d.,;:'"()[\]{}#/|_-]{1,8}$/;

function redactMnemonicRuns(text: string): string {
  const words = [...text.matchAll(/[A-Za-z]+/g)];
  let out = '';
  let copiedTo = 0;
  let runStart = -1;
  const close = (end: number) => {
    const count = end - runStart;
    if (runStart >= 0 && count >= MNEMONIC_RUN) {
      const from = words[runStart]!.index;
      const last = words[end - 1]!;
      out += `${text.slice(copiedTo, from)}[redacted]`;
      copiedTo = last.index + last[0].length;
    }
    runStart = -1;
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!BIP39_WORDS.has(word[0].toLowerCase())) {
      close(i);
      continue;
    }
    if (runStart >= 0) {
      const previous = words[i - 1]!;
      if (!WORD_GAP.test(text.slice(previous.index + previous[0].length, word.index))) close(i);
    }
    if (runStart < 0) runStart = i;
  }
  close(words.length);
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

export function redact(text: string): string {
  let out = redactMnemonicRuns(text);
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, prefix?: unknown) => (typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[redacted]` : '[redacted]'));
  }
  return out;
}

/** Deeper than this a value is replaced, never written unredacted. */
const MAX_DEPTH = 32;

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return `[${typeof value}]`;
  if (value === null || typeof value !== 'object') return value;
  // bytes (a seed, a key) are never written, whatever field they are in
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (value instanceof Error) return redact(value.message);
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
    if (value instanceof Set) return [...value].map((item) => redactValue(item, depth + 1, seen));
    if (value instanceof Map)
      return redactEntries(
        [...value].map(([k, v]) => [String(k), v]),
        depth,
        seen,
      );
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redactValue(toJSON.call(value), depth + 1, seen);
    return redactEntries(Object.entries(value), depth, seen);
  } finally {
    seen.delete(value);
  }
}

function redactEntries(entries: Array<[string, unknown]>, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) out[key] = SECRET_KEYS.test(key) ? '[redacted]' : redactValue(value, depth + 1, seen);
  return out;
}

export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactEntries(Object.entries(fields), 0, new WeakSet());
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** How long a repeated warning or error stays collapsed before its count is written. */
export const REPEAT_WINDOW_MS = 60_000;
/** distinct messages tracked at once; the oldest is let go (its count written) beyond this */
const MAX_TRACKED = 256;

interface Repeat {
  first: LogRecord;
  since: number;
  more: number;
}

/**
 * Warnings and errors by level, scope and message (fields vary: an address, a value): the first is
 * written, the next ones within the window are only counted, and the count is written when the
 * window ends. Everything below warn passes untouched.
 */
class RepeatCollapser {
  private readonly tracked = new Map<string, Repeat>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly deliver: (record: LogRecord) => void,
  ) {}

  admit(record: LogRecord): boolean {
    if (LEVEL_ORDER[record.level] < LEVEL_ORDER.warn) return true;
    const key = `${record.level}\u0000${record.scope}\u0000${record.message}`;
    const now = Date.now();
    const known = this.tracked.get(key);
    if (known && now - known.since < this.windowMs) {
      known.more++;
      this.arm();
      return false;
    }
    if (known) {
      this.tracked.delete(key);
      this.summarize(known, now);
    }
    this.tracked.set(key, { first: record, since: now, more: 0 });
    if (this.tracked.size > MAX_TRACKED) {
      const [oldestKey, oldest] = this.tracked.entries().next().value!;
      this.tracked.delete(oldestKey);
      this.summarize(oldest, now);
    }
    return true;
  }

  private summarize(repeat: Repeat, now: number): void {
    if (repeat.more === 0) return;
    const seconds = Math.max(1, Math.round((now - repeat.since) / 1000));
    this.deliver({
      ...repeat.first,
      time: new Date(now).toISOString(),
      message: `${repeat.first.message} (${repeat.more} more time${repeat.more === 1 ? '' : 's'} in ${seconds} s)`,
      fields: { ...repeat.first.fields, repeated: repeat.more },
    });
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      for (const [key, repeat] of this.tracked) {
        if (now - repeat.since < this.windowMs) continue;
        this.tracked.delete(key);
        this.summarize(repeat, now);
      }
      if ([...this.tracked.values()].some((r) => r.more > 0)) this.arm();
    }, this.windowMs);
    this.timer.unref?.();
  }
}

export interface LoggerOptions {
  /** how long repeats of one warning or error are counted instead of written (default one minute) */
  repeatWindowMs?: number;
}

export function createLogger(sinks: LogSink[], scope = 'axewallet', minLevel: LogLevel = 'info', options: LoggerOptions = {}): Logger {
  const deliver = (record: LogRecord) => {
    for (const sink of sinks) {
      try {
        sink(record);
      } catch {
        // a failing sink (closed file, full disk) must not take the engine down
      }
    }
  };
  const repeats = new RepeatCollapser(options.repeatWindowMs ?? REPEAT_WINDOW_MS, deliver);
  const scoped = (name: string): Logger => {
    const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
      if (LEVEL_ORDER[level] < LEVEL_ORDER[minLevel]) return;
      const record: LogRecord = { time: new Date().toISOString(), level, scope: name, message: redact(message) };
      if (fields) record.fields = redactFields(fields);
      if (repeats.admit(record)) deliver(record);
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (child) => scoped(`${name}.${child}`),
    };
  };
  return scoped(scope);
}

/** A logger that drops everything: for tests and pure helpers that take an optional logger. */
export const silentLogger: Logger = createLogger([]);

/**
 * Last resort for a promise rejection no code path observed: a bug, but one that must not stop the miners'
 * proxy or the wallet. Logged as an error with what it was; the service keeps running.
 */
export function logStrayRejections(logger: Logger): () => void {
  const onRejection = (reason: unknown) => {
    logger.error('internal error: a failed operation went unobserved; the service keeps running', {
      error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
    });
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}

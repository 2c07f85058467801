/**
 * Structured logging for the engine. Every message passes through redact() so a seed, a key,
 * a token or a cashu token that slips into a message or field never reaches a log line.
 */
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

const SECRET_KEYS = /^(mnemonic|seed|passphrase|password|privkey|privateKey|secret|token|nsec|proofs?)$/i;

export function redact(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, prefix?: unknown) => (typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[redacted]` : '[redacted]'));
  }
  return out;
}

export function redactFields(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEYS.test(key)) out[key] = '[redacted]';
    else if (typeof value === 'string') out[key] = redact(value);
    else if (value instanceof Error) out[key] = redact(value.message);
    else if (value && typeof value === 'object' && depth < 3 && !Array.isArray(value)) out[key] = redactFields(value as Record<string, unknown>, depth + 1);
    else if (typeof value === 'bigint') out[key] = value.toString();
    else out[key] = value;
  }
  return out;
}

export function createLogger(sinks: LogSink[], scope = 'axewallet', minLevel: LogLevel = 'info'): Logger {
  const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (order[level] < order[minLevel]) return;
    const record: LogRecord = { time: new Date().toISOString(), level, scope, message: redact(message) };
    if (fields) record.fields = redactFields(fields);
    for (const sink of sinks) {
      try {
        sink(record);
      } catch {
        // a failing sink (closed file, full disk) must not take the engine down
      }
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (child) => createLogger(sinks, `${scope}.${child}`, minLevel),
  };
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

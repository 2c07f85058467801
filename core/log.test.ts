import { describe, expect, it } from 'vitest';
import { createLogger, type LogRecord, logStrayRejections, redact } from './log';

describe('log redaction', () => {
  it('removes keys, tokens and nsecs from messages and fields', () => {
    const records: LogRecord[] = [];
    const log = createLogger([(r) => records.push(r)]);
    const key = 'ab'.repeat(32);
    log.info(`signing with ${key}`, { mnemonic: 'abandon abandon about', url: 'http://127.0.0.1:1/?token=secret123', token: 'cashuBo2FteCJodHRwczovL21pbnQuZXhhbXBsZS5jb20' });
    const text = JSON.stringify(records);
    expect(text).not.toContain(key);
    expect(text).not.toContain('abandon');
    expect(text).not.toContain('secret123');
    expect(text).not.toContain('cashuBo2F');
    expect(text).toContain('[redacted]');
  });

  it('keeps ordinary text intact', () => {
    expect(redact('share accepted at difficulty 1024 from bitaxe-1')).toBe('share accepted at difficulty 1024 from bitaxe-1');
    expect(redact('Bearer abc.def')).toBe('Bearer [redacted]');
  });
});

describe('stray rejections', () => {
  it('a rejection nobody observed is logged as an internal error and the process goes on', async () => {
    const records: LogRecord[] = [];
    const stop = logStrayRejections(createLogger([(r) => records.push(r)]));
    try {
      void Promise.reject(new TypeError('channel closed'));
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      stop();
    }
    expect(records).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringContaining('keeps running'), fields: expect.objectContaining({ error: 'TypeError: channel closed' }) }),
    );
  });
});

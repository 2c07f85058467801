import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, type LogRecord, logStrayRejections, redact, redactFields, REPEAT_WINDOW_MS } from './logger';

const MNEMONIC = 'half depart obvious quality work element tank gorilla view sugar picture humble';

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
    for (const line of [
      'the pool could not create an ehash quote for a share',
      'No nostr relay accepted the latest backup.',
      'Mining on a backup pool: the primary pool failed; miners now use stratum+tcp://10.0.0.2:3333',
      'device lost power during update, it will retry the upload in 30 seconds',
    ]) {
      expect(redact(line)).toBe(line);
    }
  });

  it('removes runs of BIP39 words inside strings, however they are separated', () => {
    const words = MNEMONIC.split(' ');
    const numbered = words.map((w, i) => `${i + 1}. ${w}`).join('\n');
    for (const text of [`restore failed for "${MNEMONIC}" at mint`, numbered, JSON.stringify(words), MNEMONIC.toUpperCase(), words.slice(0, 5).join(', ')]) {
      const out = redact(text);
      for (const word of ['depart', 'obvious', 'gorilla', 'DEPART']) expect(out, text).not.toContain(word);
      expect(out).toContain('[redacted]');
    }
    expect(redact(`restore failed for "${MNEMONIC}" at mint`)).toBe('restore failed for "[redacted]" at mint');
  });

  it('redacts inside arrays, at any depth, in bytes, maps and sets, and survives cycles', () => {
    const key = 'cd'.repeat(32);
    const deep: Record<string, unknown> = { note: `key ${key}` };
    let node = deep;
    for (let i = 0; i < 12; i++) node = (node.next = { level: i, words: [MNEMONIC] }) as Record<string, unknown>;
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const fields = {
      list: [`cashuBo2FteCJodHRwczovL21pbnQuZXhhbXBsZS5jb20abc`, { seed: 'x' }, [[`nsec1${'q'.repeat(58)}`]]],
      deep,
      bytes: new Uint8Array(64).fill(7),
      buffer: Buffer.from('secret seed bytes'),
      map: new Map<string, unknown>([
        ['passphrase', 'hunter22'],
        ['other', [key]],
      ]),
      set: new Set([MNEMONIC]),
      cyclic,
      at: new Date(0),
      big: 10n ** 30n,
    };
    const out = redactFields(fields);
    const text = JSON.stringify(out);
    for (const secret of [key, 'cashuBo2F', 'nsec1qq', 'depart', 'hunter22', '7,7,7', 'secret seed']) expect(text).not.toContain(secret);
    expect(out.bytes).toBe('[64 bytes]');
    expect((out.cyclic as Record<string, unknown>).self).toBe('[circular]');
    expect(out.at).toBe('1970-01-01T00:00:00.000Z');
    expect(out.big).toBe('1000000000000000000000000000000');
    expect(text).toContain('"level":11');
  });
});

describe('repeated errors', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a flood of one error once, then once with its count; other messages and info lines pass', () => {
    vi.useFakeTimers();
    const records: LogRecord[] = [];
    const log = createLogger([(r) => records.push(r)]).child('proxy');
    for (let i = 0; i < 1000; i++) log.error('bad suggest_difficulty from a miner', { address: `127.0.0.2:${40000 + i}` });
    log.warn('another problem');
    log.info('share accepted');
    log.info('share accepted');
    expect(records.map((r) => r.message)).toEqual(['bad suggest_difficulty from a miner', 'another problem', 'share accepted', 'share accepted']);
    vi.advanceTimersByTime(REPEAT_WINDOW_MS + 1);
    const summary = records[4]!;
    expect(summary).toMatchObject({
      level: 'error',
      scope: 'axewallet.proxy',
      message: 'bad suggest_difficulty from a miner (999 more times in 60 s)',
      fields: { repeated: 999, address: '127.0.0.2:40000' },
    });
    expect(records).toHaveLength(5);
    // after the window the message is news again
    log.error('bad suggest_difficulty from a miner', { address: '127.0.0.2:1' });
    expect(records).toHaveLength(6);
    vi.advanceTimersByTime(REPEAT_WINDOW_MS + 1);
    expect(records).toHaveLength(6);
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

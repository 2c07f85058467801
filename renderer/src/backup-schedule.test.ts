import { describe, expect, it } from 'vitest';
import type { BackupStatusJson } from '../../core/api/backup';
import { describeSchedule, formatDuration } from './backup-schedule';

const base: BackupStatusJson = {
  running: true,
  pubkey: null,
  delaySeconds: 30,
  incomeDelaySeconds: 4 * 3600,
  relays: [],
  pendingChanges: 345,
  lastBackupAt: null,
  nextBackupAt: null,
  waitingFor: null,
  lastError: null,
  warnings: [],
};

describe('backup schedule in words', () => {
  it('says when income goes out and why it waits', () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    const text = describeSchedule({ ...base, nextBackupAt: '2026-12-05T12:05:00Z', waitingFor: 'income' }, now);
    expect(text.next).toMatch(/\(in 2 h 5 min\)$/);
    expect(text.why).toMatch(/Income is published every 4 h by design/);
    expect(text.why).toMatch(/A send goes out within 30 s/);
  });

  it('a change, a retry, a new relay, nothing waiting, no relay, locked', () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    expect(describeSchedule({ ...base, nextBackupAt: '2026-12-05T10:00:30Z', waitingFor: 'change' }, now).next).toBe('within 30 s');
    expect(describeSchedule({ ...base, nextBackupAt: '2026-12-05T10:01:00Z', waitingFor: 'retry' }, now).why).toMatch(/tries again/);
    expect(describeSchedule({ ...base, nextBackupAt: '2026-12-05T10:00:30Z', waitingFor: 'relay' }, now).why).toMatch(/relay was added/);
    expect(describeSchedule({ ...base, pendingChanges: 0 }, now).next).toBe('nothing is waiting');
    expect(describeSchedule(base, now).why).toMatch(/no backup relay/);
    expect(describeSchedule({ ...base, running: false }, now).next).toBe('once the wallet is unlocked');
  });

  it('durations read naturally', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(4 * 3600)).toBe('4 h');
    expect(formatDuration(3 * 3600 + 59 * 60 + 40)).toBe('4 h');
  });
});

import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Deadlined, VerdictDeadlines } from './verdict-deadlines';

/** Fake timers, and the clock the deadlines read: they import it from perf_hooks, and fake timers replace the global. */
function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  const fake = globalThis.performance;
  vi.spyOn(performance, 'now').mockImplementation(() => fake.now());
}

function share(name: string, told: string[]): Deadlined {
  return { deadline: 0, previous: undefined, next: undefined, overdue: () => told.push(name) };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('verdict deadlines', () => {
  it('tells each share left without a verdict once, when its own time is up, in the order forwarded', () => {
    useFakeClock();
    const told: string[] = [];
    const deadlines = new VerdictDeadlines(2000);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => share(name, told));
    deadlines.add(a!);
    vi.advanceTimersByTime(500);
    deadlines.add(b!);
    deadlines.add(c!);
    vi.advanceTimersByTime(1000);
    deadlines.add(d!);
    deadlines.remove(b!);
    vi.advanceTimersByTime(499);
    expect(told).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(told).toEqual(['a']);
    vi.advanceTimersByTime(499);
    expect(told).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(told).toEqual(['a', 'c']);
    vi.advanceTimersByTime(1000);
    expect(told).toEqual(['a', 'c', 'd']);
    expect(deadlines.size).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(told).toEqual(['a', 'c', 'd']);
  });

  it('waits for a thousand shares with one timer, and a verdict takes its share out wherever it is', () => {
    useFakeClock();
    const told: string[] = [];
    const deadlines = new VerdictDeadlines(2000);
    const shares = Array.from({ length: 1000 }, (_, i) => share(String(i), told));
    for (const s of shares) deadlines.add(s);
    expect(vi.getTimerCount()).toBe(1);
    // head, tail and middle, and one twice
    for (const i of [0, 999, 500, 500, ...Array.from({ length: 100 }, (_, k) => 100 + k)]) deadlines.remove(shares[i]!);
    expect(deadlines.size).toBe(1000 - 103);
    vi.advanceTimersByTime(2000);
    expect(told).toHaveLength(897);
    expect(told).not.toContain('0');
    expect(told).not.toContain('500');
    expect(told.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(deadlines.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps going when a share is added back after it was told', () => {
    useFakeClock();
    const told: string[] = [];
    const deadlines = new VerdictDeadlines(100);
    const a = share('a', told);
    deadlines.add(a);
    vi.advanceTimersByTime(100);
    deadlines.remove(a);
    deadlines.add(a);
    vi.advanceTimersByTime(100);
    expect(told).toEqual(['a', 'a']);
  });
});

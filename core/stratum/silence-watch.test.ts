import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkEveryMs, type SilenceChecked, unwatchSilence, watchedLinks, watchSilence } from './silence-watch';

function link(): SilenceChecked & { checks: number } {
  return {
    checks: 0,
    checkSilence() {
      this.checks++;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the silence watch', () => {
  it('checks a thousand links at one pace from one timer, and none once unwatched', () => {
    vi.useFakeTimers();
    const links = Array.from({ length: 1000 }, link);
    for (const l of links) watchSilence(l, 60_000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(checkEveryMs(60_000) * 3);
    expect(links.every((l) => l.checks === 3)).toBe(true);
    for (const l of links) unwatchSilence(l);
    expect(vi.getTimerCount()).toBe(0);
    expect(watchedLinks()).toBe(0);
    vi.advanceTimersByTime(checkEveryMs(60_000) * 3);
    expect(links.every((l) => l.checks === 3)).toBe(true);
  });

  it('keeps each pace: a link that must be checked often is not held to a slower one', () => {
    vi.useFakeTimers();
    const fast = link();
    const slow = link();
    watchSilence(fast, 400);
    watchSilence(slow, 60_000);
    vi.advanceTimersByTime(1000);
    expect(fast.checks).toBe(1000 / checkEveryMs(400));
    expect(slow.checks).toBe(1);
    unwatchSilence(fast);
    unwatchSilence(slow);
  });

  it('goes on with the other links when a check closes its own link', () => {
    vi.useFakeTimers();
    const others = [link(), link()];
    const closing: SilenceChecked = { checkSilence: () => unwatchSilence(closing) };
    watchSilence(others[0]!, 60_000);
    watchSilence(closing, 60_000);
    watchSilence(others[1]!, 60_000);
    vi.advanceTimersByTime(checkEveryMs(60_000));
    expect(others.map((l) => l.checks)).toEqual([1, 1]);
    expect(watchedLinks()).toBe(2);
    for (const l of others) unwatchSilence(l);
  });
});

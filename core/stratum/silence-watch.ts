/**
 * Every upstream link checks its pool for silence a few times per `silentMs`. The links that check at the same pace
 * share one timer: with a timer each, the 1,000 pool connections of 1,000 miners (one per miner on a Stratum V1 pool)
 * ran a thousand timer callbacks a second, each at its own moment, so many of them woke an idle proxy.
 */

export interface SilenceChecked {
  checkSilence(): void;
}

interface Pace {
  timer: NodeJS.Timeout;
  links: Set<SilenceChecked>;
}

const paces = new Map<number, Pace>();

/** How often a link whose pool may stay silent for `silentMs` is checked. */
export function checkEveryMs(silentMs: number): number {
  return Math.max(50, Math.min(1000, Math.round(silentMs / 4)));
}

function checkAll(links: Set<SilenceChecked>): void {
  // a check may close its link, which unwatches it: iterating a Set tolerates that
  for (const link of links) link.checkSilence();
}

/** Checks `link` every checkEveryMs(silentMs) until unwatchSilence; the timer never keeps the process alive. */
export function watchSilence(link: SilenceChecked, silentMs: number): void {
  const every = checkEveryMs(silentMs);
  let pace = paces.get(every);
  if (!pace) {
    const links = new Set<SilenceChecked>();
    pace = { timer: setInterval(checkAll, every, links).unref(), links };
    paces.set(every, pace);
  }
  pace.links.add(link);
}

/** Stops checking `link` (a closed one); a link not watched is left alone. */
export function unwatchSilence(link: SilenceChecked): void {
  for (const [every, pace] of paces) {
    if (!pace.links.delete(link)) continue;
    if (pace.links.size === 0) {
      clearInterval(pace.timer);
      paces.delete(every);
    }
    return;
  }
}

/** How many links are watched (for tests: a closed link must not stay watched). */
export function watchedLinks(): number {
  let count = 0;
  for (const pace of paces.values()) count += pace.links.size;
  return count;
}

/**
 * ISO 8601 times for the share events, two per share: Date#toISOString costs ~0.9 µs, more than most of a share's
 * own work. The part up to the second is made once a second and the milliseconds appended; the last time made is
 * kept, since a fleet's events come several to a millisecond (each string made anew was ~100 bytes to collect).
 */
let second = Number.NaN;
let prefix = '';
let lastMs = Number.NaN;
let last = '';

/** The same string as new Date(ms).toISOString() for an integer unix time in ms. */
export function isoTime(ms: number): string {
  if (ms === lastMs) return last;
  const s = Math.floor(ms / 1000);
  if (s !== second) {
    // toISOString throws outside its range (a bad stored time): so does this, through it
    prefix = new Date(s * 1000).toISOString().slice(0, 19);
    second = s;
  }
  const milli = ms - s * 1000;
  last = `${prefix}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  lastMs = ms;
  return last;
}

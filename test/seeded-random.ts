/**
 * xorshift32 (Marsaglia, 2003) for property and fuzz tests: the same numbers on every run, so a test that fails fails
 * again from its seed. Not for anything secret.
 */
export interface SeededRandom {
  /** the next 32-bit word, 0 to 2^32-1 */
  word(): number;
  /** an integer from 0 to n-1 */
  below(n: number): number;
  /** a number from 0 up to, not including, 1 */
  fraction(): number;
}

export function seededRandom(seed: number): SeededRandom {
  // xorshift never leaves 0
  let state = seed >>> 0 || 1;
  const word = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  return { word, below: (n) => word() % n, fraction: () => word() / 2 ** 32 };
}

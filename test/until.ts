type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Polls until `fn` returns something truthy and returns it; a timeout names what was awaited. */
export async function until<T>(fn: () => T | Promise<T>, what = 'a condition', timeoutMs = 10_000, intervalMs = 50): Promise<Truthy<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as Truthy<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

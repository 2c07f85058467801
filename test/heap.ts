import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The live heap after a full collection. Vitest workers run without --expose-gc, so `global.gc` is undefined there and a
 * plain heapUsed reading counts garbage that simply has not been collected yet; that made "bounded memory" depend on
 * when V8 last ran the collector.
 */
export function liveHeapBytes(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** The live heap and the memory of the ArrayBuffers it holds (kept outside it), after a full collection. */
export function liveMemoryBytes(): number {
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

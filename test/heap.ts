import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The live heap after a full collection. Vitest workers run without --expose-gc, so `global.gc` is undefined there and a
 * plain heapUsed reading counts garbage that simply has not been collected yet; that made "bounded memory" depend on
 * when V8 last ran the collector.
 */
export function liveHeapBytes(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

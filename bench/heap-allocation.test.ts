import { describe, expect, it } from 'vitest';
import { AllocationMeter } from './heap-allocation';

const ARRAYS = 5_000;
const DOUBLES = 1_000;

/** Arrays of doubles on the JS heap, `DOUBLES` 8-byte elements each, dropped as soon as they are made. */
function churn(): number {
  let sum = 0;
  for (let i = 0; i < ARRAYS; i++) sum += new Array<number>(DOUBLES).fill(i + 0.5)[DOUBLES - 1]!;
  return sum;
}

describe('AllocationMeter', () => {
  it('counts what the heap allocated across the collections it set off', () => {
    const meter = new AllocationMeter();
    meter.start();
    churn();
    const { bytes, youngCollections } = meter.stop();
    // ~40 MB of elements, more than a young generation holds: collected on the way, and still all counted
    expect(youngCollections).toBeGreaterThan(0);
    expect(bytes).toBeGreaterThan(ARRAYS * DOUBLES * 8);
    expect(bytes).toBeLessThan(ARRAYS * DOUBLES * 8 * 1.1);
  });

  it('counts nearly nothing while nothing is allocated, and must be started first', () => {
    const meter = new AllocationMeter();
    meter.start();
    const { bytes } = meter.stop();
    expect(bytes).toBeLessThan(64 * 1024);
    expect(() => meter.stop()).toThrow(/not started/);
  });
});

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ENGINE_NODE_FLAGS } from '../core/system/engine-flags';

/** Allocates ~200 MB with a share of it kept alive a while, and prints the largest young generation V8 grew meanwhile (MB). */
const ALLOCATE = `
const v8 = require('node:v8');
const kept = [];
let largest = 0;
for (let i = 0; i < 2e6; i++) {
  kept.push({ i, text: 'share ' + i, pair: [i, i + 1] });
  if (kept.length > 100000) kept.splice(0, 50000);
  if (i % 50000 === 0) largest = Math.max(largest, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
process.stdout.write(String(largest / 2 ** 20));`;

function largestYoungGenerationMb(flags: string[]): number {
  return Number(execFileSync(process.execPath, [...flags, '-e', ALLOCATE], { encoding: 'utf8' }));
}

describe('the engine process flags', () => {
  it("cap V8's young generation at 8 MB semi-spaces, where V8 alone grows it to 16 MB ones under the same allocation", () => {
    const flags = [...ENGINE_NODE_FLAGS];
    expect(flags).toContain('--max-semi-space-size=8');
    // new_space holds two semi-spaces
    expect(largestYoungGenerationMb(flags)).toBeLessThanOrEqual(2 * 8 + 1);
    expect(largestYoungGenerationMb([])).toBeGreaterThan(2 * 8 + 1);
  });
});

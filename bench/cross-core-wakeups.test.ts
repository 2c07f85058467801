import { describe, expect, it } from 'vitest';
import { crossCoreWakeUps, wakeUpInterrupts } from './cross-core-wakeups';

// excerpts of real /proc/interrupts files: a 2-core x86 VM (this project's bench machine) and a 4-core arm64 board
const X86 = `           CPU0       CPU1       
 24:          4          0  IO-APIC   5-edge      ACPI:Ged
NMI:          0          0   Non-maskable interrupts
LOC:   16508884   16839735   Local timer interrupts
RES:    5997619    5883692   Rescheduling interrupts
CAL:   50044451   49436602   Function call interrupts
TLB:     816453     813104   TLB shootdowns
ERR:          0
`;
const ARM64 = `           CPU0       CPU1       CPU2       CPU3       
 11:     123456     234567     345678     456789     GICv2  30 Level     arch_timer
IPI0:      1000       2000       3000       4000       Rescheduling interrupts
IPI1:       100        200        300        400       Function call interrupts
IPI2:         0          0          0          0       CPU stop interrupts
Err:          0
`;

describe('wakeUpInterrupts', () => {
  it('sums the rescheduling and function-call interrupts of every core', () => {
    expect(wakeUpInterrupts(X86)).toBe(5997619 + 5883692 + 50044451 + 49436602);
    expect(wakeUpInterrupts(ARM64)).toBe(10_000 + 1_000);
  });

  it('says nothing rather than a partial count when a kernel lists either not at all', () => {
    expect(wakeUpInterrupts(X86.replace(/^CAL:.*\n/m, ''))).toBeUndefined();
    expect(wakeUpInterrupts(ARM64.replace(/^IPI0:.*\n/m, ''))).toBeUndefined();
    expect(wakeUpInterrupts('')).toBeUndefined();
  });

  it('does not take the next column for a count when a line is cut short', () => {
    expect(wakeUpInterrupts(X86.replace('RES:    5997619    5883692', 'RES:    5997619'))).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('crossCoreWakeUps on Linux', () => {
  it("reads this machine's /proc/interrupts as a count", () => {
    expect(crossCoreWakeUps()).toBeGreaterThanOrEqual(0);
  });
});

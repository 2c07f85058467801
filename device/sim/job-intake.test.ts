/**
 * The firmware's intake of the pool's work, alone (stratum_v1_task.c at bitaxeorg/ESP-Miner 5c277131): what a
 * simulated Bitaxe mines, at which difficulty, and which notifies it ignores.
 */
import { describe, expect, it } from 'vitest';
import { notifyParams } from '../../lib/protocol/sv1/job';
import { JobIntake } from './job-intake';
import { sampleJob } from './testing/jobs';

describe('the firmware-like job intake', () => {
  it('mines each job at the difficulty set before its notify, not at one set after it', () => {
    const intake = new JobIntake();
    expect(intake.setDifficulty(8)).toBe(true);
    expect(intake.notify(notifyParams(sampleJob('a')))).toMatchObject({ kind: 'work', difficulty: 8 });
    intake.setDifficulty(16);
    expect(intake.difficulty).toBe(8);
    expect(intake.notify(notifyParams(sampleJob('b')))).toMatchObject({ kind: 'work', difficulty: 16 });
    expect(intake.jobs.map((j) => [j.job.jobId, j.difficulty])).toEqual([
      ['a', 8],
      ['b', 16],
    ]);
  });

  it('refuses a difficulty that is not a positive number and keeps the one it had', () => {
    const intake = new JobIntake();
    intake.setDifficulty(4);
    for (const bad of [0, -1, Number.NaN, '8', null]) expect(intake.setDifficulty(bad)).toBe(false);
    intake.notify(notifyParams(sampleJob('a')));
    expect(intake.difficulty).toBe(4);
  });

  it('says why a malformed notify is not taken, and mines on with what it had', () => {
    const intake = new JobIntake();
    intake.notify(notifyParams(sampleJob('a')));
    expect(intake.notify(['b'])).toEqual({ kind: 'invalid', error: 'mining.notify needs at least 8 params' });
    expect(intake.jobs.map((j) => j.job.jobId)).toEqual(['a']);
  });

  it('holds the last 16 job ids against duplicates; a clean notify or a new connection forgets them', () => {
    const intake = new JobIntake();
    for (let i = 0; i < 16; i++) intake.notify(notifyParams(sampleJob(`j${i}`)));
    expect(intake.notify(notifyParams(sampleJob('j0')))).toEqual({ kind: 'duplicate', jobId: 'j0' });
    intake.notify(notifyParams(sampleJob('j16')));
    // j0 fell out of the 16 held: taken again
    expect(intake.notify(notifyParams(sampleJob('j0')))).toMatchObject({ kind: 'work' });
    expect(intake.notify(notifyParams(sampleJob('j16', true)))).toMatchObject({ kind: 'work' });
    intake.newConnection();
    expect(intake.notify(notifyParams(sampleJob('j16')))).toMatchObject({ kind: 'work' });
  });
});

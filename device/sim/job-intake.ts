/**
 * What the firmware does with the pool's work (components/stratum/stratum_api.c, main/tasks/stratum_v1_task.c and
 * create_jobs_task): set_difficulty waits for the next notify; a notify whose job id it already holds is ignored, and a
 * clean one clears the held ids first, as a new connection does; the newest notify becomes the work, mined at the
 * difficulty in force when it came.
 */
import { type Sv1Job, parseNotify } from '../../lib/protocol/sv1/job';

const KEPT_JOBS = 64;
/** stratum_v1_task.c MAX_ACTIVE_JOB_IDS */
const KEPT_JOB_IDS = 16;

export type NotifyOutcome = { kind: 'work'; job: Sv1Job; difficulty: number } | { kind: 'duplicate'; jobId: string } | { kind: 'invalid'; error: string };

export class JobIntake {
  /** the jobs taken as work, oldest first, each with the difficulty the firmware mines it at */
  readonly jobs: Array<{ job: Sv1Job; difficulty: number }> = [];
  /** the difficulty of the current job */
  difficulty = 0;
  private pendingDifficulty = 0;
  private heldJobIds: string[] = [];

  newConnection(): void {
    this.heldJobIds = [];
  }

  /** mining.set_difficulty; false (and nothing changes) unless the value is a positive number */
  setDifficulty(value: unknown): boolean {
    if (typeof value !== 'number' || !(value > 0)) return false;
    this.pendingDifficulty = value;
    return true;
  }

  notify(params: unknown[]): NotifyOutcome {
    let job: Sv1Job;
    try {
      job = parseNotify(params);
    } catch (error) {
      return { kind: 'invalid', error: (error as Error).message };
    }
    if (job.cleanJobs) this.heldJobIds = [];
    if (this.heldJobIds.includes(job.jobId)) return { kind: 'duplicate', jobId: job.jobId };
    this.heldJobIds.push(job.jobId);
    if (this.heldJobIds.length > KEPT_JOB_IDS) this.heldJobIds.shift();
    this.difficulty = this.pendingDifficulty;
    this.jobs.push({ job, difficulty: this.difficulty });
    if (this.jobs.length > KEPT_JOBS) this.jobs.shift();
    return { kind: 'work', job, difficulty: this.difficulty };
  }
}

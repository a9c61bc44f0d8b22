import type { Job, Queue } from 'bullmq';
import { isTransientReason } from './failures.ts';

export type RedriveFilter = {
  /**
   * Only jobs whose failed reason contains this text (case-insensitive), whatever kind of failure
   * it was: the operator's choice, e.g. after a fix. Without it, only transient failures.
   */
  reason?: string;
  /** Only jobs that failed at or after this time. */
  since?: Date;
};

export type RedriveResult = {
  /** Jobs moved from the failed set back to `wait`. */
  retried: number;
  /** Jobs that matched but were no longer failed when their turn came (another re-drive, a Bull Board click). */
  skipped: number;
};

/** Which queue methods a re-drive needs (a Queue has them). */
export type RedriveQueue = Pick<Queue, 'getFailed' | 'getJobCountByTypes'>;

const PAGE = 500;

/**
 * Moves the failed jobs that match `filter` back to `wait`, with their attempts reset, each exactly
 * once: BullMQ's reprocess script moves a job only while it is in the failed set, atomically, so
 * concurrent re-drives (several processes recovering from the same outage, an operator's click)
 * never run a job twice. The jobs' effects are keyed besides.
 */
export async function redriveFailed(queue: RedriveQueue, filter: RedriveFilter = {}): Promise<RedriveResult> {
  const needle = filter.reason?.toLowerCase();
  const since = filter.since?.getTime();
  const matches = (job: Job) => {
    if (since !== undefined && (job.finishedOn ?? 0) < since) return false;
    return needle === undefined ? isTransientReason(job.failedReason) : (job.failedReason ?? '').toLowerCase().includes(needle);
  };
  let retried = 0;
  let skipped = 0;
  // One page in memory at a time (failed jobs keep their payloads). A job moved out of the set (by
  // us or a concurrent re-drive) lets the rest move up, so the next page starts that much earlier.
  // Jobs failing meanwhile push the pages down, which at worst shows a job twice (then skipped);
  // a job a concurrent re-drive moves before we reach its page may shift one of ours past us: the
  // next re-drive (each outage's end, each start) takes it.
  for (let start = 0; ; ) {
    const page = (await queue.getFailed(start, start + PAGE - 1)).filter(Boolean);
    let moved = 0;
    for (const job of page.filter(matches)) {
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried += 1;
        moved += 1;
      } catch (err) {
        // BullMQ's script codes (negative numbers): gone, locked, or not in the failed set any more.
        // Someone else moved it; anything else (Redis down) stops the re-drive.
        if (typeof (err as { code?: unknown }).code !== 'number') throw err;
        skipped += 1;
        moved += 1;
      }
    }
    // The failed set is ordered newest first: past `since`, nothing older can match.
    const oldest = page.at(-1)?.finishedOn;
    if (page.length < PAGE || (since !== undefined && oldest !== undefined && oldest < since)) break;
    start += page.length - moved;
  }
  return { retried, skipped };
}

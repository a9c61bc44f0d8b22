import type { Queue } from 'bullmq';

/** What {@link ensureJob} did. */
export type EnsureOutcome = 'added' | 'readded' | 'promoted' | 'present';

/**
 * Makes sure the job `jobId` will run: added when BullMQ does not know it; removed and added again
 * when it is kept as completed or failed (an add under a known id is a silent no-op); promoted
 * when `promote` is set and it is delayed; otherwise left alone (waiting or active).
 */
export async function ensureJob<D>(queue: Queue<D>, name: string, data: D, jobId: string, options: { promote?: boolean } = {}): Promise<EnsureOutcome> {
  const state = await queue.getJobState(jobId);
  if (state === 'completed' || state === 'failed') {
    await queue.remove(jobId);
    await queue.add(name as never, data as never, { jobId });
    return 'readded';
  }
  if (state === 'unknown') {
    await queue.add(name as never, data as never, { jobId });
    return 'added';
  }
  if (state === 'delayed' && options.promote) {
    const job = await queue.getJob(jobId);
    await job?.promote();
    return 'promoted';
  }
  return 'present';
}

import type { Queue } from 'bullmq';
import type { JobInput } from './catalog.ts';
import { addJob, idOf, type JobQueue, type PayloadKeyedJob } from './enqueue.ts';

/** What {@link ensureJob} did. */
export type EnsureOutcome = 'added' | 'readded' | 'promoted' | 'present';

/**
 * Makes sure the job `job` with `payload` will run: added when BullMQ does not know it; removed
 * and added again when it is kept as completed or failed (an add under a known id is a silent
 * no-op); promoted when `promote` is set and it is delayed; otherwise left alone (waiting or active).
 */
export async function ensureJob<K extends PayloadKeyedJob>(queue: JobQueue<K> & Pick<Queue, 'getJobState' | 'remove' | 'getJob'>, job: K, payload: JobInput<K>, options: { promote?: boolean } = {}): Promise<EnsureOutcome> {
  const jobId = idOf(job, payload, undefined);
  const state = await queue.getJobState(jobId);
  if (state === 'completed' || state === 'failed') {
    await queue.remove(jobId);
    await addJob(queue, job, payload, undefined);
    return 'readded';
  }
  if (state === 'unknown') {
    await addJob(queue, job, payload, undefined);
    return 'added';
  }
  if (state === 'delayed' && options.promote) {
    const found = await queue.getJob(jobId);
    await found?.promote();
    return 'promoted';
  }
  return 'present';
}

import type { Queue } from 'bullmq';
import { jobs, type JobInput, type JobKey, type JobOfQueue } from './catalog.ts';

/** The jobs a producer adds itself (the others come from a BullMQ job scheduler). */
export type EnqueueableJob = { [K in JobKey]: (typeof jobs)[K] extends { jobId: (...args: never[]) => string } ? K : never }[JobKey];

/** What tells two jobs of the same payload apart (a replay's time, a resend's number), per job. */
type Occasion<K extends EnqueueableJob> = (typeof jobs)[K]['jobId'] extends (payload: never, occasion: infer O) => string ? NonNullable<O> : never;

/** Per job: its occasion, and an optional delay (ms) before it may run. */
export type EnqueueOptions<K extends EnqueueableJob> = Occasion<K> & { delay?: number };

/** The options argument: optional when the job's id needs nothing but its payload. */
export type OptionsArg<K extends EnqueueableJob> = object extends Occasion<K> ? [options?: EnqueueOptions<K>] : [options: EnqueueOptions<K>];

/** The jobs whose id needs nothing but their payload. */
export type PayloadKeyedJob = { [K in EnqueueableJob]: object extends Occasion<K> ? K : never }[EnqueueableJob];

/** What producers need of a queue: a BullMQ `Queue` of the job's queue (typed for any of that queue's jobs) fits. */
export type JobQueue<K extends JobKey> = Pick<Queue<JobInput<JobOfQueue<(typeof jobs)[K]['queue']>>>, 'name' | 'add' | 'addBulk'>;

/** What of its payload a job's id is built from. */
type IdSource<K extends EnqueueableJob> = Parameters<(typeof jobs)[K]['jobId']>[0];

/** The BullMQ id of the job `job` with `payload` (see the catalog's `jobId` of each job). */
export function jobIdOf<K extends EnqueueableJob>(job: K, payload: IdSource<K>, ...[options]: OptionsArg<K>): string {
  return idOf(job, payload, options);
}

/** The id of a job from the catalog, unchecked: for this package's helpers, whose signatures check it. */
export function idOf(job: EnqueueableJob, payload: unknown, options: object | undefined): string {
  const build = (jobs[job] as { jobId?: (payload: unknown, occasion: object) => string }).jobId;
  if (!build) throw new Error(`job "${job}" is added by its job scheduler only`);
  return build(payload, options ?? {});
}

function target<K extends EnqueueableJob>(queue: JobQueue<K>, job: K): string {
  const def = jobs[job];
  // A queue of another job would take the job under a name its workers do not process.
  if (queue.name !== def.queue) throw new Error(`job "${job}" goes to queue "${def.queue}", not "${queue.name}"`);
  return def.name;
}

/**
 * Adds one job, named and identified by the catalog: adding the same job again (same payload and
 * occasion) is a no-op while BullMQ keeps it.
 */
export async function enqueue<K extends EnqueueableJob>(queue: JobQueue<K>, job: K, payload: JobInput<K>, ...[options]: OptionsArg<K>): Promise<string> {
  return addJob(queue, job, payload, options);
}

/** {@link enqueue}, unchecked: for this package's helpers, whose signatures check it. */
export async function addJob<K extends EnqueueableJob>(queue: JobQueue<K>, job: K, payload: JobInput<K>, options: { delay?: number } | undefined): Promise<string> {
  const name = target(queue, job);
  const jobId = idOf(job, payload, options);
  await queue.add(name as never, payload as never, { jobId, ...(options?.delay ? { delay: options.delay } : {}) });
  return jobId;
}

/** One job of {@link enqueueBulk}: its payload, and its occasion when its id needs one. */
export type BulkItem<K extends EnqueueableJob> = { payload: JobInput<K> } & (object extends Occasion<K> ? { options?: EnqueueOptions<K> } : { options: EnqueueOptions<K> });

/** {@link enqueue} for many jobs of one kind in one round trip (one `addBulk`). Returns their ids, in order. */
export async function enqueueBulk<K extends EnqueueableJob>(queue: JobQueue<K>, job: K, items: readonly BulkItem<K>[]): Promise<string[]> {
  if (items.length === 0) return [];
  const name = target(queue, job);
  const added = items.map((item) => {
    const options = item.options as EnqueueOptions<K> | undefined;
    const jobId = idOf(job, item.payload, options);
    return { name, data: item.payload, opts: { jobId, ...(options?.delay ? { delay: options.delay } : {}) } };
  });
  await queue.addBulk(added as never);
  return added.map((a) => a.opts.jobId);
}

/** Adds the first attempt's job of each new delivery (adding one twice is harmless). */
export async function enqueueDeliveries(queue: JobQueue<'delivery'>, deliveryIds: readonly string[]): Promise<void> {
  await enqueueBulk(queue, 'delivery', deliveryIds.map((deliveryId) => ({ payload: { deliveryId, attempt: 1 } })));
}

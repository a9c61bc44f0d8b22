import { Queue, Worker, UnrecoverableError, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { jobs, type JobKey, type JobPayload, type JobInput } from './catalog.ts';

export type QueueOptions = { connection: ConnectionOptions; prefix: string };

/** The BullMQ queue of a job type, with the catalog's defaults. */
export function createQueue<K extends JobKey>(key: K, options: QueueOptions): Queue<JobInput<K>> {
  const def = jobs[key];
  return new Queue<JobInput<K>>(def.queue, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: def.options,
  });
}

/** `token` is the worker's lock token, for processors that move their own job (e.g. back to delayed). */
export type Processor<K extends JobKey> = (payload: JobPayload<K>, job: Job, token?: string) => Promise<unknown>;

/**
 * A worker for one job type. The payload is parsed against the catalog's schema on dequeue:
 * a payload that can never be valid fails at once (UnrecoverableError), without retries.
 */
export function createWorker<K extends JobKey>(
  key: K,
  processor: Processor<K>,
  options: QueueOptions & { concurrency: number } & Partial<Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'>>,
): Worker {
  const def = jobs[key];
  const { connection, prefix, concurrency, ...rest } = options;
  return new Worker(
    def.queue,
    async (job: Job, token?: string) => {
      const parsed = def.schema.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(`invalid ${def.name} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      return processor(parsed.data as JobPayload<K>, job, token);
    },
    { connection, prefix, concurrency, ...rest },
  );
}

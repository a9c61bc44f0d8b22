import { DelayedError, Job, Queue, Worker, UnrecoverableError, type ConnectionOptions, type WorkerOptions } from 'bullmq';
import { jobs, jobsOfQueue, processorProblems, type JobKey, type JobOfQueue, type JobPayload, type JobInput, type QueueName } from './catalog.ts';
import { backoffDelay, classifyFailure, type Dependency } from './failures.ts';
import { createResilience, type Resilience } from './outage.ts';
import { redriveFailed } from './redrive.ts';

export type QueueOptions = { connection: ConnectionOptions; prefix: string };

/** The BullMQ queue of a job type, with the catalog's defaults. */
export function createQueue<K extends JobKey>(key: K, options: QueueOptions & { resilience?: Resilience }): Queue<JobInput<K>> {
  const def = jobs[key];
  const queue = new Queue<JobInput<K>>(def.queue, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: def.options,
  });
  // Without a listener, BullMQ prints every connection error of the queue as a raw stack.
  if (options.resilience) queue.on('error', options.resilience.onError(`${def.queue} queue`));
  return queue;
}

/** `token` is the worker's lock token, for processors that move their own job (e.g. back to delayed). */
export type Processor<K extends JobKey> = (payload: JobPayload<K>, job: Job, token?: string) => Promise<unknown>;

/** A queue's processors: one per job of the queue (the catalog's), so a missing one is a type error. */
export type QueueProcessors<Q extends QueueName> = { [K in JobOfQueue<Q>]: Processor<K> };

/**
 * The boot check of one process: the queues it consumes and the processors it declared for their
 * jobs. Every worker registers its queue's processors here; a job of a consumed queue with no
 * processor or with two (two workers on one queue), or a processor for a job that is not on the
 * queue, throws at start and the process refuses to run.
 */
export type ProcessorClaims = {
  claim(queue: string, jobs: readonly string[]): void;
};

export function createProcessorClaims(): ProcessorClaims {
  const declared = new Map<string, string[]>();
  return {
    claim(queue, keys) {
      const all = [...(declared.get(queue) ?? []), ...keys];
      const problems = processorProblems(queue, all);
      if (problems.length > 0) throw new Error(`refusing to start: ${problems.join('; ')}`);
      declared.set(queue, all);
    },
  };
}

export type WorkerExtraOptions = {
  concurrency: number;
  /** The process's boot check (see {@link ProcessorClaims}). */
  claims: ProcessorClaims;
  /**
   * The process's retry schedule and outage monitors (see `createResilience`). Without it the
   * worker still retries transient failures without end, on the default schedule, but logs nothing.
   */
  resilience?: Resilience;
  /**
   * Whether transient failures are retried without end (default true). A processor that keeps its
   * own retry schedule and attempt log (webhook deliveries) catches its errors, or sets this to false.
   */
  retryTransient?: boolean;
};

/** One processor per job type, for job types sharing a queue. */
export type Processors<K extends JobKey> = { [P in K]: Processor<P> };

export type CreateWorkerOptions = QueueOptions & WorkerExtraOptions & Partial<Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'>>;

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * A worker for one queue, with a processor for each of its jobs (claimed in `claims`: see
 * {@link ProcessorClaims}). A job runs the processor of its name; its payload is parsed against
 * the catalog's schema on dequeue: a payload that can never be valid, or a job name the queue
 * does not have, fails at once (UnrecoverableError), without retries.
 *
 * Failures are told apart (`classifyFailure`). A transient one (Postgres or Redis unreachable, a
 * provider's 5xx or timeout) never spends an attempt: the job goes back to the delayed set with
 * `moveToDelayed` + `DelayedError`, after the base delay doubling with each such retry up to the
 * cap, for as long as the outage lasts. While a dependency with a probe (Postgres) is down, the
 * worker pauses; when it is back, the worker resumes, runs its deferred jobs at once and re-drives
 * the jobs of its queue that sit in the failed set for a transient reason (also done once at
 * start, for jobs failed before this existed). Only permanent failures and errors that outlive
 * their bounded attempts (the catalog's `attempts`, on the same capped schedule) reach the failed set.
 */
export function createWorker<Q extends QueueName>(
  queueName: Q,
  processors: QueueProcessors<Q>,
  options: QueueOptions & WorkerExtraOptions & Partial<Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'>>,
): Worker {
  const { connection, prefix, concurrency, claims, resilience: given, retryTransient = true, settings, ...rest } = options;
  claims.claim(queueName, Object.keys(processors));
  const byName = new Map<string, { def: (typeof jobs)[JobKey]; run: Processor<JobKey> }>(
    jobsOfQueue(queueName).map((key) => [jobs[key].name, { def: jobs[key], run: (processors as Record<string, Processor<JobKey>>)[key]! }]),
  );
  const resilience = given ?? createResilience({ logger: silent });
  const log = resilience.logger;
  const deferred = new Set<string>();
  // Dependencies without a probe (providers) are back when one of this worker's jobs succeeds again.
  const unprobed = new Set<Dependency>();

  const worker = new Worker(
    queueName,
    async (job: Job, token?: string) => {
      const handler = byName.get(job.name);
      if (!handler) throw new UnrecoverableError(`no job "${job.name}" on queue ${queueName}`);
      const parsed = handler.def.schema.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(`invalid ${handler.def.name} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      try {
        const result = await handler.run(parsed.data as JobPayload<JobKey>, job, token);
        for (const dependency of unprobed) resilience.monitor(dependency).recovered();
        unprobed.clear();
        return result;
      } catch (err) {
        const failure = classifyFailure(err);
        if (failure.kind !== 'transient' || !retryTransient || !token || !job.id) throw err;
        const monitor = resilience.monitor(failure.dependency);
        monitor.failed(failure.code);
        monitor.held(`${queueName}:${job.id}`);
        if (failure.dependency !== 'postgres' && failure.dependency !== 'redis') unprobed.add(failure.dependency);
        // attemptsStarted counts every start, attemptsMade only the attempts spent: the difference
        // is how many times in a row this job met an outage.
        const delay = backoffDelay(Math.max(1, job.attemptsStarted - job.attemptsMade), resilience.backoff);
        await job.moveToDelayed(Date.now() + delay, token);
        deferred.add(job.id);
        throw new DelayedError(`${failure.dependency} unavailable (${failure.code}): retry in ${delay} ms`);
      }
    },
    {
      connection,
      prefix,
      concurrency,
      // The catalog's `capped` backoff (bounded attempts for errors that are not transient) follows the same schedule.
      settings: { ...settings, backoffStrategy: settings?.backoffStrategy ?? ((attemptsMade: number) => backoffDelay(attemptsMade, resilience.backoff)) },
      ...rest,
    },
  );
  worker.on('error', resilience.onError(`${queueName} worker`));

  // Shares the worker's connection; used to re-drive failed jobs and to count the backlog.
  const queue = new Queue(queueName, { connection, prefix });
  queue.on('error', resilience.onError(`${queueName} queue`));

  const redrive = async () => {
    const { retried, skipped } = await redriveFailed(queue);
    if (retried > 0 || skipped > 0) log.info('re-drove jobs that had failed for a transient reason', { queue: queueName, retried, skipped });
  };
  const unregister = resilience.register({
    pause: () => worker.pause(true),
    resume: () => worker.resume(),
    backlog: () => queue.getJobCountByTypes('waiting', 'delayed', 'prioritized'),
    async catchUp() {
      // Deferred jobs would otherwise wait out their delay (up to the cap) after the dependency is back.
      const ids = [...deferred];
      deferred.clear();
      for (const id of ids) {
        const job = await Job.fromId(queue, id);
        if (job && (await job.isDelayed())) await job.promote().catch(() => undefined /* ran or moved meanwhile: nothing to promote */);
      }
      await redrive();
    },
  });
  void worker
    .waitUntilReady()
    .then(redrive)
    .catch((err: Error) => log.debug('start-up re-drive failed', { queue: queueName, error: err.message }));
  worker.once('closed', () => {
    unregister();
    void queue.close().catch(() => undefined);
  });
  return worker;
}

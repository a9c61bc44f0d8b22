import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '@switchboard/config';
import { createDb, pingPostgres, type Db } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createWorkerMetrics, startMetricsServer, type MetricsServer, type WorkerMetrics } from '@switchboard/metrics';
import {
  createProcessorClaims,
  createQueue,
  createRedis,
  createResilience,
  createWorker,
  type JobInput,
  type JobKey,
  type QueueName,
  type QueueProcessors,
  type Resilience,
  type WorkerExtraOptions,
} from '@switchboard/queues';
import type { Queue, WorkerOptions } from 'bullmq';
import { createShutdown } from './shutdown.ts';

/** The settings every worker process shares. */
export type WorkerProcessConfig = Pick<Config, 'redis' | 'database' | 'metrics' | 'shutdownTimeoutMs'> & { workers: Pick<Config['workers'], 'backoff'> };

/** Options of one worker: BullMQ's, less what the process provides; `label` names its metrics and log lines. */
export type ProcessWorkerOptions = {
  label: string;
  concurrency: number;
  retryTransient?: WorkerExtraOptions['retryTransient'];
  /** Each completed job's return value (for a metric of outcomes). */
  onCompleted?: (returnvalue: unknown) => void;
} & Partial<Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'>>;

/** What a worker process's setup gets: its connections and the means to add queues, workers and steps. */
export type WorkerProcess = {
  redis: Redis;
  db: Db;
  resilience: Resilience;
  metrics: WorkerMetrics;
  /** A queue to produce to (or to watch), closed at shutdown after the workers. */
  queue<K extends JobKey>(key: K): Queue<JobInput<K>>;
  /** A worker on `queue` with a processor per job (the boot check claims them); instrumented, failures logged, closed first. */
  worker<Q extends QueueName>(queue: Q, processors: QueueProcessors<Q>, options: ProcessWorkerOptions): Worker;
  /** Work of the process's own (a sweeper, a timer, a client): stopped with the workers, after them, in the order added. */
  onStop(name: string, stop: () => Promise<unknown> | unknown): void;
};

/** A running worker process. */
export type WorkerService = {
  /** `http://host:port/metrics` when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
};

type Step = { name: string; run: () => Promise<unknown> | unknown };

/**
 * The wiring the listener, interpreter and dispatcher share, written once: Redis, the database
 * pool, the outage monitor (Postgres probed; while it is down the workers pause), the metrics,
 * then `setup` adds the process's queues and workers; the workers' processors are checked against
 * the job catalog before any runs (see `ProcessorClaims`), and the metrics server starts once the
 * workers are ready. Each resource's close is its own shutdown step, bounded by one deadline:
 * metrics server, workers, the process's own steps, outage monitor, queues, Redis, Postgres. A
 * setup that throws closes what it opened and rethrows.
 */
export async function startWorkerProcess(
  options: { name: string; config: WorkerProcessConfig; logger: Logger; poolSize: number },
  setup: (process: WorkerProcess) => Promise<Record<string, unknown>> | Record<string, unknown>,
): Promise<WorkerService> {
  const { name, config, logger } = options;
  const redis = createRedis(config.redis.url, 'worker', name);
  // Outages are logged as a few lines each (down, summaries, back).
  const resilience = createResilience({ logger, backoff: config.workers.backoff, probes: { postgres: () => pingPostgres(db) }, redisSilenceLimitMs: config.redis.silenceLimitMs });
  resilience.watchRedis(redis, name);
  const db = createDb({ url: config.database.url, poolSize: options.poolSize, applicationName: `switchboard-${name}`, onError: resilience.onError('postgres connection', 'postgres') });
  const metrics = createWorkerMetrics(name);
  const claims = createProcessorClaims();
  const workers: Worker[] = [];
  const own: Step[] = [];
  const queues: Queue[] = [];
  let metricsServer: MetricsServer | undefined;

  const proc: WorkerProcess = {
    redis,
    db,
    resilience,
    metrics,
    queue(key) {
      const queue = createQueue(key, { connection: redis, prefix: config.redis.prefix, resilience });
      queues.push(queue as Queue);
      return queue;
    },
    worker(queue, processors, { label, onCompleted, ...workerOptions }) {
      const worker = createWorker(queue, processors, { connection: redis, prefix: config.redis.prefix, resilience, claims, ...workerOptions });
      workers.push(worker);
      worker.on('failed', (job, err) => logger.warn(`${label} job failed`, { jobId: job?.id, attempt: job?.attemptsMade, error: err.message }));
      metrics.instrumentWorker(worker, label, onCompleted);
      return worker;
    },
    onStop(stepName, stop) {
      own.push({ name: stepName, run: stop });
    },
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
      const steps: Step[] = [
        ...(metricsServer ? [{ name: 'metrics server', run: () => metricsServer!.close() }] : []),
        // Stop taking jobs and let the ones in flight finish.
        ...workers.map((w) => ({ name: `${w.name} worker`, run: () => w.close() })),
        ...own,
        { name: 'outage monitor', run: () => resilience.close() },
        ...queues.map((q) => ({ name: `${q.name} queue`, run: () => q.close() })),
        { name: 'redis', run: () => redis.disconnect() },
        { name: 'postgres', run: () => db.$disconnect() },
      ];
      for (const step of steps) shutdown.add(step.name, step.run);
      await shutdown.run(`${name} closing`);
    })();
    return closing;
  };

  try {
    const started = await setup(proc);
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    if (config.metrics.port !== undefined) metricsServer = await startMetricsServer({ port: config.metrics.port, host: config.metrics.host, registry: metrics.registry });
    logger.info(`${name} started`, { ...started, metricsPort: metricsServer?.port });
  } catch (err) {
    await close();
    throw err;
  }
  return { metricsUrl: metricsServer ? `http://${config.metrics.host}:${metricsServer.port}/metrics` : undefined, close };
}

import type { Config } from '@switchboard/config';
import { createDb, enqueuePendingDeliveries } from '@switchboard/db';
import { createClassifier } from '@switchboard/intent';
import type { Logger } from '@switchboard/logger';
import { createQueue, createRedis, createResilience, createWorker, jobs } from '@switchboard/queues';
import { createInterpretProcessor } from './interpret.processor.ts';
import { classifierOptions } from './classifier-options.ts';

export type InterpreterService = { close(): Promise<void> };

/** How often the outbox sweeper looks for deliveries whose job was never added. */
const SWEEP_INTERVAL_MS = 10_000;

/** Starts the interpreter worker on the interpret queue. */
export async function startInterpreter(config: Config, logger: Logger): Promise<InterpreterService> {
  const redis = createRedis(config.redis.url, 'worker', 'interpreter');
  // Outages are logged as a few lines each (down, summaries, back); while Postgres is down the worker pauses.
  const resilience = createResilience({ logger, backoff: config.workers.backoff, probes: { postgres: () => db.$queryRaw`SELECT 1` } });
  resilience.watchRedis(redis, 'interpreter');
  const db = createDb({ url: config.database.url, poolSize: 4, applicationName: 'switchboard-interpreter', onError: resilience.onError('postgres connection', 'postgres') });
  const classifier = createClassifier(classifierOptions(config));
  const deliveryQueue = createQueue('delivery', { connection: redis, prefix: config.redis.prefix, resilience });
  const processor = createInterpretProcessor({
    db,
    classifier,
    deliveryQueue,
    logger,
    batchSize: Math.min(config.workers.interpreterConcurrency, 200),
    attributionWindowMs: config.campaigns.attributionWindowMs,
  });
  const worker = createWorker('interpret', (payload) => processor(payload), {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.workers.interpreterConcurrency,
    // A crashed worker's jobs are taken back once their lock expires and the stalled check sees it.
    lockDuration: config.workers.stalledIntervalMs,
    stalledInterval: config.workers.stalledIntervalMs,
    resilience,
  });
  worker.on('failed', (job, err) => logger.warn('interpret job failed', { jobId: job?.id, attempt: job?.attemptsMade, error: err.message }));
  await worker.waitUntilReady();
  logger.info('interpreter started', { concurrency: config.workers.interpreterConcurrency, classifier: classifier.name });

  // The outbox sweeper: a worker that died between a commit and its enqueue leaves pending
  // deliveries without a job; any interpreter adds them (job id = delivery id, so twice is harmless).
  let sweeping: Promise<unknown> | undefined;
  const sweeper = setInterval(() => {
    sweeping ??= enqueuePendingDeliveries(db, deliveryQueue, { jobName: jobs.delivery.name })
      .then((added) => {
        if (added > 0) logger.debug('outbox sweep', { added });
      })
      // An outage is the monitor's to report, once; anything else is logged as an error.
      .catch(resilience.onError('outbox sweep', 'postgres'))
      .finally(() => {
        sweeping = undefined;
      });
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        await worker.close();
        resilience.close();
        await sweeping;
        await deliveryQueue.close();
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}

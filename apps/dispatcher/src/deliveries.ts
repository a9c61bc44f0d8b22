import { readFileSync } from 'node:fs';
import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import type { WorkerMetrics } from '@switchboard/metrics';
import { createWebhookClient, type Resolver } from '@switchboard/outbound';
import { createWorker, type JobInput, type Resilience } from '@switchboard/queues';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createDeliveryProcessor } from './delivery.processor.ts';
import { createEndpointLimiter } from './endpoint-limiter.ts';
import { startSweeper } from './sweeper.ts';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';

/** `User-Agent` of every webhook request. */
export const USER_AGENT = `Switchboard/${version}`;

export type DeliveriesOptions = {
  redis: Redis;
  queue: Queue<JobInput<'delivery'>>;
  resolver?: Resolver;
  /** The process's outage monitor: Postgres or Redis down defers a delivery without spending an attempt. */
  resilience?: Resilience;
  /** The process's metrics: job durations, attempt latencies and failures. */
  metrics?: WorkerMetrics;
};

/** The webhook delivery worker and the outbox sweeper of the dispatcher. */
export async function startDeliveries(config: Config, logger: Logger, options: DeliveriesOptions): Promise<{ close(): Promise<void> }> {
  // A pool of its own, sized for its worker: an attempt is a few short queries around one HTTP call.
  const db = createDb({
    url: withoutSyncCommit(config.database.url),
    poolSize: Math.min(10, Math.max(2, Math.ceil(config.workers.dispatcherConcurrency / 4))),
    applicationName: 'switchboard-dispatcher-webhooks',
    ...(options.resilience ? { onError: options.resilience.onError('postgres connection', 'postgres') } : {}),
  });
  const client = createWebhookClient({
    enforce: config.production,
    allowlist: config.outbound.allowlist,
    timeoutMs: config.outbound.timeoutMs,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
  const processor = createDeliveryProcessor({
    db,
    client,
    queue: options.queue,
    limiter: createEndpointLimiter(config.outbound.endpointConcurrency),
    logger,
    retryBaseMs: config.outbound.retryBaseMs,
    timeoutMs: config.outbound.timeoutMs,
    userAgent: USER_AGENT,
    onAttempt: (a) => options.metrics?.delivery(a.outcome, a.durationMs / 1000, a.status),
  });
  const worker = createWorker('delivery', processor, {
    connection: options.redis,
    prefix: config.redis.prefix,
    resilience: options.resilience,
    concurrency: config.workers.dispatcherConcurrency,
    lockDuration: Math.max(config.workers.stalledIntervalMs, config.outbound.timeoutMs + 5_000),
    stalledInterval: config.workers.stalledIntervalMs,
  });
  options.metrics?.instrumentWorker(worker, 'delivery');
  worker.on('failed', (job, err) => logger.warn('delivery job failed', { jobId: job?.id, error: err.message }));
  await worker.waitUntilReady();
  // A row due for less than one interval is left to the next sweep: its job is most likely on its way.
  const sweeper = startSweeper({ db, queue: options.queue, logger, intervalMs: config.outbound.sweepIntervalMs, graceMs: config.outbound.sweepIntervalMs,
    ...(options.resilience ? { onError: options.resilience.onError('outbox sweep', 'postgres') } : {}),
  });
  logger.info('webhook deliveries started', { concurrency: config.workers.dispatcherConcurrency, perEndpoint: config.outbound.endpointConcurrency });
  return {
    async close() {
      await sweeper.close();
      await worker.close();
      await client.close();
      await db.$disconnect();
    },
  };
}

/**
 * The deliveries' connections commit without waiting for the WAL flush (synchronous_commit=off):
 * two commits per attempt (its claim, its record) would otherwise each wait for an fsync, which
 * is most of an attempt's cost. What a Postgres crash can lose is the last few hundred ms of them,
 * and either loss means only that an attempt is made again, with the same webhook-id: the
 * at-least-once the receivers are told to expect. The outbox rows themselves are written by the
 * workers, with the default full durability.
 */
function withoutSyncCommit(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const options = url.searchParams.get('options');
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c synchronous_commit=off`);
  return url.toString();
}

import { readFileSync } from 'node:fs';
import type { Config } from '@switchboard/config';
import type { Db } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createWebhookClient, type Resolver } from '@switchboard/outbound';
import { createWorker, type JobInput } from '@switchboard/queues';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createDeliveryProcessor } from './delivery.processor.ts';
import { createEndpointLimiter } from './endpoint-limiter.ts';
import { startSweeper } from './sweeper.ts';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';

/** `User-Agent` of every webhook request. */
export const USER_AGENT = `Switchboard/${version}`;

export type DeliveriesOptions = { redis: Redis; db: Db; queue: Queue<JobInput<'delivery'>>; resolver?: Resolver };

/** The webhook delivery worker and the outbox sweeper of the dispatcher. */
export async function startDeliveries(config: Config, logger: Logger, options: DeliveriesOptions): Promise<{ close(): Promise<void> }> {
  const client = createWebhookClient({
    enforce: config.production,
    allowlist: config.outbound.allowlist,
    timeoutMs: config.outbound.timeoutMs,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
  const processor = createDeliveryProcessor({
    db: options.db,
    client,
    queue: options.queue,
    limiter: createEndpointLimiter(config.outbound.endpointConcurrency),
    logger,
    retryBaseMs: config.outbound.retryBaseMs,
    timeoutMs: config.outbound.timeoutMs,
    userAgent: USER_AGENT,
  });
  const worker = createWorker('delivery', processor, {
    connection: options.redis,
    prefix: config.redis.prefix,
    concurrency: config.workers.dispatcherConcurrency,
    lockDuration: Math.max(config.workers.stalledIntervalMs, config.outbound.timeoutMs + 5_000),
    stalledInterval: config.workers.stalledIntervalMs,
  });
  worker.on('failed', (job, err) => logger.warn('delivery job failed', { jobId: job?.id, error: err.message }));
  worker.on('error', (err) => logger.error('delivery worker error', { error: err.message }));
  await worker.waitUntilReady();
  const sweeper = startSweeper({ db: options.db, queue: options.queue, logger, intervalMs: config.outbound.sweepIntervalMs });
  logger.info('webhook deliveries started', { concurrency: config.workers.dispatcherConcurrency, perEndpoint: config.outbound.endpointConcurrency });
  return {
    async close() {
      await sweeper.close();
      await worker.close();
      await client.close();
    },
  };
}

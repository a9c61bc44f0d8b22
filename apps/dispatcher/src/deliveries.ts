import { readFileSync } from 'node:fs';
import type { AppConfig } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { WorkerProcess } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
import { createWebhookClient, type Resolver } from '@switchboard/outbound';
import type { JobInput } from '@switchboard/queues';
import type { Queue } from 'bullmq';
import { createDeliveryProcessor } from './delivery.processor.ts';
import { createEndpointLimiter } from './endpoint-limiter.ts';
import { startSweeper } from './sweeper.ts';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';

/** `User-Agent` of every webhook request. */
export const USER_AGENT = `Switchboard/${version}`;

export type DeliveriesOptions = {
  /** The dispatcher process: its outage monitor (Postgres or Redis down defers a delivery without spending an attempt), metrics and shutdown steps. */
  proc: WorkerProcess;
  queue: Queue<JobInput<'delivery'>>;
  resolver?: Resolver;
};

/** The webhook delivery worker and the outbox sweeper of the dispatcher, stopped with the process. */
export function startDeliveries(config: AppConfig<'dispatcher'>, logger: Logger, options: DeliveriesOptions): void {
  const { proc } = options;
  // A pool of its own, sized for its worker: an attempt is a few short queries around one HTTP call.
  const db = createDb({
    url: withoutSyncCommit(config.database.url),
    poolSize: Math.min(10, Math.max(2, Math.ceil(config.dispatcher.concurrency / 4))),
    applicationName: 'switchboard-dispatcher-webhooks',
    onError: proc.resilience.onError('postgres connection', 'postgres'),
  });
  const client = createWebhookClient({
    enforce: config.production,
    allowlist: config.dispatcher.outbound.allowlist,
    timeoutMs: config.dispatcher.outbound.timeoutMs,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
  const processor = createDeliveryProcessor({
    db,
    client,
    queue: options.queue,
    limiter: createEndpointLimiter(config.dispatcher.outbound.endpointConcurrency),
    logger,
    retryBaseMs: config.dispatcher.outbound.retryBaseMs,
    timeoutMs: config.dispatcher.outbound.timeoutMs,
    userAgent: USER_AGENT,
    onAttempt: (a) => proc.metrics.delivery(a.outcome, a.durationMs / 1000, a.status),
  });
  proc.worker('deliveries', { delivery: processor }, {
    label: 'delivery',
    concurrency: config.dispatcher.concurrency,
    lockDuration: Math.max(config.workers.stalledIntervalMs, config.dispatcher.outbound.timeoutMs + 5_000),
    stalledInterval: config.workers.stalledIntervalMs,
  });
  // A row due for less than one interval is left to the next sweep: its job is most likely on its way.
  const sweeper = startSweeper({ db, queue: options.queue, logger, intervalMs: config.dispatcher.outbound.sweepIntervalMs, graceMs: config.dispatcher.outbound.sweepIntervalMs,
    onError: proc.resilience.onError('outbox sweep', 'postgres'),
  });
  proc.onStop('outbox sweeper', () => sweeper.close());
  proc.onStop('webhook client', () => client.close());
  proc.onStop('webhook deliveries database', () => db.$disconnect());
  logger.info('webhook deliveries started', { concurrency: config.dispatcher.concurrency, perEndpoint: config.dispatcher.outbound.endpointConcurrency });
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

import type { AppConfig } from '@switchboard/config';
import { startWorkerProcess, type WorkerService } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
import { jobs, SILENCE_SCHEDULER_ID } from '@switchboard/queues';
import { startCampaignSender } from './campaign-sender.ts';
import { startDeliveries, type DeliveriesOptions } from './deliveries.ts';
import { silenceProcessor } from './silence.processor.ts';

export type DispatcherService = WorkerService;

/**
 * The dispatcher: outbound webhook deliveries (worker and outbox sweeper, see deliveries.ts),
 * campaign sends (see campaign-sender.ts) and the sources' silence alerts.
 */
export type DispatcherOptions = Pick<DeliveriesOptions, 'resolver'> & {
  /** The clock of silence alerts (tests inject one). */
  now?: () => Date;
};

export async function startDispatcher(config: AppConfig<'dispatcher'>, logger: Logger, options: DispatcherOptions = {}): Promise<DispatcherService> {
  const { now = () => new Date(), ...deliveryOptions } = options;
  // Each campaign send is two short transactions (claim, then store the SID): a pool of 2 would
  // serialize the sends in flight.
  const poolSize = Math.min(config.dispatcher.concurrency, 10);
  return startWorkerProcess({ name: 'dispatcher', config, logger, poolSize }, async (proc) => {
    const deliveries = proc.queue('delivery');
    const sends = proc.queue('send');
    await Promise.all([deliveries.waitUntilReady(), sends.waitUntilReady(), proc.db.$queryRaw`SELECT 1`]);
    proc.metrics.watchQueues([deliveries, sends]);
    startDeliveries(config, logger, { proc, queue: deliveries, ...deliveryOptions });
    // Silence alerts: one scheduler for all dispatchers (upserted under one id), one job at a time.
    const alerts = proc.queue('silence');
    await alerts.upsertJobScheduler(SILENCE_SCHEDULER_ID, { every: config.dispatcher.outbound.silenceCheckIntervalMs }, { name: jobs.silence.name, data: {}, opts: jobs.silence.options });
    proc.worker('alerts', { silence: silenceProcessor({ db: proc.db, redis: proc.redis, prefix: config.redis.prefix, deliveryQueue: deliveries, logger, now }) }, { label: 'silence', concurrency: 1 });
    startCampaignSender({ config, logger, proc, deliveryQueue: deliveries });
    return {};
  });
}

import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createQueue, createRedis } from '@switchboard/queues';
import { startCampaignSender } from './campaign-sender.ts';

export type DispatcherService = { close(): Promise<void> };

/**
 * The dispatcher: outbound webhook deliveries and campaign sends. For now it boots, connects to
 * Redis and Postgres, and shuts down cleanly; its workers come with the outbound issue.
 */
export async function startDispatcher(config: Config, logger: Logger): Promise<DispatcherService> {
  const redis = createRedis(config.redis.url, 'worker', 'dispatcher');
  redis.on('error', (err) => logger.debug('redis connection error', { error: err.message }));
  // Each campaign send is two short transactions (claim, then store the SID): a pool of 2 would
  // serialize the sends in flight.
  const db = createDb({ url: config.database.url, poolSize: Math.min(config.workers.dispatcherConcurrency, 10), applicationName: 'switchboard-dispatcher' });
  const deliveries = createQueue('delivery', { connection: redis, prefix: config.redis.prefix });
  const sends = createQueue('send', { connection: redis, prefix: config.redis.prefix });
  await Promise.all([deliveries.waitUntilReady(), sends.waitUntilReady(), db.$queryRaw`SELECT 1`]);
  const campaignSender = await startCampaignSender({ config, logger, redis, db, deliveryQueue: deliveries });
  logger.info('dispatcher started');
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await campaignSender?.close();
        await Promise.all([deliveries.close(), sends.close()]);
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}

import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createQueue, createRedis } from '@switchboard/queues';
import { startDeliveries, type DeliveriesOptions } from './deliveries.ts';

export type DispatcherService = { close(): Promise<void> };

/**
 * The dispatcher: outbound webhook deliveries and campaign sends. For now it boots, connects to
 * Redis and Postgres, runs the webhook deliveries (worker and outbox sweeper), and shuts down cleanly.
 */
export async function startDispatcher(config: Config, logger: Logger, options: Pick<DeliveriesOptions, 'resolver'> = {}): Promise<DispatcherService> {
  const redis = createRedis(config.redis.url, 'worker', 'dispatcher');
  redis.on('error', (err) => logger.debug('redis connection error', { error: err.message }));
  const db = createDb({ url: config.database.url, poolSize: 2, applicationName: 'switchboard-dispatcher' });
  const deliveries = createQueue('delivery', { connection: redis, prefix: config.redis.prefix });
  const sends = createQueue('send', { connection: redis, prefix: config.redis.prefix });
  await Promise.all([deliveries.waitUntilReady(), sends.waitUntilReady(), db.$queryRaw`SELECT 1`]);
  const webhooks = await startDeliveries(config, logger, { redis, queue: deliveries, ...options });
  logger.info('dispatcher started');
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await webhooks.close();
        await Promise.all([deliveries.close(), sends.close()]);
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}

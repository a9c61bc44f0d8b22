import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createQueue, createRedis, jobs, type JobKey } from '@switchboard/queues';
import { createConsoleApp } from './app.ts';

export type ConsoleService = { url: string; adminToken: string; close(): Promise<void> };

/**
 * Starts the console. Without ADMIN_TOKEN (refused in production by the config), a random token is
 * made for this run and printed once on the terminal: there is no default password.
 */
export async function startConsole(config: Config, logger: Logger): Promise<ConsoleService> {
  let adminToken = config.console.adminToken;
  if (!adminToken) {
    adminToken = randomBytes(24).toString('base64url');
    process.stdout.write(`\nconsole: no ADMIN_TOKEN set; this run's token is ${adminToken}\n\n`);
  }
  const redis = createRedis(config.redis.url, 'worker', 'console');
  redis.on('error', (err) => logger.debug('redis connection error', { error: err.message }));
  // Sessions, the login limiter and replays fail fast when Redis is down instead of hanging the request.
  const fastRedis = createRedis(config.redis.url, 'producer', 'console-fast');
  fastRedis.on('error', (err) => logger.debug('redis connection error', { error: err.message }));
  // It queues nothing while disconnected, so give it a moment to connect: the first login would fail otherwise.
  // Redis down at start does not stop the console (bearer reads still work); it connects when Redis is back.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      logger.warn('redis not reachable yet; sessions and replays are unavailable until it is');
      resolve();
    }, 5_000);
    fastRedis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const db = createDb({ url: config.database.url, poolSize: 4, applicationName: 'switchboard-console' });
  const queues = (Object.keys(jobs) as JobKey[]).map((key) => createQueue(key, { connection: redis, prefix: config.redis.prefix }));
  const inboundQueue = createQueue('inbound', { connection: fastRedis, prefix: config.redis.prefix });
  const deliveryQueue = createQueue('delivery', { connection: fastRedis, prefix: config.redis.prefix });
  const app = createConsoleApp({
    adminToken,
    db,
    queues,
    inboundQueue,
    deliveryQueue,
    redis: fastRedis,
    prefix: config.redis.prefix,
    logDir: config.log.dir,
    trustProxy: config.ingest.trustProxy,
    logger,
  });
  const server = app.listen(config.console.port, config.console.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.console.host}:${port}`;
  logger.info('console listening', { url });
  let closing: Promise<void> | undefined;
  return {
    url,
    adminToken,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await Promise.all([...queues, inboundQueue, deliveryQueue].map((q) => q.close()));
        redis.disconnect();
        fastRedis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}

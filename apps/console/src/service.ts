import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '@switchboard/config';
import { createDb, pingPostgres } from '@switchboard/db';
import { answerClientErrorsAsJson } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
import { createQueue, createRedis, createResilience, queueKeys } from '@switchboard/queues';
import { createConsoleApp } from './app.ts';

export type ConsoleService = { url: string; adminToken: string; close(): Promise<void> };

/**
 * Starts the console. Without ADMIN_TOKEN (refused in production by the config), a random token is
 * made for this run and printed once on the terminal: there is no default password.
 */
export async function startConsole(config: AppConfig<'console'>, logger: Logger): Promise<ConsoleService> {
  let adminToken = config.console.adminToken;
  if (!adminToken) {
    adminToken = randomBytes(24).toString('base64url');
    process.stdout.write(`\nconsole: no ADMIN_TOKEN set; this run's token is ${adminToken}\n\n`);
  }
  // Outages are logged as a few lines each (down, summaries, back), not one per reconnect attempt.
  const resilience = createResilience({ logger, backoff: config.workers.backoff, probes: { postgres: () => pingPostgres(db) }, redisSilenceLimitMs: config.redis.silenceLimitMs });
  const redis = createRedis(config.redis.url, 'worker', 'console');
  resilience.watchRedis(redis, 'console');
  // Sessions, the login limiter and replays fail fast when Redis is down instead of hanging the request.
  const fastRedis = createRedis(config.redis.url, 'producer', 'console-fast');
  resilience.watchRedis(fastRedis, 'console-fast');
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
  const db = createDb({ url: config.database.url, poolSize: 4, applicationName: 'switchboard-console', onError: resilience.onError('postgres connection', 'postgres') });
  const keys = queueKeys();
  const queues = keys.map((key) => createQueue(key, { connection: redis, prefix: config.redis.prefix, resilience }));
  const retryQueues = keys.map((key) => createQueue(key, { connection: fastRedis, prefix: config.redis.prefix, resilience }));
  const inboundQueue = createQueue('inbound', { connection: fastRedis, prefix: config.redis.prefix, resilience });
  const deliveryQueue = createQueue('delivery', { connection: fastRedis, prefix: config.redis.prefix, resilience });
  const app = createConsoleApp({
    adminToken,
    db,
    queues,
    retryQueues,
    inboundQueue,
    deliveryQueue,
    redis: fastRedis,
    prefix: config.redis.prefix,
    logDir: config.log.dir,
    trustProxy: config.trustProxy,
    publicUrl: config.console.publicUrl,
    // Behind a TLS proxy that Express does not trust, req.secure is false: the cookie would lose
    // Secure. So it is always Secure when CONSOLE_PUBLIC_URL is https, and by default outside
    // development and test (browsers accept Secure cookies from http://localhost, an SSH tunnel).
    alwaysSecureCookie: config.console.publicUrl ? config.console.publicUrl.startsWith('https:') : !config.relaxed,
    logger,
    erasureHashKey: config.console.erasureHashKey,
    attachmentsDir: config.attachmentsDir,
    campaigns: config.console.campaigns,
  });
  const server = app.listen(config.console.port, config.console.host);
  answerClientErrorsAsJson(server);
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
        resilience.close();
        await Promise.all([...queues, ...retryQueues, inboundQueue, deliveryQueue].map((q) => q.close()));
        redis.disconnect();
        fastRedis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}

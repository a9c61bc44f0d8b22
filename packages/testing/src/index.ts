export { createTestDatabase, ensureTemplateDatabase, dropStaleTestDatabases, templateName } from './database.ts';
export type { TestDatabase } from './database.ts';
export { startPrivateRedis, freePort } from './redis.ts';
export type { PrivateRedis, PrivateRedisOptions } from './redis.ts';
export { waitFor } from './wait.ts';
export { testConfig, testLogger, uniquePrefix } from './config.ts';
export { startSubscriber } from './subscriber.ts';
export type { Subscriber, ReceivedWebhook, SubscriberAnswer } from './subscriber.ts';

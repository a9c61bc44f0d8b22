export { jobs, jobIdFor, interpretPayloadSchema, deliveryPayloadSchema, sendPayloadSchema } from './catalog.ts';
export type { JobDefinition, JobKey, JobPayload, JobInput, InterpretPayload, DeliveryPayload, SendPayload } from './catalog.ts';
export { createRedis } from './connection.ts';
export type { RedisRole } from './connection.ts';
export { createQueue, createWorker } from './queues.ts';
export type { QueueOptions, Processor } from './queues.ts';
export { UnrecoverableError, DelayedError } from 'bullmq';
export { createBatcher } from './batcher.ts';
export type { Batcher, BatcherOptions } from './batcher.ts';

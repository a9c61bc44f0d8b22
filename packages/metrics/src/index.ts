export { createWorkerMetrics } from './worker-metrics.ts';
export type { WorkerMetrics, QueueLike, WorkerLike } from './worker-metrics.ts';
export { startMetricsServer } from './server.ts';
export type { MetricsServer } from './server.ts';

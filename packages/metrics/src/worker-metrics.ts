import type { Job, Queue, Worker } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A queue the depth gauges read on each scrape. */
export type QueueLike = Pick<Queue, 'name' | 'getJobCounts' | 'getJobs'>;
/** A worker whose `completed` and `failed` events give the job durations and failures. */
export type WorkerLike = Pick<Worker, 'name' | 'on'>;
type JobLike = Pick<Job, 'processedOn' | 'finishedOn' | 'attemptsMade' | 'opts' | 'returnvalue'>;

export type WorkerMetrics = {
  registry: Registry;
  /** Job durations and failures of a worker, from its `completed` and `failed` events. */
  instrumentWorker(worker: WorkerLike, processor: string, onCompleted?: (returnvalue: unknown) => void): void;
  /** Queue depth per state and the oldest waiting job's age, read on each scrape. */
  watchQueues(queues: QueueLike[]): void;
  /** One batch written by a batcher (listener and interpreter store many jobs in one transaction). */
  batch(processor: string, batcher: string, size: number): void;
  /** One outbound webhook attempt: how it ended and how long the subscriber took. */
  delivery(outcome: string, seconds: number, status: number | undefined): void;
  /** One campaign message job: sent, refused, skipped, … */
  campaignSend(outcome: string): void;
};

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/**
 * The workers' Prometheus metrics, one registry per process (tests run several in one). Label
 * values are bounded: processors, batchers, queues and outcomes are names from the code, and
 * HTTP statuses are grouped into classes.
 */
export function createWorkerMetrics(service: string): WorkerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'switchboard_job_duration_seconds',
    help: 'Time a worker spent on a job (processedOn to finishedOn), by processor and result',
    labelNames: ['processor', 'result'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'switchboard_job_failures_total',
    help: 'Failed job attempts by processor; final="true" when the job went to the failed set (no attempts left)',
    labelNames: ['processor', 'final'] as const,
    registers: [registry],
  });
  const batches = new Histogram({
    name: 'switchboard_batch_size',
    help: 'Items written per batch (one transaction), by processor and batcher',
    labelNames: ['processor', 'batcher'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const deliveries = new Histogram({
    name: 'switchboard_outbound_delivery_seconds',
    help: 'Outbound webhook attempts: time to the subscriber’s answer, by outcome (delivered, retry, failed) and status class',
    labelNames: ['outcome', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const deliveryFailures = new Counter({
    name: 'switchboard_outbound_delivery_failures_total',
    help: 'Outbound webhook attempts that did not deliver, by outcome (retry, failed) and status class (none: no answer)',
    labelNames: ['outcome', 'status'] as const,
    registers: [registry],
  });
  const sends = new Counter({
    name: 'switchboard_campaign_sends_total',
    help: 'Campaign message jobs by outcome (sent, reconciled, refused, skipped, done)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const watched: QueueLike[] = [];
  new Gauge({
    name: 'switchboard_queue_jobs',
    help: 'Jobs in a queue by state, read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const counts = await Promise.all(watched.map((q) => q.getJobCounts(...STATES)));
      watched.forEach((q, i) => STATES.forEach((state) => this.set({ queue: q.name, state }, counts[i]![state] ?? 0)));
    },
  });
  new Gauge({
    name: 'switchboard_queue_oldest_waiting_seconds',
    help: 'Age of the job that has waited longest in a queue (0 when none waits), read at scrape time',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const heads = await Promise.all(watched.map((q) => q.getJobs(['wait', 'prioritized'], 0, 0, true)));
      // The clock is read after the heads: an age never comes out younger than the job was when read.
      const now = Date.now();
      watched.forEach((q, i) => {
        const head = heads[i]![0];
        this.set({ queue: q.name }, head ? Math.max(0, (now - head.timestamp) / 1000) : 0);
      });
    },
  });

  const statusClass = (status: number | undefined) => (status === undefined ? 'none' : `${Math.floor(status / 100)}xx`);
  return {
    registry,
    instrumentWorker(worker, processor, onCompleted) {
      const seconds = (job: JobLike) => (job.processedOn && job.finishedOn ? (job.finishedOn - job.processedOn) / 1000 : undefined);
      worker.on('completed', (job: JobLike) => {
        const s = seconds(job);
        if (s !== undefined) duration.observe({ processor, result: 'completed' }, s);
        onCompleted?.(job.returnvalue);
      });
      worker.on('failed', (job: JobLike | undefined) => {
        if (!job) return;
        const s = seconds(job);
        if (s !== undefined) duration.observe({ processor, result: 'failed' }, s);
        failures.inc({ processor, final: String(job.attemptsMade >= (job.opts.attempts ?? 1)) });
      });
    },
    watchQueues(queues) {
      watched.push(...queues);
    },
    batch: (processor, batcher, size) => batches.observe({ processor, batcher }, size),
    delivery(outcome, secs, status) {
      deliveries.observe({ outcome, status: statusClass(status) }, secs);
      if (outcome !== 'delivered') deliveryFailures.inc({ outcome, status: statusClass(status) });
    },
    campaignSend: (outcome) => sends.inc({ outcome }),
  };
}

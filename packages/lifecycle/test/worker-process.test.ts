import { Queue } from 'bullmq';
import { startWorkerProcess, type WorkerProcess } from '@switchboard/lifecycle';
import { createRedis, enqueue, jobs } from '@switchboard/queues';
import { testConfig, testLogger, uniquePrefix, waitFor } from '@switchboard/testing';

const prefix = uniquePrefix();
const config = testConfig({ QUEUE_PREFIX: prefix, METRICS_PORT: '0' });
const logger = testLogger('worker-process');

afterAll(async () => {
  const redis = createRedis('redis://127.0.0.1:6379', 'worker');
  for (const name of [jobs.delivery.queue, jobs.inbound.queue]) {
    const queue = new Queue(name, { connection: redis, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  redis.disconnect();
});

describe('a worker process', () => {
  test('runs its workers, serves its metrics, and closes each resource in turn: workers, its own steps, queues, Redis', async () => {
    const done: string[] = [];
    let proc: WorkerProcess | undefined;
    const service = await startWorkerProcess({ name: 'dispatcher', config, logger, poolSize: 1 }, (p) => {
      proc = p;
      const deliveries = p.queue('delivery');
      const worker = p.worker('deliveries', { delivery: async (payload) => void done.push(payload.deliveryId) }, { label: 'delivery', concurrency: 1 });
      p.onStop('sweeper', () => done.push(`sweeper stopped, worker running: ${worker.isRunning()}`));
      p.onStop('client', () => done.push('client closed'));
      void enqueue(deliveries, 'delivery', { deliveryId: '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5', attempt: 1 });
      return { concurrency: 1 };
    });
    await waitFor(() => done.length === 1, { what: 'the job' });
    const scrape = await fetch(service.metricsUrl!);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/switchboard_job_duration_seconds_count\{[^}]*processor="delivery"[^}]*\} 1/);

    await service.close();
    expect(done).toEqual(['6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5', 'sweeper stopped, worker running: false', 'client closed']);
    await waitFor(() => proc!.redis.status === 'end', { what: 'Redis to be closed' });
    await expect(fetch(service.metricsUrl!)).rejects.toThrow();
  });

  test('refuses to start when a queue it consumes has a job with two processors, and closes what it opened', async () => {
    let proc: WorkerProcess | undefined;
    const start = startWorkerProcess({ name: 'listener', config, logger, poolSize: 1 }, (p) => {
      proc = p;
      const processors = { inbound: async () => undefined, inboundBatch: async () => undefined };
      p.worker('inbound', processors, { label: 'raw-event', concurrency: 1, autorun: false });
      p.worker('inbound', processors, { label: 'raw-event', concurrency: 1, autorun: false });
      return {};
    });
    await expect(start).rejects.toThrow('refusing to start: job "inbound" of queue "inbound" has 2 processors; job "inboundBatch" of queue "inbound" has 2 processors');
    await waitFor(() => proc!.redis.status === 'end', { what: 'Redis to be closed' });
  });
});

import { EventEmitter } from 'node:events';
import { createWorkerMetrics, startMetricsServer, type QueueLike, type WorkerLike } from '@switchboard/metrics';

const value = async (metrics: ReturnType<typeof createWorkerMetrics>, name: string, labels: Record<string, string>) => {
  // A histogram's _count and _sum are samples of the histogram itself, named by `metricName`.
  const samples = (await metrics.registry.getMetricsAsJSON()).flatMap((m) => m.values.map((v) => ({ ...v, name: (v as { metricName?: string }).metricName ?? m.name })));
  const sample = samples.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return sample?.value;
};

describe('worker metrics', () => {
  test('a worker’s completed and failed jobs become durations, failures (final when no attempt is left) and send outcomes', async () => {
    const metrics = createWorkerMetrics('dispatcher');
    const worker = Object.assign(new EventEmitter(), { name: 'sends' });
    metrics.instrumentWorker(worker as unknown as WorkerLike, 'send', (result) => metrics.campaignSend((result as { outcome: string }).outcome));
    worker.emit('completed', { processedOn: 1_000, finishedOn: 1_250, attemptsMade: 1, opts: { attempts: 8 }, returnvalue: { outcome: 'sent' } });
    worker.emit('completed', { processedOn: 2_000, finishedOn: 2_010, attemptsMade: 1, opts: { attempts: 8 }, returnvalue: { outcome: 'refused' } });
    worker.emit('failed', { processedOn: 3_000, finishedOn: 3_100, attemptsMade: 2, opts: { attempts: 8 } }, new Error('twilio 503'));
    worker.emit('failed', { processedOn: 4_000, finishedOn: 4_100, attemptsMade: 8, opts: { attempts: 8 } }, new Error('twilio 503'));
    worker.emit('failed', undefined, new Error('no job'));
    expect(await value(metrics, 'switchboard_job_duration_seconds_count', { processor: 'send', result: 'completed' })).toBe(2);
    expect(await value(metrics, 'switchboard_job_duration_seconds_sum', { processor: 'send', result: 'completed' })).toBeCloseTo(0.26);
    expect(await value(metrics, 'switchboard_job_failures_total', { processor: 'send', final: 'false' })).toBe(1);
    expect(await value(metrics, 'switchboard_job_failures_total', { processor: 'send', final: 'true' })).toBe(1);
    expect(await value(metrics, 'switchboard_campaign_sends_total', { outcome: 'sent' })).toBe(1);
    expect(await value(metrics, 'switchboard_campaign_sends_total', { outcome: 'refused' })).toBe(1);
  });

  test('outbound attempts are timed by outcome and status class; the undelivered ones are counted as failures', async () => {
    const metrics = createWorkerMetrics('dispatcher');
    metrics.delivery('delivered', 0.05, 204);
    metrics.delivery('retry', 30, undefined);
    metrics.delivery('failed', 0.2, 410);
    expect(await value(metrics, 'switchboard_outbound_delivery_seconds_count', { outcome: 'delivered', status: '2xx' })).toBe(1);
    expect(await value(metrics, 'switchboard_outbound_delivery_failures_total', { outcome: 'retry', status: 'none' })).toBe(1);
    expect(await value(metrics, 'switchboard_outbound_delivery_failures_total', { outcome: 'failed', status: '4xx' })).toBe(1);
    expect(await value(metrics, 'switchboard_outbound_delivery_failures_total', { outcome: 'delivered', status: '2xx' })).toBeUndefined();
  });

  test('queue depth and the oldest waiting job’s age are read at scrape time; a failing read is a 500 for that scrape only', async () => {
    const metrics = createWorkerMetrics('listener');
    let down = false;
    const queue = {
      name: 'inbound',
      getJobCounts: async () => {
        if (down) throw new Error('Connection is closed.');
        return { waiting: 3, active: 1, delayed: 0, prioritized: 0, failed: 2 };
      },
      getJobs: async () => [{ timestamp: Date.now() - 90_000 }],
    } as unknown as QueueLike;
    metrics.watchQueues([queue]);
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry: metrics.registry });
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(text).toMatch(/^switchboard_queue_jobs\{queue="inbound",state="waiting",service="listener"\} 3$/m);
      expect(text).toMatch(/^switchboard_queue_jobs\{queue="inbound",state="failed",service="listener"\} 2$/m);
      const age = Number(/^switchboard_queue_oldest_waiting_seconds\{queue="inbound",service="listener"\} (\S+)$/m.exec(text)?.[1]);
      expect(age).toBeGreaterThanOrEqual(90);
      down = true;
      const failing = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(failing.status).toBe(500);
      expect(await failing.json()).toEqual({ error: 'collect failed: Connection is closed.' });
      down = false;
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

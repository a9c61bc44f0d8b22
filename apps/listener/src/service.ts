import type { AppConfig } from '@switchboard/config';
import { startWorkerProcess, type WorkerService } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
import { createRawEventBatchProcessor } from './raw-event-batch.processor.ts';
import { createRawEventProcessor } from './raw-event.processor.ts';

export type ListenerService = WorkerService;

/** Starts the listener worker on the inbound queue (raw events one by one and in batches). */
export async function startListener(config: AppConfig<'listener'>, logger: Logger): Promise<ListenerService> {
  return startWorkerProcess({ name: 'listener', config, logger, poolSize: 4 }, (proc) => {
    const interpretQueue = proc.queue('interpret');
    const deliveryQueue = proc.queue('delivery');
    const processor = createRawEventProcessor({
      db: proc.db, interpretQueue, deliveryQueue, logger,
      // Batch jobs bring many events per job: a write batch is not bounded by the jobs in flight.
      batchSize: 200,
      onBatch: (batcher, size) => proc.metrics.batch('raw-event', batcher, size),
    });
    const batchProcessor = createRawEventBatchProcessor(processor);
    proc.worker('inbound', {
      inbound: (payload) => processor(payload),
      // Each distinct event of a batch once, joining the same write batches as single ones.
      inboundBatch: (payload) => batchProcessor(payload),
    }, {
      label: 'raw-event',
      concurrency: config.listener.concurrency,
      // A crashed worker's jobs are taken back once their lock expires and the stalled check sees it.
      lockDuration: config.workers.stalledIntervalMs,
      stalledInterval: config.workers.stalledIntervalMs,
    });
    // Its own queue for the depth gauges (the worker does not read counts).
    proc.metrics.watchQueues([proc.queue('inbound')]);
    return { concurrency: config.listener.concurrency };
  });
}

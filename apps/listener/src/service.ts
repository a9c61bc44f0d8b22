import type { AppConfig } from '@switchboard/config';
import { startWorkerProcess, type WorkerService } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
import { createRawEventProcessor } from './raw-event.processor.ts';

export type ListenerService = WorkerService;

/** Starts the listener worker on the inbound queue (raw events one by one and in batches). */
export async function startListener(config: AppConfig<'listener'>, logger: Logger): Promise<ListenerService> {
  return startWorkerProcess({ name: 'listener', config, logger, poolSize: 4 }, (proc) => {
    const interpretQueue = proc.queue('interpret');
    const deliveryQueue = proc.queue('delivery');
    const processor = createRawEventProcessor({
      db: proc.db, interpretQueue, deliveryQueue, logger, batchSize: Math.min(config.listener.concurrency, 200),
      onBatch: (batcher, size) => proc.metrics.batch('raw-event', batcher, size),
    });
    proc.worker('inbound', {
      inbound: (payload) => processor(payload),
      // The events of a batch job join the same batches as single ones.
      inboundBatch: (payload) => Promise.all(payload.events.map((event) => processor(event))),
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

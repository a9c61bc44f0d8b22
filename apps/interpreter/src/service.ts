import type { AppConfig } from '@switchboard/config';
import { createClassifier } from '@switchboard/intent';
import { startWorkerProcess, type WorkerService } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
import { createInterpretBatchProcessor } from './interpret-batch.processor.ts';
import { createInterpretProcessor } from './interpret.processor.ts';
import { classifierOptions } from './classifier-options.ts';

export type InterpreterService = WorkerService;

/** Starts the interpreter worker on the interpret queue. The outbox sweeper (deliveries whose job was never added) runs in the dispatcher. */
export async function startInterpreter(config: AppConfig<'interpreter'>, logger: Logger): Promise<InterpreterService> {
  return startWorkerProcess({ name: 'interpreter', config, logger, poolSize: 4 }, (proc) => {
    const classifier = createClassifier(classifierOptions(config));
    const processor = createInterpretProcessor({
      onBatch: (batcher, size) => proc.metrics.batch('interpret', batcher, size),
      db: proc.db,
      classifier,
      deliveryQueue: proc.queue('delivery'),
      logger,
      // Batch jobs bring many messages per job: a write batch is not bounded by the jobs in flight.
      // Up to 250 per transaction (~10 statements, each a round trip): with the writes through pg the
      // parameters are arrays, not Prisma's per-row objects, and the peak RSS stays under 190 MB.
      batchSize: 250,
      attributionWindowMs: config.interpreter.attributionWindowMs,
    });
    const batchProcessor = createInterpretBatchProcessor(processor);
    // Both job types of the interpret queue: a lone message, and the batches the listener hands off under load.
    proc.worker('interpret', { interpret: (payload) => processor(payload), interpretBatch: (payload) => batchProcessor(payload) }, {
      label: 'interpret',
      concurrency: config.interpreter.concurrency,
      // A crashed worker's jobs are taken back once their lock expires and the stalled check sees it.
      lockDuration: config.workers.stalledIntervalMs,
      stalledInterval: config.workers.stalledIntervalMs,
    });
    proc.metrics.watchQueues([proc.queue('interpret')]);
    return { concurrency: config.interpreter.concurrency, classifier: classifier.name };
  });
}

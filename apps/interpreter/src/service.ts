import type { AppConfig } from '@switchboard/config';
import { createClassifier } from '@switchboard/intent';
import { startWorkerProcess, type WorkerService } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
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
      batchSize: Math.min(config.interpreter.concurrency, 200),
      attributionWindowMs: config.interpreter.attributionWindowMs,
    });
    proc.worker('interpret', { interpret: (payload) => processor(payload) }, {
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

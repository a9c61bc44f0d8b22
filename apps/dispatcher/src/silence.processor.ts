import type { Redis } from 'ioredis';
import { evaluateSourceSilence, listSourceAlerting, type Db, type DeliveryQueue } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { enqueueDeliveries, silenceStateKey, type Processor } from '@switchboard/queues';

export type SilenceProcessorDeps = {
  db: Db;
  redis: Redis;
  prefix: string;
  deliveryQueue: DeliveryQueue;
  logger: Logger;
  /** The clock (injected in tests). */
  now: () => Date;
};

/**
 * One evaluation of every source's silence: state changes and their outbound events are written
 * together (see evaluateSourceSilence), the deliveries enqueued after the commit (the sweeper
 * would find them anyway), and each source's state copied to Redis for ingest's metric.
 */
export function silenceProcessor(deps: SilenceProcessorDeps): Processor<'silence'> {
  return async () => {
    const transitions = await evaluateSourceSilence(deps.db, deps.now());
    for (const t of transitions) {
      deps.logger.warn(t.to === 'silent' ? 'source went silent' : 'source recovered', { sourceId: t.sourceId, integration: 'webhook' });
      await enqueueDeliveries(deps.deliveryQueue, t.deliveryIds);
    }
    const states = await listSourceAlerting(deps.db);
    const key = silenceStateKey(deps.prefix);
    const multi = deps.redis.multi().del(key);
    // A source whose alerting is disabled is not silent for the metric.
    for (const s of states) multi.hset(key, s.sourceId, s.enabled && s.state === 'silent' ? '1' : '0');
    await multi.exec();
    return { transitions: transitions.length };
  };
}

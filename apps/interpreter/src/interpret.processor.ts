import type { Queue } from 'bullmq';
import { persistInterpretedMessages, type Db, type InterpretedMessage, type PersistOutcome } from '@switchboard/db';
import type { Classifier } from '@switchboard/intent';
import type { Logger } from '@switchboard/logger';
import { createBatcher, enqueueDeliveries, type JobInput, type JobPayload } from '@switchboard/queues';

export type InterpretProcessorDeps = {
  db: Db;
  classifier: Classifier;
  /** The dispatcher's queue: new messages are announced there after commit. */
  deliveryQueue: Queue<JobInput<'delivery'>>;
  logger: Logger;
  batchSize: number;
  attributionWindowMs: number;
  /** Told each batch's size (metrics). */
  onBatch?: (batcher: string, size: number) => void;
};

/**
 * The interpreter's job: classify the message, then persist it with its intent and apply the
 * actions (contact, opt-out registry, lead status, callback request, campaign attribution), in
 * one transaction shared with the other jobs of its batch.
 */
export function createInterpretProcessor(deps: InterpretProcessorDeps) {
  const persist = createBatcher<InterpretedMessage, PersistOutcome>({
    maxSize: deps.batchSize,
    maxWaitMs: 5,
    // Two transactions at most (the pool has four connections): messages that arrive meanwhile
    // make the next one, so under load a transaction carries what came during the last.
    maxInFlight: 2,
    observe: (size) => deps.onBatch?.('persist', size),
    run: async (items) => {
      const outcomes = await persistInterpretedMessages(deps.db, items, { attributionWindowMs: deps.attributionWindowMs });
      // After commit. A crash right here leaves pending rows: the outbox sweeper adds their jobs.
      await enqueueDeliveries(deps.deliveryQueue, outcomes.flatMap((o) => ('deliveryIds' in o ? o.deliveryIds : [])));
      return outcomes;
    },
  });
  const log = deps.logger;

  return async (payload: JobPayload<'interpret'>) => {
    const { message } = payload;
    const classified = await deps.classifier.classify({ text: message.content, channel: message.source, subject: message.email?.subject });
    const outcome = await persist.push({ eventId: payload.eventId, message, intent: classified, replay: payload.replay });
    // A contextual label (a lone YES, INTENTS.md rule 8) is resolved against the contact's state in persist.
    const intent = 'intent' in outcome ? outcome.intent : classified;
    const integration = message.source === 'email' ? 'email' : message.source === 'sms' ? 'sms' : 'whatsapp';
    if (outcome.status === 'created' || outcome.status === 'replayed') {
      // Debug, not info: one line per message costs throughput, and the sender is a phone number.
      log.debug('message interpreted', { integration, status: outcome.status, messageId: outcome.messageId, source: message.source, intent: intent.label, confidence: intent.confidence });
    }
    // What Bull Board shows for the job (kept small: a batch job stores one per message in Redis).
    const campaignId = 'campaignId' in outcome ? outcome.campaignId : null;
    return { status: outcome.status, messageId: outcome.messageId, intent: intent.label, ...(campaignId ? { campaignId } : {}) };
  };
}

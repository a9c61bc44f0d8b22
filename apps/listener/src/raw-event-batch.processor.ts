import { settleEach, type JobPayload } from '@switchboard/queues';
import type { RawEventResult } from './raw-event.processor.ts';

/** What a batch job did: one entry per distinct event, in order (its BullMQ return value). */
export type RawEventBatchResult = { events: number; results: RawEventResult[] };

/**
 * The listener's job for a batch of raw events (`jobs.inboundBatch`, what ingest adds under load).
 * Each distinct event (by provider and dedup key) runs through the single-event processor, all of
 * them at once, so their writes share the processor's batched statements; an event repeated in
 * the batch runs once. Failures as {@link settleEach} decides: an outage defers the whole job, an
 * unexpected error spends one of its attempts, and events that can never apply (cannot normalize)
 * fail the job at once, naming each, after the others applied. Their raw copies are kept, as for
 * a single event's job; retrying the job (Bull Board, `retry-failed` with `reason: "cannot
 * normalize"`) reruns the batch, the applied events as no-ops.
 */
export function createRawEventBatchProcessor(single: (event: JobPayload<'inbound'>) => Promise<RawEventResult>) {
  return async (payload: JobPayload<'inboundBatch'>): Promise<RawEventBatchResult> => {
    const distinct = [...new Map(payload.events.map((event) => [`${event.provider}\u0000${event.dedupKey}\u0000${event.eventId ?? ''}`, event])).values()];
    const results = await settleEach(distinct, single, 'events of the batch');
    return { events: distinct.length, results };
  };
}

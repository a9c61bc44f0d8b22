import { classifyFailure, UnrecoverableError, type JobPayload } from '@switchboard/queues';
import type { RawEventResult } from './raw-event.processor.ts';

/** What a batch job did: one entry per distinct event, in order (its BullMQ return value). */
export type RawEventBatchResult = { events: number; results: RawEventResult[] };

/**
 * The listener's job for a batch of raw events (`jobs.inboundBatch`, what ingest adds under load).
 * Each distinct event (by provider and dedup key) runs through the single-event processor, all of
 * them at once, so their writes share the processor's batched statements; an event repeated in
 * the batch runs once. Then:
 * - every event applied: the job completes;
 * - one failed for a transient reason (Postgres down): that error is thrown and the whole job
 *   waits out the outage; the events that did apply are keyed, so the rerun changes nothing for them;
 * - one failed otherwise (a bug, a deadlock): thrown, the job spends an attempt and reruns whole;
 * - only events that can never apply (cannot normalize): the others are applied and the job fails
 *   at once naming each bad event, its raw copy kept, like a single event's job. Retrying the job
 *   (Bull Board, `retry-failed` with `reason: "cannot normalize"`) reruns the batch, the applied
 *   events as no-ops.
 */
export function createRawEventBatchProcessor(single: (event: JobPayload<'inbound'>) => Promise<RawEventResult>) {
  return async (payload: JobPayload<'inboundBatch'>): Promise<RawEventBatchResult> => {
    const distinct = [...new Map(payload.events.map((event) => [`${event.provider}\u0000${event.dedupKey}\u0000${event.eventId ?? ''}`, event])).values()];
    const settled = await Promise.allSettled(distinct.map((event) => single(event)));
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    if (errors.length === 0) return { events: distinct.length, results: settled.map((s) => (s as PromiseFulfilledResult<RawEventResult>).value) };
    const retryable = errors.find((err) => classifyFailure(err).kind === 'transient') ?? errors.find((err) => !(err instanceof UnrecoverableError));
    if (retryable !== undefined) throw retryable;
    const reasons = errors.map((err) => (err as Error).message);
    throw new UnrecoverableError(`${errors.length} of ${distinct.length} events of the batch cannot apply (the others did): ${reasons.join('; ')}`);
  };
}

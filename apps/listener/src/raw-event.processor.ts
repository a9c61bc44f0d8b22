import type { Queue } from 'bullmq';
import { storeRawEvents, type Db } from '@switchboard/db';
import type { RawEventPayload } from '@switchboard/events';
import type { Logger } from '@switchboard/logger';
import { normalizeEvent } from '@switchboard/providers';
import { createBatcher, jobs, type JobInput, type JobPayload } from '@switchboard/queues';

export type RawEventProcessorDeps = {
  db: Db;
  interpretQueue: Queue<JobInput<'interpret'>>;
  logger: Logger;
  /** How many jobs' writes share one statement. */
  batchSize: number;
};

/**
 * The listener's job: store the raw event (once per dedup key), normalize it, and hand messages
 * to the interpreter. A replay (`eventId` set) skips the store and re-runs everything after it.
 */
export function createRawEventProcessor(deps: RawEventProcessorDeps) {
  const store = createBatcher({ maxSize: deps.batchSize, maxWaitMs: 5, run: (events: RawEventPayload[]) => storeRawEvents(deps.db, events) });
  const handOff = createBatcher({
    maxSize: deps.batchSize,
    maxWaitMs: 5,
    run: async (items: { data: JobInput<'interpret'>; jobId: string }[]) => {
      await deps.interpretQueue.addBulk(items.map(({ data, jobId }) => ({ name: jobs.interpret.name, data, opts: { jobId } })));
      return items.map(() => undefined);
    },
  });

  return async (payload: JobPayload<'inbound'>) => {
    const replay = payload.eventId !== undefined;
    const eventId = payload.eventId ?? (await store.push(payload)).id;
    const normalized = normalizeEvent(payload);
    switch (normalized.kind) {
      case 'message': {
        // The same event always makes the same interpret job; a replay makes a new one.
        const jobId = replay ? `msg.${eventId}.replay-${Date.now()}` : `msg.${eventId}`;
        await handOff.push({ data: { eventId, message: normalized, replay }, jobId });
        return { eventId, kind: normalized.kind };
      }
      default:
        throw new Error(`no handler for ${normalized.kind} events yet`);
    }
  };
}

import type { Queue } from 'bullmq';
import {
  applyEmailEvents,
  applyStatusCallbacks,
  recordVoiceEvents,
  storeRawEvents,
  type Db,
  type EmailEventInput,
  type EmailEventOutcome,
  type StatusCallback,
  type StatusOutcome,
  type VoiceEvent,
} from '@switchboard/db';
import { toInterpret, type NormalizedEvent, type RawEventPayload } from '@switchboard/events';
import type { Logger } from '@switchboard/logger';
import { normalizeEvent } from '@switchboard/providers';
import { createBatcher, enqueue, enqueueDeliveries, UnrecoverableError, type JobInput, type JobPayload } from '@switchboard/queues';

/**
 * Messages per `interpret-batch` job at most. Each job costs a Redis round trip to add, fetch and
 * finish, and on this machine kind a round trip costs more than a message's own work (bench/README.md,
 * "Pipeline: where the time and the memory go"): 100 took the workers' CPU per message from ~0.3 to
 * ~0.18 ms against 20. An interpreter holds up to its concurrency (64) of these jobs: its peak RSS
 * went from ~170 to ~180 MB.
 */
const INTERPRET_BATCH_MAX = 100;

export type RawEventProcessorDeps = {
  db: Db;
  /** The interpreter's queue: single messages (`interpret`) and batches of them (`interpretBatch`). */
  interpretQueue: Queue<JobInput<'interpret'> | JobInput<'interpretBatch'>>;
  /** The dispatcher's queue: status changes and completed calls are announced there after commit. */
  deliveryQueue: Queue<JobInput<'delivery'>>;
  logger: Logger;
  /** How many jobs' writes share one statement. */
  batchSize: number;
  /** The providers' normalizers (tests may substitute). */
  normalize?: (event: RawEventPayload) => NormalizedEvent;
  /** Told each batch's size, by batcher (metrics). */
  onBatch?: (batcher: string, size: number) => void;
};

/** What one job did (its BullMQ return value). */
export type RawEventResult =
  | { eventId: string; kind: 'message' }
  | { eventId: string; kind: 'status'; outcome: StatusOutcome }
  | { eventId: string; kind: 'call' | 'recording'; outcome: 'created' | 'exists' }
  | { eventId: string; kind: 'generic' }
  | { eventId: string; kind: 'email-event'; outcome: EmailEventOutcome };

/**
 * The listener's job: store the raw event (once per dedup key), normalize it, and apply it:
 * messages go to the interpreter, status callbacks move campaign messages, voice events make
 * calls, steps and recordings, generic events are kept raw. Every write is keyed and batched
 * with the other jobs in flight. A replay (`eventId` set) skips the store and re-runs the rest;
 * effects stay exactly-once.
 */
export function createRawEventProcessor(deps: RawEventProcessorDeps) {
  const normalize = deps.normalize ?? ((event: RawEventPayload) => normalizeEvent(event));
  const log = deps.logger;
  const announce = (deliveryIds: string[]) => enqueueDeliveries(deps.deliveryQueue, deliveryIds);

  const observe = (batcher: string) => (size: number) => deps.onBatch?.(batcher, size);
  // Two batches of a kind at most in flight (the pool has four connections): under load, what
  // arrives meanwhile makes the next batch, so batches grow with the load (see createBatcher).
  const maxInFlight = 2;
  const store = createBatcher({ maxSize: deps.batchSize, maxWaitMs: 5, maxInFlight, observe: observe('store'), run: (events: RawEventPayload[]) => storeRawEvents(deps.db, events) });
  const handOff = createBatcher({
    // The interpreter holds as many of these jobs as its concurrency: their size bounds its memory.
    maxSize: Math.min(deps.batchSize, INTERPRET_BATCH_MAX),
    maxWaitMs: 5,
    maxInFlight,
    observe: observe('hand-off'),
    // The messages normalized in one round go to the interpreter as one job (a lone one as its
    // own `interpret` job, as in quiet traffic): one Redis round trip for the lot, here and there.
    // A replay's job is new at each run (`replayAt`); the same event otherwise makes the same job.
    run: async (items: JobInput<'interpret'>[]) => {
      const occasion = items.some((i) => i.replay) ? { replayAt: Date.now() } : {};
      if (items.length === 1) await enqueue(deps.interpretQueue, 'interpret', items[0]!, occasion);
      else await enqueue(deps.interpretQueue, 'interpretBatch', { items }, occasion);
      return items.map(() => undefined);
    },
  });
  // Status callbacks come in bursts: one transaction per batch. The deliveries are enqueued after
  // commit; should the process die in between, the dispatcher's outbox sweeper adds them.
  const statuses = createBatcher({
    maxSize: deps.batchSize,
    maxWaitMs: 5,
    maxInFlight,
    observe: observe('statuses'),
    run: async (items: StatusCallback[]) => {
      const { outcomes, deliveryIds } = await applyStatusCallbacks(deps.db, items);
      await announce(deliveryIds);
      return outcomes;
    },
  });
  const voice = createBatcher({
    maxSize: deps.batchSize,
    maxWaitMs: 5,
    maxInFlight,
    observe: observe('voice'),
    run: async (items: VoiceEvent[]) => {
      const { outcomes, deliveryIds } = await recordVoiceEvents(deps.db, items);
      await announce(deliveryIds);
      return outcomes;
    },
  });

  const emailEvents = createBatcher({
    maxSize: deps.batchSize,
    maxWaitMs: 5,
    maxInFlight,
    run: async (items: EmailEventInput[]) => {
      const { outcomes, deliveryIds } = await applyEmailEvents(deps.db, items);
      await announce(deliveryIds);
      return outcomes;
    },
  });

  return async (payload: JobPayload<'inbound'>): Promise<RawEventResult> => {
    const replay = payload.eventId !== undefined;
    const eventId = payload.eventId ?? (await store.push(payload)).id;
    let normalized: NormalizedEvent;
    try {
      normalized = normalize(payload);
    } catch (err) {
      // The raw event is stored: once the cause is fixed it can be replayed from the console.
      // Retrying the same bytes cannot succeed, so the job fails now, with the reason.
      throw new UnrecoverableError(`cannot normalize ${payload.provider} event ${eventId}: ${(err as Error).message}`);
    }
    switch (normalized.kind) {
      case 'message': {
        await handOff.push({ eventId, message: toInterpret(normalized), replay });
        return { eventId, kind: 'message' };
      }
      case 'status': {
        const outcome = await statuses.push({ eventId, update: normalized });
        log.debug('status callback', { integration: normalized.channel === 'whatsapp' ? 'whatsapp' : 'sms', eventId, status: normalized.status, outcome });
        return { eventId, kind: 'status', outcome };
      }
      case 'call':
      case 'recording': {
        const outcome = await voice.push({ eventId, event: normalized });
        log.debug('voice event', { integration: 'voice', eventId, kind: normalized.kind, status: normalized.status, outcome });
        return { eventId, kind: normalized.kind, outcome };
      }
      case 'generic':
        // Kept raw (stored above); the contract announces no event type for it.
        return { eventId, kind: 'generic' };
      case 'email-event': {
        const outcome = await emailEvents.push({ eventId, event: normalized });
        log.debug('email event', { integration: 'email', eventId, event: normalized.event, outcome });
        return { eventId, kind: 'email-event', outcome };
      }
    }
  };
}

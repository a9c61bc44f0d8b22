import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DefaultJobOptions } from 'bullmq';
import { messageToInterpretSchema, rawEventSchema } from '@switchboard/events';

/**
 * One job type: its queue, its name, its payload schema and its defaults, and how the id of one
 * of its jobs is built (from its payload, and what else tells two of its jobs apart). A job with
 * no `jobId` is only added by a BullMQ job scheduler.
 */
export type JobDefinition<S extends z.ZodType = z.ZodType> = {
  queue: string;
  name: string;
  schema: S;
  options: DefaultJobOptions;
  jobId?: (payload: never, occasion: never) => string;
};

const DAY_S = 86_400;

/**
 * Completed jobs are kept a while so a repeated `add` with the same jobId is a cheap no-op
 * (BullMQ forgets removed jobs); Postgres's unique constraints are the real guard. Failed jobs
 * stay two weeks for Bull Board.
 */
const retention = {
  removeOnComplete: { age: DAY_S, count: 20_000 },
  removeOnFail: { age: 14 * DAY_S },
} satisfies DefaultJobOptions;

/**
 * The workers' own backoff strategy (`createWorker` sets it): JOB_BACKOFF_BASE_MS doubling with
 * each attempt, capped at JOB_BACKOFF_MAX_MS. BullMQ's `exponential` has no cap, and its delay is
 * fixed when the job is added, whereas this one follows the workers' configuration.
 */
export const cappedBackoff = { type: 'capped' } as const;

/** A batch of raw events for the listener (see `jobs.inboundBatch`). */
export const rawEventBatchSchema = z.object({ events: z.array(rawEventSchema).min(1) });
export type RawEventBatchPayload = z.infer<typeof rawEventBatchSchema>;

export const interpretPayloadSchema = z.object({
  eventId: z.uuid(),
  message: messageToInterpretSchema,
  /** A replay re-interprets; effects stay exactly-once. */
  replay: z.boolean().default(false),
});
export type InterpretPayload = z.infer<typeof interpretPayloadSchema>;

/** Several normalized messages for the interpreter (see `jobs.interpretBatch`). */
export const interpretBatchSchema = z.object({ items: z.array(interpretPayloadSchema).min(1) });
export type InterpretBatchPayload = z.infer<typeof interpretBatchSchema>;

export const deliveryPayloadSchema = z.object({
  deliveryId: z.uuid(),
  /** The attempt this job makes (1 for the first); an older job finding a later attempt claimed does nothing. */
  attempt: z.number().int().min(1).optional(),
});
export type DeliveryPayload = z.infer<typeof deliveryPayloadSchema>;

export const sendPayloadSchema = z.object({ campaignMessageId: z.uuid() });

/** The silence evaluation carries nothing: it reads every source's state (and the clock) itself. */
export const silencePayloadSchema = z.object({});
export type SendPayload = z.infer<typeof sendPayloadSchema>;

/** A first delivery of a raw event is keyed by its dedup key: the provider's retry is a no-op. */
function rawEventJobId(event: { provider: string; dedupKey: string }): string {
  return jobIdFor(event.provider, event.dedupKey);
}

/**
 * Every queue and job of the system. Producers add jobs through `enqueue`/`enqueueBulk` (names and
 * ids from here); processors are declared per queue to `createWorker`.
 */
export const jobs = {
  /** Raw verified events from ingest (and replays from the console) → listener. */
  inbound: {
    queue: 'inbound',
    name: 'raw-event',
    schema: rawEventSchema,
    // Transient failures (Postgres or Redis unreachable) are retried without end and spend no
    // attempt (see createWorker). The 10 attempts are for anything else: 9 retries on the capped
    // schedule, JOB_BACKOFF_BASE_MS doubling up to JOB_BACKOFF_MAX_MS (1, 2, 4, … 32, 60, 60, 60 s:
    // about 4 minutes by default) before the failed set.
    options: { attempts: 10, backoff: cappedBackoff, ...retention },
    /**
     * A replay (`replayAt`: when it was asked for, with the stored event's `eventId`) is unique per
     * run, so BullMQ never dedupes it against the original or an earlier replay.
     */
    jobId: (event: { provider: string; dedupKey: string; eventId?: string | undefined }, occasion: { replayAt?: number } = {}): string => {
      if (occasion.replayAt === undefined) return rawEventJobId(event);
      if (!event.eventId) throw new Error('a replayed raw event carries the eventId of the stored event');
      return `replay.${event.eventId}.${occasion.replayAt}`;
    },
  },
  /**
   * Several raw events in one job (ingest under load: the events made durable in the same tick),
   * same queue and same handling per event as `inbound`: one Lua script for the lot instead of
   * one per event. Its id is {@link batchJobId} of its events' ids, so adding the same batch again
   * (a spool drain) is a no-op; replaying it re-runs each event, whose effects stay keyed.
   */
  inboundBatch: {
    queue: 'inbound',
    name: 'raw-events',
    schema: rawEventBatchSchema,
    options: { attempts: 10, backoff: cappedBackoff, ...retention },
    jobId: (batch: { events: readonly { provider: string; dedupKey: string }[] }): string => batchJobId(batch.events.map(rawEventJobId)),
  },
  /** Normalized inbound messages → interpreter. */
  interpret: {
    queue: 'interpret',
    name: 'interpret',
    schema: interpretPayloadSchema,
    options: { attempts: 10, backoff: cappedBackoff, ...retention },
    /** One interpretation per stored event; a replay's (`replayAt`: when it ran) is unique per run. */
    jobId: (payload: { eventId: string }, occasion: { replayAt?: number } = {}): string =>
      occasion.replayAt === undefined ? `msg.${payload.eventId}` : `msg.${payload.eventId}.replay-${occasion.replayAt}`,
  },
  /**
   * The messages of one listener batch (two or more normalized in the same round: load), same
   * queue and same handling per message as `interpret`: one job, one Redis round trip each way
   * for the lot. A lone message still gets its own `interpret` job. Its id is {@link batchJobId}
   * of its messages' job ids, so the same hand-off added twice is one job; running it again (a
   * retry, a replay) finds each message stored and changes nothing.
   */
  interpretBatch: {
    queue: 'interpret',
    name: 'interpret-batch',
    schema: interpretBatchSchema,
    options: { attempts: 10, backoff: cappedBackoff, ...retention },
    /** The replayed messages in it (`replay`) take the hand-off's time (`replayAt`), as their `interpret` job would. */
    jobId: (batch: { items: readonly { eventId: string; replay?: boolean | undefined }[] }, occasion: { replayAt?: number } = {}): string =>
      batchJobId(batch.items.map((item) => jobs.interpret.jobId(item, item.replay ? occasion : {}))),
  },
  /** Outbound webhooks to the subscriber → dispatcher. */
  delivery: {
    queue: 'deliveries',
    name: 'webhook',
    schema: deliveryPayloadSchema,
    // The dispatcher schedules its own retries (at least 24 h): one attempt per job.
    options: { attempts: 1, ...retention },
    /**
     * The attempt number is part of the id: BullMQ ignores an add whose id it still knows (kept
     * after completion), so a retry under the bare delivery id would be a silent no-op.
     */
    jobId: (payload: { deliveryId: string; attempt?: number | undefined }): string => `${payload.deliveryId}.${payload.attempt ?? 1}`,
  },
  /** Campaign messages to send through Twilio → dispatcher. */
  send: {
    queue: 'sends',
    name: 'campaign-message',
    schema: sendPayloadSchema,
    // Transport retries (Twilio 5xx, no answer): the dispatcher's 'custom' backoff honours
    // Retry-After, else doubles from 1 s. A 429 pauses the queue without using an attempt.
    options: { attempts: 8, backoff: { type: 'custom' }, ...retention },
    /** One job per send of a message: `retries` is its resend number (a resend is a new job). */
    jobId: (payload: { campaignMessageId: string }, occasion: { retries: number }): string => {
      if (!Number.isInteger(occasion.retries)) throw new Error('a send job id needs the send number (retries)');
      return jobIdFor('send', `${payload.campaignMessageId}.${occasion.retries}`);
    },
  },
  /**
   * Silence alerts: one evaluation of every source, added by a BullMQ job scheduler every
   * SILENCE_CHECK_INTERVAL_MS (one scheduler whatever the number of dispatchers) → dispatcher.
   * A failed run is not retried: the next one comes anyway.
   */
  silence: {
    queue: 'alerts',
    name: 'source-silence',
    schema: silencePayloadSchema,
    options: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { age: DAY_S } },
  },
} as const satisfies Record<string, JobDefinition>;

export type JobKey = keyof typeof jobs;
export type JobPayload<K extends JobKey> = z.infer<(typeof jobs)[K]['schema']>;
/** What a producer passes: the schema's input (defaults may be left out). */
export type JobInput<K extends JobKey> = z.input<(typeof jobs)[K]['schema']>;

/**
 * A deterministic BullMQ job id for a key: BullMQ forbids ':' in custom ids and reads an
 * all-digit id as a number, so anything but a plain token is hashed.
 */
export function jobIdFor(namespace: string, key: string): string {
  if (/^[A-Za-z0-9._-]{1,160}$/.test(key)) return `${namespace}.${key}`;
  return `${namespace}.h${hash(key)}`;
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}

/** The id of a batch job: deterministic in its events' own job ids (order included). */
export function batchJobId(eventJobIds: readonly string[]): string {
  return `batch.${hash(eventJobIds.join('\n'))}`;
}

/** The queues of the catalog, by name. */
export type QueueName = (typeof jobs)[JobKey]['queue'];
/** The jobs of one queue. */
export type JobOfQueue<Q extends QueueName> = { [K in JobKey]: (typeof jobs)[K]['queue'] extends Q ? K : never }[JobKey];

/** The jobs of queue `queue`, in catalog order. */
export function jobsOfQueue(queue: string): JobKey[] {
  return (Object.keys(jobs) as JobKey[]).filter((key) => jobs[key].queue === queue);
}

/**
 * What is wrong with the processors a process declares for a queue it consumes (`declared`, job
 * keys, one entry per processor, every worker of that queue in the process included): each job
 * of the queue needs exactly one, and nothing else may be declared. Empty when all is well.
 */
export function processorProblems(queue: string, declared: readonly string[]): string[] {
  const expected = jobsOfQueue(queue);
  if (expected.length === 0) return [`no queue "${queue}" in the job catalog`];
  const problems: string[] = [];
  for (const key of expected) {
    const count = declared.filter((d) => d === key).length;
    if (count === 0) problems.push(`job "${key}" of queue "${queue}" has no processor`);
    if (count > 1) problems.push(`job "${key}" of queue "${queue}" has ${count} processors`);
  }
  for (const key of new Set(declared)) if (!expected.includes(key as JobKey)) problems.push(`"${key}" is not a job of queue "${queue}"`);
  return problems;
}

/** One job key per queue (the first job of each), for what works per queue: Bull Board, metrics, cleanup. */
export function queueKeys(): JobKey[] {
  const seen = new Set<string>();
  return (Object.keys(jobs) as JobKey[]).filter((key) => !seen.has(jobs[key].queue) && seen.add(jobs[key].queue) !== undefined);
}

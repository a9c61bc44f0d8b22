import type { Queue } from 'bullmq';
import type { RawEventPayload } from '@switchboard/events';
import { jobs, jobIdFor, type JobInput } from '@switchboard/queues';

/** Where an accepted event goes before its 2xx: it resolves only once the event is durable. */
export type EventSink = {
  /** Resolves when the event is in Redis (or the local spool); rejects when neither could take it. */
  submit(event: RawEventPayload): Promise<'queued' | 'spooled'>;
  close(): Promise<void>;
};

/** The deterministic job id of a raw event: a provider's retry finds its first delivery's job. */
export function rawEventJobId(event: Pick<RawEventPayload, 'provider' | 'dedupKey'>): string {
  return jobIdFor(event.provider, event.dedupKey);
}

/** A sink that adds each event to the inbound queue. */
export function queueSink(queue: Queue<JobInput<'inbound'>>): EventSink {
  return {
    async submit(event) {
      await queue.add(jobs.inbound.name, event, { jobId: rawEventJobId(event) });
      return 'queued';
    },
    async close() {},
  };
}

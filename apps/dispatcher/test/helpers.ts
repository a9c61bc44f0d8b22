import { randomBytes } from 'node:crypto';
import { outboundEvent, type OutboundEvent, type OutboundEventType } from '@switchboard/domain';
import { createDb, newId, writeDeliveries, type Db } from '@switchboard/db';
import type { Queue } from 'bullmq';
import { enqueueDeliveries, type JobInput } from '@switchboard/queues';

export const secret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** An endpoint row, as the console would create it. */
export async function createEndpoint(db: Db, input: { url: string; secret: string; environment?: string; eventTypes?: string[]; failingSince?: Date }) {
  return db.webhookEndpoint.create({
    data: {
      id: `ep_${randomBytes(6).toString('hex')}`,
      url: input.url,
      secret: input.secret,
      environment: input.environment ?? 'development',
      eventTypes: input.eventTypes ?? [],
      ...(input.failingSince ? { failingSince: input.failingSince } : {}),
    },
  });
}

/** Events as a state change would announce them: written in a transaction, then enqueued. */
export async function emit(db: Db, queue: Queue<JobInput<'delivery'>>, events: OutboundEvent[]): Promise<string[]> {
  const ids = await db.$transaction((tx) => writeDeliveries(tx, events));
  await enqueueDeliveries(queue, ids);
  return ids;
}

export function event(type: OutboundEventType = 'message.received', data: unknown = { text: 'bonjour' }): OutboundEvent {
  const id = newId();
  return outboundEvent(type, [id], { id, ...(data as object) });
}

export { createDb };

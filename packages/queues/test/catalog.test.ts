import { Queue } from 'bullmq';
import {
  createProcessorClaims,
  createQueue,
  createRedis,
  createWorker,
  enqueue,
  enqueueBulk,
  jobIdOf,
  jobs,
  processorProblems,
  type JobKey,
} from '@switchboard/queues';
import type { RawEventPayload } from '@switchboard/events';
import { uniquePrefix, waitFor } from '@switchboard/testing';

const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  for (const name of new Set(Object.values(jobs).map((j) => j.queue))) {
    const queue = new Queue(name, { connection: redis, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  redis.disconnect();
});

function rawEvent(dedupKey: string, extra: Partial<RawEventPayload> = {}): RawEventPayload {
  return {
    provider: 'twilio-messaging', dedupKey, route: '/webhooks/twilio/messages', url: 'http://127.0.0.1/webhooks/twilio/messages',
    receivedAt: new Date().toISOString(), headers: {}, body: 'Body=Bonjour', bodyEncoding: 'utf8', ...extra,
  };
}

describe('the boot check of processors', () => {
  test('every job of a consumed queue needs exactly one processor, and nothing else may be declared', () => {
    expect(processorProblems('inbound', ['inbound', 'inboundBatch'])).toEqual([]);
    expect(processorProblems('inbound', ['inbound'])).toEqual(['job "inboundBatch" of queue "inbound" has no processor']);
    expect(processorProblems('inbound', ['inbound', 'inboundBatch', 'inbound'])).toEqual(['job "inbound" of queue "inbound" has 2 processors']);
    expect(processorProblems('deliveries', ['delivery', 'send'])).toEqual(['"send" is not a job of queue "deliveries"']);
    expect(processorProblems('nowhere', [])).toEqual(['no queue "nowhere" in the job catalog']);
  });

  test('a second worker on a queue of the same process refuses to start, and so does one missing a job', () => {
    const claims = createProcessorClaims();
    const options = { connection: redis, prefix, concurrency: 1, claims, autorun: false };
    const first = createWorker('deliveries', { delivery: async () => undefined }, options);
    closers.push(() => first.close());
    expect(() => createWorker('deliveries', { delivery: async () => undefined }, options)).toThrow('refusing to start: job "delivery" of queue "deliveries" has 2 processors');
    // The type says it already; a caller that casts its way past it is refused at start.
    expect(() => createWorker('inbound', { inbound: async () => undefined } as never, options)).toThrow('refusing to start: job "inboundBatch" of queue "inbound" has no processor');
  });

  test('a worker runs the processor of each job by its name, with its parsed payload', async () => {
    const seen: string[] = [];
    const worker = createWorker('inbound', {
      inbound: async (event) => void seen.push(`one:${event.dedupKey}`),
      inboundBatch: async (batch) => void seen.push(`batch:${batch.events.map((e) => e.dedupKey).join(',')}`),
    }, { connection: redis, prefix, concurrency: 1, claims: createProcessorClaims() });
    closers.push(() => worker.close());
    const queue = createQueue('inbound', { connection: redis, prefix });
    closers.push(() => queue.close());
    await enqueue(queue, 'inbound', rawEvent('SMone'));
    await enqueue(queue, 'inboundBatch', { events: [rawEvent('SMa'), rawEvent('SMb')] });
    await waitFor(() => seen.length === 2, { what: 'both jobs' });
    expect(seen.sort()).toEqual(['batch:SMa,SMb', 'one:SMone']);
  });
});

describe('enqueue', () => {
  test('names and ids come from the catalog: the same event twice is one job, a replay is a job of its own', async () => {
    const queue = createQueue('inbound', { connection: redis, prefix: `${prefix}-enqueue` });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    const event = rawEvent('SM0001');
    const first = await enqueue(queue, 'inbound', event);
    expect(await enqueue(queue, 'inbound', event)).toBe(first);
    expect(first).toBe('twilio-messaging.SM0001');
    const replay = await enqueue(queue, 'inbound', { ...event, eventId: '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5' }, { replayAt: 1_700_000_000_000 });
    expect(replay).toBe('replay.6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5.1700000000000');
    const added = await queue.getJobs(['waiting']);
    expect(added.map((j) => [j.name, j.id]).sort()).toEqual([[jobs.inbound.name, replay], [jobs.inbound.name, first]]);
    await expect(enqueue(queue, 'inbound', event, { replayAt: 1 })).rejects.toThrow('a replayed raw event carries the eventId');
  });

  test('a job sent to another job\'s queue is refused, and nothing is added', async () => {
    const queue = createQueue('delivery', { connection: redis, prefix: `${prefix}-wrong` });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    await expect(enqueue(queue as never, 'send', { campaignMessageId: '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5' }, { retries: 0 })).rejects.toThrow('job "send" goes to queue "sends", not "deliveries"');
    expect(await queue.count()).toBe(0);
  });

  test('a bulk add takes each job\'s occasion and delay; ids are deterministic', async () => {
    const queue = createQueue('send', { connection: redis, prefix: `${prefix}-bulk` });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    const id = '6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5';
    const ids = await enqueueBulk(queue, 'send', [{ payload: { campaignMessageId: id }, options: { retries: 0 } }, { payload: { campaignMessageId: id }, options: { retries: 1, delay: 60_000 } }]);
    expect(ids).toEqual([`send.${id}.0`, `send.${id}.1`]);
    expect(await queue.getJobState(ids[1]!)).toBe('delayed');
    // @ts-expect-error a send's id needs its resend number
    expect(() => jobIdOf('send', { campaignMessageId: id })).toThrow('a send job id needs the send number');
    expect(jobIdOf('delivery', { deliveryId: id, attempt: 3 })).toBe(`${id}.3`);
    expect(jobIdOf('inboundBatch', { events: [rawEvent('SMa'), rawEvent('SMb')] })).toBe(jobIdOf('inboundBatch', { events: [rawEvent('SMa'), rawEvent('SMb')] }));
    const scheduled: JobKey[] = ['silence'];
    // @ts-expect-error the silence evaluation is added by its job scheduler only
    expect(() => jobIdOf(scheduled[0]!, {})).toThrow('job "silence" is added by its job scheduler only');
  });
});

import { attachProviderMessageId, type Db } from '@switchboard/db';
import type { Queue } from 'bullmq';
import { createQueue, createRedis, enqueue, jobs, type JobInput } from '@switchboard/queues';
import { uniquePrefix, waitFor } from '@switchboard/testing';
import type { RawEventPayload } from '@switchboard/events';
import { enableSubscriber, outboundSid, rawSms, rawStatus, rowCounts, queuesDrained, seedCampaign, startWorkers, type Workers } from './workers-fixtures.ts';

let workers: Workers;
let db: Db;
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inboundBatch', { connection: redis, prefix });
const interpretQueue = createQueue('interpretBatch', { connection: redis, prefix }) as Queue<JobInput<'interpret'> | JobInput<'interpretBatch'>>;
const deliveryQueue = createQueue('delivery', { connection: redis, prefix });

beforeAll(async () => {
  workers = await startWorkers({ LISTENER_CONCURRENCY: '8', INTERPRETER_CONCURRENCY: '8' }, { prefix, beforeStart: enableSubscriber });
  db = workers.db;
});

afterAll(async () => {
  await workers?.close();
  await Promise.all([inboundQueue.close(), interpretQueue.close(), deliveryQueue.close()]);
  redis.disconnect();
});

/** Adds a batch job as ingest does, named and identified by the catalog. */
const addBatch = async (events: RawEventPayload[]) => (await inboundQueue.getJob(await enqueue(inboundQueue, 'inboundBatch', { events })))!;
const settled = (job: { getState(): Promise<string> }, state: 'completed' | 'failed') =>
  waitFor(async () => (await job.getState()) === state, { what: `the batch job ${state}` });
const drained = () => queuesDrained([inboundQueue, interpretQueue]);
const messagesOf = (events: RawEventPayload[]) => db.message.findMany({ where: { externalId: { in: events.map((e) => e.dedupKey) } }, include: { intent: true } });

describe('batch jobs on the inbound queue', () => {
  test('each event of a batch is applied as a single event would be; one repeated inside the batch counts once', async () => {
    const stop = rawSms({ Body: 'STOP', From: '+33640000001' });
    const question = rawSms({ Body: 'Quel est le prix ?', From: '+33640000002' });
    const { messages } = await seedCampaign(db, ['+33640000003']);
    const sid = outboundSid();
    await attachProviderMessageId(db, messages[0]!.id, sid, new Date());
    const delivered = rawStatus(sid, 'delivered', { to: '+33640000003' });
    const job = await addBatch([stop, question, delivered, stop]);
    await settled(job, 'completed');
    await waitFor(async () => (await messagesOf([stop, question])).every((m) => m.intent), { what: 'both messages interpreted' });
    await drained();

    expect((await inboundQueue.getJob(job.id!))!.returnvalue).toMatchObject({ events: 3 });
    expect(await db.rawEvent.count({ where: { dedupKey: { in: [stop.dedupKey, question.dedupKey, delivered.dedupKey] } } })).toBe(3);
    const stored = await messagesOf([stop, question]);
    expect(stored.map((m) => [m.sender, m.intent!.label]).sort()).toEqual([['+33640000001', 'opt_out'], ['+33640000002', 'question']]);
    expect(await db.contact.findUniqueOrThrow({ where: { address: '+33640000001' } })).toMatchObject({ optedOut: true });
    expect(await db.campaignMessage.findUniqueOrThrow({ where: { id: messages[0]!.id } })).toMatchObject({ status: 'delivered' });
    // Announced once each: message.received and message.interpreted per message.
    expect(await db.webhookDelivery.count({ where: { eventKey: { in: stored.flatMap((m) => [`message.received:${m.id}`, `message.interpreted:${m.id}`]) } } })).toBe(4);
  });

  test('a batch run again (a replay from Bull Board, or the same events in another batch) changes nothing', async () => {
    const events = Array.from({ length: 12 }, (_, i) => rawSms({ Body: i % 3 === 0 ? 'Rappelez-moi demain' : 'Oui ça m’intéresse', From: `+336410000${String(i).padStart(2, '0')}` }));
    const job = await addBatch(events);
    await settled(job, 'completed');
    await waitFor(async () => (await messagesOf(events)).filter((m) => m.intent).length === events.length, { what: 'the batch interpreted' });
    await drained();
    const before = await rowCounts(db);

    // Retrying a completed job is what Bull Board's "retry" does to it.
    await (await inboundQueue.getJob(job.id!))!.retry('completed');
    await settled(job, 'completed');
    const regrouped = await addBatch([events[5]!, events[0]!, events[11]!]);
    await settled(regrouped, 'completed');
    await drained();
    expect(await rowCounts(db)).toEqual(before);
    const stored = await messagesOf(events);
    expect(await db.callbackRequest.count({ where: { messageId: { in: stored.map((m) => m.id) } } })).toBe(4);
  });

  test('the messages of a batch reach the interpreter as one job, which run again changes nothing', async () => {
    const events = Array.from({ length: 5 }, (_, i) => rawSms({ Body: 'Pouvez-vous me rappeler ?', From: `+336430000${i}` }));
    await settled(await addBatch(events), 'completed');
    await waitFor(async () => (await messagesOf(events)).filter((m) => m.intent).length === events.length, { what: 'the batch interpreted' });
    await drained();
    const stored = await messagesOf(events);
    const handOff = (await interpretQueue.getJobs(['completed'])).find((job) => job.name === jobs.interpretBatch.name && 'items' in job.data && job.data.items.some((item) => item.eventId === stored[0]!.eventId))!;
    expect((handOff.data as { items: { eventId: string }[] }).items.map((item) => item.eventId).sort()).toEqual(stored.map((m) => m.eventId).sort());
    expect(handOff.returnvalue).toMatchObject({ messages: 5, results: stored.map(() => expect.objectContaining({ status: 'created' })) });
    // The provider's payload is not copied into the job: the raw event keeps it, byte for byte.
    for (const item of (handOff.data as { items: { message: object }[] }).items) expect(item.message).not.toHaveProperty('rawData');
    const raw = await db.rawEvent.findUniqueOrThrow({ where: { id: stored[0]!.eventId } });
    expect(raw.body).toBe(events.find((e) => e.dedupKey === raw.dedupKey)!.body);

    const before = await rowCounts(db);
    await handOff.retry('completed');
    await settled(handOff, 'completed');
    expect((await interpretQueue.getJob(handOff.id!))!.returnvalue).toMatchObject({ results: stored.map(() => expect.objectContaining({ status: 'exists' })) });
    expect(await rowCounts(db)).toEqual(before);
  });

  test('an interpret job queued before the payload left the job (it carries rawData) is interpreted as any other', async () => {
    const older = rawSms({ Body: 'Oui je veux bien', From: '+33644000002' });
    const rawEvent = await db.rawEvent.create({ data: { id: crypto.randomUUID(), provider: older.provider, dedupKey: older.dedupKey, route: older.route, url: older.url, receivedAt: new Date(older.receivedAt), headers: older.headers, body: older.body, bodyEncoding: older.bodyEncoding } });
    const message = { kind: 'message', source: 'sms', externalId: older.dedupKey, sender: '+33644000002', recipient: null, content: 'Oui je veux bien', campaignId: null, receivedAt: older.receivedAt, extractedData: {}, rawData: { Body: 'Oui je veux bien', From: '+33644000002' } };
    const id = await enqueue(interpretQueue, 'interpretBatch', { items: [{ eventId: rawEvent.id, message, replay: false }] } as unknown as JobInput<'interpretBatch'>);
    await settled((await interpretQueue.getJob(id))!, 'completed');
    expect((await messagesOf([older]))[0]).toMatchObject({ sender: '+33644000002', content: 'Oui je veux bien', intent: expect.objectContaining({ label: 'interested' }) });
  });

  test('an event that cannot be normalized fails the batch with its reason after the others were applied; a retry applies nothing twice', async () => {
    const poison = { ...rawSms({ From: '+33642000000' }), contentType: 'application/json', body: '{not json' };
    const good = Array.from({ length: 5 }, (_, i) => rawSms({ Body: 'Oui', From: `+3364200000${i + 1}` }));
    const job = await addBatch([good[0]!, good[1]!, poison, good[2]!, good[3]!, good[4]!]);
    await settled(job, 'failed');
    await waitFor(async () => (await messagesOf(good)).filter((m) => m.intent).length === good.length, { what: 'the good messages interpreted' });

    const failed = (await inboundQueue.getJob(job.id!))!;
    expect(failed.failedReason).toMatch(/^1 of 6 events of the batch cannot apply \(the others did\): cannot normalize twilio-messaging event [0-9a-f-]{36}: .*JSON/);
    expect(failed.attemptsMade).toBe(1);
    // The bad event's raw copy is kept, for a replay once the code handles it.
    expect(await db.rawEvent.count({ where: { dedupKey: poison.dedupKey } })).toBe(1);
    expect(await db.message.count({ where: { externalId: poison.dedupKey } })).toBe(0);

    await drained();
    const before = await rowCounts(db);
    await failed.retry('failed');
    await settled(job, 'failed');
    await drained();
    expect(await rowCounts(db)).toEqual(before);
  });
});

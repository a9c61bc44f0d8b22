import { attachProviderMessageId, createDb, type Db } from '@switchboard/db';
import { createRawEventProcessor } from '@switchboard/listener';
import { createQueue, createRedis, jobIdOf } from '@switchboard/queues';
import { createTestDatabase, testLogger, uniquePrefix, type TestDatabase } from '@switchboard/testing';
import { enableSubscriber, outboundSid, rawStatus, rowCounts, seedCampaign, workersNormalize } from './workers-fixtures.ts';

let database: TestDatabase;
let db: Db;
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const interpretQueue = createQueue('interpret', { connection: redis, prefix });
const deliveryQueue = createQueue('delivery', { connection: redis, prefix });
let run: ReturnType<typeof createRawEventProcessor>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 4 });
  run = createRawEventProcessor({ db, interpretQueue, deliveryQueue, logger: testLogger('listener'), batchSize: 50, normalize: workersNormalize });
});

afterAll(async () => {
  await Promise.all([interpretQueue.obliterate({ force: true }), deliveryQueue.obliterate({ force: true })]);
  await Promise.all([interpretQueue.close(), deliveryQueue.close()]);
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

/** A campaign with one message per recipient, each attached to a fresh SID. */
async function sentCampaign(n: number) {
  const { campaign, messages } = await seedCampaign(db, Array.from({ length: n }, (_, i) => `+3361000${String(Date.now() % 10_000).padStart(4, '0')}${i}`));
  const sids: string[] = [];
  for (const m of messages) {
    const sid = outboundSid();
    await attachProviderMessageId(db, m.id, sid);
    sids.push(sid);
  }
  return { campaign, messages, sids };
}

const counters = async (id: string) => {
  const c = await db.campaign.findUniqueOrThrow({ where: { id } });
  return { queued: c.queued, sending: c.sending, sent: c.sent, delivered: c.delivered, read: c.read, failed: c.failed, undelivered: c.undelivered, skipped: c.skipped };
};

/** The counters as the campaign's messages say they should be. */
async function countedFromMessages(id: string) {
  const rows = await db.campaignMessage.groupBy({ by: ['status'], where: { campaignId: id }, _count: true });
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, r._count]));
  return { queued: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, undelivered: 0, skipped: 0, ...byStatus };
}

const at = (offsetMs: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, 0) + offsetMs);

describe('Twilio status callbacks for campaign messages', () => {
  test('delivered before sent ends delivered, and each counter moves once', async () => {
    const { campaign, messages, sids } = await sentCampaign(2);
    await run(rawStatus(sids[0]!, 'delivered', { receivedAt: at(2_000) }));
    await run(rawStatus(sids[0]!, 'sent', { receivedAt: at(1_000) }));
    const message = await db.campaignMessage.findUniqueOrThrow({ where: { id: messages[0]!.id } });
    expect(message.status).toBe('delivered');
    expect(await counters(campaign.id)).toEqual({ queued: 1, sending: 0, sent: 0, delivered: 1, read: 0, failed: 0, undelivered: 0, skipped: 0 });
    // Both callbacks are on record, even the one that came too late to apply.
    expect(await db.messageStatus.count({ where: { providerMessageId: sids[0]! } })).toBe(2);
  });

  test('sent twice counts once; a repeated callback is recorded once', async () => {
    const { campaign, sids } = await sentCampaign(1);
    expect(await run(rawStatus(sids[0]!, 'sent', { receivedAt: at(1_000) }))).toMatchObject({ kind: 'status', outcome: 'applied' });
    expect(await run(rawStatus(sids[0]!, 'sent', { receivedAt: at(1_500) }))).toMatchObject({ kind: 'status', outcome: 'unchanged' });
    expect(await counters(campaign.id)).toMatchObject({ queued: 0, sent: 1 });
    expect(await db.messageStatus.count({ where: { providerMessageId: sids[0]! } })).toBe(1);
  });

  test('failed then delivered stays failed, with its error code', async () => {
    const { campaign, messages, sids } = await sentCampaign(1);
    await run(rawStatus(sids[0]!, 'failed', { errorCode: 30008, receivedAt: at(1_000) }));
    await run(rawStatus(sids[0]!, 'delivered', { receivedAt: at(2_000) }));
    expect(await db.campaignMessage.findUniqueOrThrow({ where: { id: messages[0]!.id } })).toMatchObject({ status: 'failed', errorCode: 30008 });
    expect(await counters(campaign.id)).toMatchObject({ queued: 0, delivered: 0, failed: 1 });
  });

  test('a late undelivered does not undo a delivery; read after delivered moves on', async () => {
    const { campaign, messages, sids } = await sentCampaign(1);
    await run(rawStatus(sids[0]!, 'delivered', { receivedAt: at(1_000) }));
    await run(rawStatus(sids[0]!, 'undelivered', { errorCode: 30005, receivedAt: at(2_000) }));
    expect(await db.campaignMessage.findUniqueOrThrow({ where: { id: messages[0]!.id } })).toMatchObject({ status: 'delivered', errorCode: null });
    await run(rawStatus(sids[0]!, 'read', { receivedAt: at(3_000) }));
    expect(await counters(campaign.id)).toMatchObject({ delivered: 0, read: 1, undelivered: 0 });
  });

  test('a callback for an unknown SID waits, and attachProviderMessageId applies it in order', async () => {
    const { campaign, messages } = await seedCampaign(db, ['+33620000001']);
    const sid = outboundSid();
    expect(await run(rawStatus(sid, 'delivered', { receivedAt: at(2_000) }))).toMatchObject({ outcome: 'pending' });
    expect(await run(rawStatus(sid, 'sent', { receivedAt: at(1_000) }))).toMatchObject({ outcome: 'pending' });
    expect(await db.pendingStatus.count({ where: { providerMessageId: sid } })).toBe(2);
    expect(await db.campaignMessage.findUniqueOrThrow({ where: { id: messages[0]!.id } })).toMatchObject({ status: 'queued', providerMessageId: null });

    await attachProviderMessageId(db, messages[0]!.id, sid);
    expect(await db.campaignMessage.findUniqueOrThrow({ where: { id: messages[0]!.id } })).toMatchObject({ status: 'delivered', providerMessageId: sid });
    expect(await db.pendingStatus.count({ where: { providerMessageId: sid } })).toBe(0);
    expect(await counters(campaign.id)).toMatchObject({ queued: 0, sent: 0, delivered: 1 });

    // Once more with the same SID: nothing changes. Another SID for the same message: refused.
    await attachProviderMessageId(db, messages[0]!.id, sid);
    expect(await counters(campaign.id)).toMatchObject({ queued: 0, sent: 0, delivered: 1 });
    await expect(attachProviderMessageId(db, messages[0]!.id, outboundSid())).rejects.toThrow(/already has another Twilio SID/);
    await expect(attachProviderMessageId(db, '00000000-0000-4000-8000-000000000000', outboundSid())).rejects.toThrow(/no campaign message/);
  });

  test('the same callback processed twice, then replayed, changes nothing the second time', async () => {
    const { campaign, sids } = await sentCampaign(1);
    const event = rawStatus(sids[0]!, 'delivered', { receivedAt: at(1_000) });
    const first = await run(event);
    const before = { rows: await rowCounts(db), counters: await counters(campaign.id) };
    const second = await run(event);
    await run({ ...event, eventId: first.eventId });
    expect(second.eventId).toBe(first.eventId);
    expect({ rows: await rowCounts(db), counters: await counters(campaign.id) }).toEqual(before);
  });

  test('a burst of callbacks in any order keeps counters equal to the messages’ statuses', async () => {
    const { campaign, sids } = await sentCampaign(40);
    const lifecycle = ['queued', 'sending', 'sent', 'delivered'];
    const events = sids.flatMap((sid, i) => {
      const last = i % 4 === 0 ? ['queued', 'sent', 'undelivered'] : i % 4 === 1 ? ['sent', 'failed'] : lifecycle;
      return last.map((status, k) => rawStatus(sid, status, { receivedAt: at(k * 1_000), errorCode: status === 'failed' || status === 'undelivered' ? 30003 : undefined }));
    });
    // Shuffled and all at once (they share batches), then all again (duplicates).
    const shuffled = events.map((e) => ({ e, r: Math.random() })).sort((a, b) => a.r - b.r).map((x) => x.e);
    await Promise.all(shuffled.map((e) => run(e)));
    await Promise.all(shuffled.map((e) => run(e)));
    expect(await counters(campaign.id)).toEqual(await countedFromMessages(campaign.id));
    expect(await counters(campaign.id)).toMatchObject({ undelivered: 10, failed: 10, delivered: 20, queued: 0, sent: 0, sending: 0 });
    expect(await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).toMatchObject({ status: 'completed' });
  });

  test('status changes and the completed campaign are announced once each, with their jobs', async () => {
    await enableSubscriber(db);
    const { campaign, sids } = await sentCampaign(2);
    await run(rawStatus(sids[0]!, 'delivered', { receivedAt: at(1_000) }));
    expect(await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).toMatchObject({ status: 'sending', completedAt: null });
    await run(rawStatus(sids[1]!, 'failed', { receivedAt: at(1_000), errorCode: 30003 }));
    await run(rawStatus(sids[1]!, 'failed', { receivedAt: at(1_000), errorCode: 30003 }));
    expect(await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).toMatchObject({ status: 'completed' });

    const deliveries = await db.webhookDelivery.findMany({ where: { OR: [{ eventKey: { startsWith: `message.status:${sids[0]}` } }, { eventKey: { startsWith: `message.status:${sids[1]}` } }, { eventKey: `campaign.completed:${campaign.id}` }] }, orderBy: { eventKey: 'asc' } });
    expect(deliveries.map((d) => d.eventKey).sort()).toEqual([`campaign.completed:${campaign.id}`, `message.status:${sids[0]}:delivered`, `message.status:${sids[1]}:failed`].sort());
    const completed = deliveries.find((d) => d.type === 'campaign.completed')!;
    expect(completed.payload).toMatchObject({ type: 'campaign.completed', data: { id: campaign.id, total: 2, counts: { delivered: 1, failed: 1 }, deliveryRate: 0.5, failureRate: 0.5 } });
    expect(typeof (completed.payload as { timestamp: unknown }).timestamp).toBe('string');
    const status = deliveries.find((d) => d.eventKey === `message.status:${sids[1]}:failed`)!;
    expect(status.payload).toMatchObject({ type: 'message.status', data: { providerMessageId: sids[1], status: 'failed', errorCode: 30003, campaignId: campaign.id } });
    for (const d of deliveries) {
      const job = await deliveryQueue.getJob(jobIdOf('delivery', { deliveryId: d.id, attempt: 1 }));
      expect(job?.data).toEqual({ deliveryId: d.id, attempt: 1 });
    }
  });

  test('a callback without MessageStatus fails at once with the reason, and is kept raw', async () => {
    const event = rawStatus(outboundSid(), 'sent');
    event.body = 'MessageSid=SMbroken';
    await expect(run(event)).rejects.toThrow(/^cannot normalize twilio-status event [0-9a-f-]{36}: .*status/);
    expect(await db.rawEvent.count({ where: { dedupKey: event.dedupKey } })).toBe(1);
  });
});

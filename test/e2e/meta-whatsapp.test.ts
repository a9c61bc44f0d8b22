import type { Db } from '@switchboard/db';
import { startIngest } from '@switchboard/ingest';
import { createQueue, createRedis, jobIdFor } from '@switchboard/queues';
import {
  metaWebhookBody,
  metaWebhookSignature,
  startMetaFake,
  startTwilioFake,
  testConfig,
  testLogger,
  uniquePrefix,
  waitFor,
  type MetaFake,
  type MetaFakeAnswer,
  type MetaStatusPlan,
  type TwilioFake,
} from '@switchboard/testing';
import { startStack, type Stack } from './stack.ts';

const APP_SECRET = 'meta-e2e-app-secret-0123456789abcdef';
const VERIFY_TOKEN = 'meta-e2e-verify-token';
const ACCESS_TOKEN = 'EAAG-meta-e2e-access-token';
const PHONE_NUMBER_ID = '106540352242922';
const ACCOUNT_SID = 'AC' + 'd'.repeat(32);
const AUTH_TOKEN = 'metae2emetae2emetae2emetae2e0123';
const ADMIN_TOKEN = 'meta-e2e-admin-token-0123456789';

let stack: Stack;
let db: Db;
let meta: MetaFake;
let twilio: TwilioFake;
const prefix = uniquePrefix();
/** Per recipient, the fake Graph API's answers in order; absent or exhausted: create. */
const scripted = new Map<string, MetaFakeAnswer[]>();
/** The stack's environment, for a second ingest beside it. */
let env: Record<string, string>;

beforeAll(async () => {
  meta = await startMetaFake({ phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, answer: (r) => scripted.get(r.to)?.shift() ?? { kind: 'create' } });
  twilio = await startTwilioFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  const providers = {
    ADMIN_TOKEN, SEND_RATE_PER_SECOND: '0', RETRY_BASE_MS: '100', CAMPAIGN_MAX_RETRIES: '0',
    META_APP_SECRET: APP_SECRET, META_VERIFY_TOKEN: VERIFY_TOKEN, META_ACCESS_TOKEN: ACCESS_TOKEN, META_PHONE_NUMBER_ID: PHONE_NUMBER_ID, META_API_BASE_URL: meta.url,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: '+15005550006', TWILIO_API_BASE_URL: twilio.url,
  };
  stack = await startStack(providers, { prefix });
  db = stack.db;
  env = { ...providers, DATABASE_URL: stack.database.url, QUEUE_PREFIX: prefix };
});

afterAll(async () => {
  await stack?.close();
  await Promise.all([meta?.close(), twilio?.close()]);
});

const webhookUrl = () => `${stack.ingest.url}/webhooks/meta/whatsapp`;
/** `signature` null: no header at all. */
const postMeta = (body: string, signature: string | null = metaWebhookSignature(APP_SECRET, body)) =>
  fetch(webhookUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }) }, body });
const metaEvents = () => db.rawEvent.count({ where: { provider: 'meta-whatsapp' } });
const api = (path: string, init?: RequestInit) => stack.api(path, init);

type CampaignJson = { id: string; status: string; provider: string; total: number; counts: Record<string, number>; deliveryRate: number; failureRate: number };
async function createAndSend(body: Record<string, unknown>): Promise<CampaignJson> {
  const res = await api('/api/campaigns', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  const campaign = (await res.json()) as CampaignJson;
  expect((await api(`/api/campaigns/${campaign.id}/send`, { method: 'POST', body: '{}' })).status).toBe(202);
  return campaign;
}
const getCampaign = async (id: string) => (await (await api(`/api/campaigns/${id}`)).json()) as CampaignJson;

describe('Meta WhatsApp Cloud API end to end', () => {
  test('the GET verification request echoes hub.challenge for the right token only', async () => {
    const url = (token: string) => `${webhookUrl()}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`;
    const ok = await fetch(url(VERIFY_TOKEN));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(url('not-the-token'));
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: expect.stringContaining('verify_token') });
  });

  test('a forged signature, a missing header or a tampered body is refused and nothing is stored', async () => {
    const body = metaWebhookBody(PHONE_NUMBER_ID, { messages: [{ from: '33611000001', id: 'wamid.forged', timestamp: '1764417600', type: 'text', text: { body: 'STOP' } }] });
    expect((await postMeta(body, metaWebhookSignature('not-the-app-secret', body))).status).toBe(403);
    expect((await postMeta(body, null)).status).toBe(401);
    expect((await postMeta(body.replace('STOP', 'START'), metaWebhookSignature(APP_SECRET, body))).status).toBe(403);
    // An accepted request made after them is the proof they would have been stored by now.
    const later = metaWebhookBody(PHONE_NUMBER_ID, { messages: [{ from: '33611000002', id: 'wamid.after-forged', timestamp: '1764417600', type: 'text', text: { body: 'Bonjour' } }] });
    expect((await postMeta(later)).status).toBe(200);
    await waitFor(() => db.message.findFirst({ where: { externalId: 'wamid.after-forged' } }), { what: 'the genuine message', timeoutMs: 30_000 });
    expect(await db.rawEvent.count({ where: { dedupKey: 'wamid.forged' } })).toBe(0);
    expect(await db.message.count({ where: { externalId: 'wamid.forged' } })).toBe(0);
  });

  test('one POST with two messages and a status is three events; the messages are classified, a STOP opts out across providers, a retry changes nothing', async () => {
    const interested = '33611000010';
    const stopper = '33611000011';
    const body = metaWebhookBody(PHONE_NUMBER_ID, {
      contacts: [{ profile: { name: 'Marie' }, wa_id: interested }, { profile: { name: 'Paul' }, wa_id: stopper }],
      messages: [
        { from: interested, id: 'wamid.e2e-interested', timestamp: '1764417600', type: 'text', text: { body: 'Oui ça m\u2019intéresse, vous pouvez m\u2019envoyer le devis ?' } },
        { from: stopper, id: 'wamid.e2e-stop', timestamp: '1764417601', type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'unsubscribe', title: 'STOP' } } },
      ],
      statuses: [{ id: 'wamid.e2e-elsewhere', status: 'delivered', timestamp: '1764417602', recipient_id: interested }],
    });
    const before = await metaEvents();
    expect((await postMeta(body)).status).toBe(200);
    await waitFor(async () => (await db.messageIntent.count({ where: { message: { externalId: { in: ['wamid.e2e-interested', 'wamid.e2e-stop'] } } } })) === 2, { what: 'both messages interpreted', timeoutMs: 30_000 });
    await waitFor(() => db.pendingStatus.findFirst({ where: { providerMessageId: 'wamid.e2e-elsewhere' } }), { what: 'the status recorded', timeoutMs: 30_000 });
    expect(await metaEvents()).toBe(before + 3);
    const events = await db.rawEvent.findMany({ where: { provider: 'meta-whatsapp', dedupKey: { in: ['wamid.e2e-interested', 'wamid.e2e-stop', 'wamid.e2e-elsewhere.delivered'] } }, select: { body: true, item: true } });
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.body))).toEqual(new Set([body]));

    const messages = await db.message.findMany({ where: { externalId: { in: ['wamid.e2e-interested', 'wamid.e2e-stop'] } }, include: { intent: true }, orderBy: { externalId: 'asc' } });
    expect(messages.map((m) => [m.source, m.sender, m.intent?.label])).toEqual([['whatsapp', `+${interested}`, 'interested'], ['whatsapp', `+${stopper}`, 'opt_out']]);
    await waitFor(() => db.contact.findFirst({ where: { address: `+${stopper}`, optedOut: true } }), { what: 'the opt-out', timeoutMs: 30_000 });

    // Meta retries the same POST (for up to 7 days): acknowledged, nothing new.
    expect((await postMeta(body)).status).toBe(200);
    const marker = metaWebhookBody(PHONE_NUMBER_ID, { messages: [{ from: '33611000012', id: 'wamid.e2e-marker', timestamp: '1764417603', type: 'text', text: { body: 'Merci' } }] });
    expect((await postMeta(marker)).status).toBe(200);
    await waitFor(() => db.message.findFirst({ where: { externalId: 'wamid.e2e-marker' } }), { what: 'the message posted after the retry', timeoutMs: 30_000 });
    expect(await metaEvents()).toBe(before + 4);
    expect(await db.message.count({ where: { externalId: { in: ['wamid.e2e-interested', 'wamid.e2e-stop'] } } })).toBe(2);
    expect(await db.messageStatus.count({ where: { providerMessageId: 'wamid.e2e-elsewhere' } })).toBe(1);
    expect(await db.pendingStatus.count({ where: { providerMessageId: 'wamid.e2e-elsewhere' } })).toBe(1);

    // A replay from the console re-runs its own item of the shared body (the second message), and only it.
    const stopEvent = await db.rawEvent.findFirstOrThrow({ where: { provider: 'meta-whatsapp', dedupKey: 'wamid.e2e-stop' } });
    expect(stopEvent.item).toEqual({ entry: 0, change: 0, field: 'messages', index: 1 });
    expect((await api(`/api/events/${stopEvent.id}/replay`, { method: 'POST' })).status).toBe(202);
    const redis = createRedis('redis://127.0.0.1:6379', 'worker');
    const interpretQueue = createQueue('interpret', { connection: redis, prefix });
    try {
      const replayed = await waitFor(async () => {
        const jobs = (await interpretQueue.getJobs(['completed'])).filter((j) => j.id?.startsWith(`msg.${stopEvent.id}.replay-`));
        return jobs.length > 0 ? jobs : undefined;
      }, { what: 'the replayed item interpreted', timeoutMs: 30_000 });
      expect(replayed.map((j) => (j.data as { message: { externalId: string } }).message.externalId)).toEqual(['wamid.e2e-stop']);
    } finally {
      await interpretQueue.close();
      redis.disconnect();
    }
    expect(await db.message.count({ where: { externalId: { in: ['wamid.e2e-interested', 'wamid.e2e-stop'] } } })).toBe(2);

    // The opt-out made on WhatsApp through Meta holds for an SMS campaign through Twilio.
    const sms = await createAndSend({ name: 'SMS after a Meta STOP', channel: 'sms', body: 'Offre', recipients: [`+${stopper}`, `+${interested}`] });
    const done = await waitFor(async () => {
      const c = await getCampaign(sms.id);
      return c.counts.skipped === 1 && c.counts.queued === 1 && twilio.requests.length > 0 ? c : undefined;
    }, { what: 'the SMS campaign sent or skipped', timeoutMs: 30_000 });
    expect(done.counts).toMatchObject({ skipped: 1, queued: 1 });
    expect(twilio.requests.map((r) => r.to)).toEqual([`+${interested}`]);
  }, 90_000);

  test('Meta retrying a week later (BullMQ has dropped the jobs, another ingest answers) is still deduplicated by the raw event store', async () => {
    const from = '33611000040';
    const body = metaWebhookBody(PHONE_NUMBER_ID, { messages: [{ from, id: 'wamid.e2e-week', timestamp: '1764417600', type: 'text', text: { body: 'Je veux bien un rendez-vous' } }] });
    expect((await postMeta(body)).status).toBe(200);
    const message = await waitFor(() => db.message.findFirst({ where: { externalId: 'wamid.e2e-week' }, include: { intent: true } }), { what: 'the message interpreted', timeoutMs: 30_000 });
    const redis = createRedis('redis://127.0.0.1:6379', 'worker');
    const inbound = createQueue('inbound', { connection: redis, prefix });
    const interpret = createQueue('interpret', { connection: redis, prefix });
    const other = await startIngest(testConfig(env), testLogger('ingest-2'));
    try {
      // What a week of job retention (a day) leaves: no job to dedupe against, in Redis or in ingest's memory.
      await waitFor(async () => (await interpret.getJob(`msg.${message.eventId}`))?.finishedOn, { what: 'the interpret job finished', timeoutMs: 30_000 });
      for (const queue of [inbound, interpret]) await queue.clean(0, 10_000, 'completed');
      const inboundId = jobIdFor('meta-whatsapp', 'wamid.e2e-week');
      expect(await inbound.getJob(inboundId)).toBeUndefined();

      const retry = await fetch(`${other.url}/webhooks/meta/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaWebhookSignature(APP_SECRET, body) }, body });
      expect(retry.status).toBe(200);
      // The retry runs through the listener and the interpreter again, and changes nothing.
      await waitFor(async () => (await inbound.getJob(inboundId))?.finishedOn, { what: 'the retried event processed', timeoutMs: 30_000 });
      const again = await waitFor(async () => {
        const job = await interpret.getJob(`msg.${message.eventId}`);
        return job?.finishedOn ? job : undefined;
      }, { what: 'the retried message interpreted', timeoutMs: 30_000 });
      expect(again.returnvalue).toMatchObject({ status: 'exists' });
      expect(await db.rawEvent.count({ where: { dedupKey: 'wamid.e2e-week' } })).toBe(1);
      expect(await db.message.findMany({ where: { externalId: 'wamid.e2e-week' }, include: { intent: true } })).toEqual([message]);
    } finally {
      await other.close();
      await Promise.all([inbound.close(), interpret.close()]);
      redis.disconnect();
    }
  }, 90_000);

  test('a campaign sent through the Graph API: a rate limit pauses, a refusal fails with Meta\'s code, Meta\'s statuses complete it', async () => {
    const recipients = ['+33611000020', '+33611000021', '+33611000022', '+33611000023'];
    const [throttled, refused, reader, failer] = recipients as [string, string, string, string];
    scripted.set(throttled, [{ kind: 'error', status: 400, code: 130429, message: 'Rate limit hit' }]);
    scripted.set(refused, [{ kind: 'error', status: 400, code: 131026, message: 'Message undeliverable' }]);
    const campaign = await createAndSend({ name: 'Relance Meta', channel: 'whatsapp', provider: 'meta', body: 'Bonjour {{firstName}}, votre devis est prêt.', recipients: recipients.map((address, i) => ({ address, firstName: `P${i}` })) });
    expect(campaign.provider).toBe('meta');

    const sent = await waitFor(async () => {
      const rows = await db.campaignMessage.findMany({ where: { campaignId: campaign.id, sendState: 'sent' } });
      return rows.length === 3 ? rows : undefined;
    }, { what: 'three wamids stored', timeoutMs: 30_000 });
    const mine = meta.requests.filter((r) => recipients.includes(r.to));
    expect(mine.every((r) => r.authOk && r.json.messaging_product === 'whatsapp' && r.json.type === 'text')).toBe(true);
    expect(mine.filter((r) => r.to === throttled)).toHaveLength(2);
    expect(mine.filter((r) => r.to === refused)).toHaveLength(1);
    expect(mine.find((r) => r.to === reader)!.body).toBe('Bonjour P2, votre devis est prêt.');
    for (const row of sent) expect(meta.messages.get(row.providerMessageId!)?.request.to).toBe(row.recipient);
    expect(await db.campaignMessage.findFirst({ where: { campaignId: campaign.id, recipient: refused } })).toMatchObject({ status: 'failed', errorCode: 131026 });

    const message = (to: string) => [...meta.messages.values()].find((m) => m.request.to === to)!;
    const plans: MetaStatusPlan[] = [
      { message: message(throttled), status: 'sent' }, { message: message(throttled), status: 'delivered' },
      { message: message(reader), status: 'sent' }, { message: message(reader), status: 'delivered' }, { message: message(reader), status: 'read' },
      { message: message(failer), status: 'sent' }, { message: message(failer), status: 'failed', errorCode: 131050 },
    ];
    // Out of order, several per POST, and every POST delivered twice (Meta's retries).
    const shuffled = [plans[4]!, plans[0]!, plans[6]!, plans[2]!, plans[1]!, plans[5]!, plans[3]!];
    expect(await meta.postStatuses(webhookUrl(), shuffled, 3)).toEqual([200, 200, 200]);
    expect(await meta.postStatuses(webhookUrl(), shuffled, 3)).toEqual([200, 200, 200]);

    const done = await waitFor(async () => {
      const c = await getCampaign(campaign.id);
      return c.status === 'completed' && c.counts.read === 1 ? c : undefined;
    }, { what: 'the campaign completed', timeoutMs: 30_000 });
    expect(done.counts).toMatchObject({ queued: 0, sent: 0, delivered: 1, read: 1, failed: 2 });
    expect(done.deliveryRate).toBeCloseTo(0.5, 10);
    expect(done.failureRate).toBeCloseTo(0.5, 10);
    expect(await db.campaignMessage.findFirst({ where: { campaignId: campaign.id, recipient: failer } })).toMatchObject({ status: 'failed', errorCode: 131050 });
    // The campaign completes once each message settled; a repeated `sent` may still be on its way.
    const wamids = [throttled, reader, failer].map((to) => message(to).wamid);
    await waitFor(async () => (await db.messageStatus.count({ where: { providerMessageId: { in: wamids } } })) >= plans.length, { what: 'every status recorded', timeoutMs: 30_000 });
    expect(await db.messageStatus.count({ where: { providerMessageId: { in: wamids } } })).toBe(plans.length);
  }, 90_000);

  test('a 500 after Meta created the message: with no lookup at Meta, the retry sends again and keeps the second wamid', async () => {
    const to = '+33611000030';
    scripted.set(to, [{ kind: 'create-then-500' }]);
    const campaign = await createAndSend({ name: 'Meta 500', channel: 'whatsapp', provider: 'meta', body: 'Bonjour', recipients: [to] });
    const row = await waitFor(() => db.campaignMessage.findFirst({ where: { campaignId: campaign.id, sendState: 'sent' } }), { what: 'the wamid stored', timeoutMs: 30_000 });
    const sends = meta.requests.filter((r) => r.to === to);
    expect(sends).toHaveLength(2);
    // Both sends carry the same campaign message and send number: a duplicate is traceable in Meta's statuses.
    expect(new Set(sends.map((r) => r.tracking))).toEqual(new Set([`${row.id}.0`]));
    const created = [...meta.messages.values()].filter((m) => m.request.to === to);
    expect(created).toHaveLength(2);
    expect(row.providerMessageId).toBe(created[1]!.wamid);
  }, 60_000);
});

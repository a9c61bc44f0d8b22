import type { Db } from '@switchboard/db';
import {
  startTwilioFake,
  waitFor,
  type CallbackPlan,
  type FakeAnswer,
  type FakeMessage,
  type TwilioFake,
} from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';
import { startStack, type Stack } from './stack.ts';
import { enableSubscriber } from './workers-fixtures.ts';

const ACCOUNT_SID = 'AC' + 'c'.repeat(32);
const AUTH_TOKEN = 'campaigns0campaigns0campaigns012';
const FROM = '+15005550006';
const ADMIN_TOKEN = 'campaigns-test-admin-token-0123456789';

let stack: Stack;
let db: Db;
let twilio: TwilioFake;
/** Per recipient (To without whatsapp:), the fake's answers in order; absent or exhausted: create. */
const scripted = new Map<string, FakeAnswer[]>();

beforeAll(async () => {
  twilio = await startTwilioFake({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    answer: (request) => scripted.get(request.to.replace(/^whatsapp:/, ''))?.shift() ?? { kind: 'create' },
  });
  stack = await startStack({
    TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: FROM,
    TWILIO_API_BASE_URL: twilio.url, ADMIN_TOKEN, LISTENER_CONCURRENCY: '32', INTERPRETER_CONCURRENCY: '8', DISPATCHER_CONCURRENCY: '16',
    SEND_RATE_PER_SECOND: '0', RETRY_BASE_MS: '100', CAMPAIGN_MAX_RETRIES: '2',
  }, { beforeStart: enableSubscriber });
  db = stack.db;
});

afterAll(async () => {
  await stack?.close();
  await twilio?.close();
});

const api = (path: string, init?: RequestInit) => stack.api(path, init);

let numberSeq = 0;
/** Fresh valid French mobile numbers, unique across the file. */
function numbers(n: number): string[] {
  return Array.from({ length: n }, () => `+3361${String(++numberSeq).padStart(7, '0')}`);
}

type CampaignJson = { id: string; status: string; total: number; counts: Record<string, number>; deliveryRate: number; failureRate: number; alertedAt: string | null };

async function createCampaign(body: Record<string, unknown>): Promise<CampaignJson> {
  const res = await api('/api/campaigns', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as CampaignJson;
}

async function send(id: string, sendAt?: Date): Promise<Response> {
  return api(`/api/campaigns/${id}/send`, { method: 'POST', body: JSON.stringify(sendAt ? { sendAt: sendAt.toISOString() } : {}) });
}

const getCampaign = async (id: string) => (await (await api(`/api/campaigns/${id}`)).json()) as CampaignJson;
const requestsTo = (to: string) => twilio.requests.filter((r) => r.to.replace(/^whatsapp:/, '') === to);
const messageTo = (to: string): FakeMessage | undefined => [...twilio.messages.values()].find((m) => m.request.to.replace(/^whatsapp:/, '') === to);

/** The counters as the campaign's rows say they should be. */
async function recount(campaignId: string): Promise<Record<string, number>> {
  const rows = await db.campaignMessage.groupBy({ by: ['status'], where: { campaignId }, _count: true });
  return { queued: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, undelivered: 0, skipped: 0, canceled: 0, ...Object.fromEntries(rows.map((r) => [r.status, r._count])) };
}

/** A gate the fake holds sends on until the test opens it. */
function gate(): { answer: FakeAnswer; open(): void } {
  let open!: () => void;
  const promise = new Promise<FakeAnswer>((resolve) => {
    open = () => resolve({ kind: 'create' });
  });
  return { answer: { kind: 'defer', answer: promise }, open };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('campaigns through the console, the dispatcher and Twilio', () => {
  test('1,000 WhatsApp recipients: well-formed sends, shuffled and duplicated callbacks, counts equal a recount, completed once', async () => {
    const recipients = numbers(1_000).map((address, i) => ({ address, firstName: `Prénom${i}` }));
    const created = await createCampaign({ name: 'Relance novembre', channel: 'whatsapp', body: 'Bonjour {{firstName}}, votre offre vous attend.', recipients });
    expect(created).toMatchObject({ status: 'draft', total: 1_000, counts: { queued: 1_000 } });
    const sentAt = Date.now();
    expect((await send(created.id)).status).toBe(202);

    const sends = await waitFor(() => {
      const mine = twilio.requests.filter((r) => r.at >= sentAt && r.body.includes('votre offre'));
      return mine.length >= 1_000 ? mine : undefined;
    }, { what: '1,000 sends', timeoutMs: 120_000 });
    expect(sends).toHaveLength(1_000);
    const byTo = new Map(recipients.map((r) => [`whatsapp:${r.address}`, r]));
    for (const r of sends) {
      expect(r.authOk).toBe(true);
      expect(r.from).toBe(`whatsapp:${FROM}`);
      expect(r.statusCallback).toBe(`${stack.ingest.url}/webhooks/twilio/status`);
      expect(r.body).toBe(`Bonjour ${byTo.get(r.to)!.firstName}, votre offre vous attend.`);
    }
    expect(new Set(sends.map((r) => r.to)).size).toBe(1_000);
    await waitFor(async () => (await db.campaignMessage.count({ where: { campaignId: created.id, sendState: 'sent' } })) === 1_000, { what: 'every SID stored', timeoutMs: 60_000 });

    // Twilio's callbacks: out of order, 30% repeated, a fifth of the messages failing.
    const plans: CallbackPlan[] = [];
    [...twilio.messages.values()].filter((m) => byTo.has(m.request.to)).forEach((message, i) => {
      const lifecycle: CallbackPlan[] =
        i % 10 < 6 ? [{ message, status: 'queued' }, { message, status: 'sent' }, { message, status: 'delivered' }]
        : i % 10 < 8 ? [{ message, status: 'sent' }, { message, status: 'delivered' }, { message, status: 'read' }]
        : i % 10 === 8 ? [{ message, status: 'sent' }, { message, status: 'failed', errorCode: 63024 }]
        : [{ message, status: 'sent' }, { message, status: 'undelivered', errorCode: 30005 }];
      plans.push(...lifecycle);
    });
    const duplicates = plans.filter(() => Math.random() < 0.3);
    const answers = await twilio.postCallbacks(shuffle([...plans, ...duplicates]));
    expect(answers.every((s) => s === 200)).toBe(true);

    await waitFor(async () => (await getCampaign(created.id)).status === 'completed', { what: 'the campaign completed', timeoutMs: 150_000 });
    // A campaign completes once every message settled (delivered counts as settled), so `read`
    // callbacks may still be on their way through the listener: wait until each distinct callback
    // Twilio was answered 200 for is recorded before reading the counters.
    const distinct = new Set(plans.map((p) => `${p.message.sid}.${p.status}`)).size;
    const sids = [...new Set(plans.map((p) => p.message.sid))];
    await waitFor(async () => (await db.messageStatus.count({ where: { providerMessageId: { in: sids } } })) === distinct, { what: 'every callback recorded', timeoutMs: 60_000 });
    const done = await getCampaign(created.id);
    const counted = await recount(created.id);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual(counted);
    expect(counted).toMatchObject({ delivered: 600, read: 200, failed: 100, undelivered: 100, queued: 0, sent: 0 });
    expect(done.deliveryRate).toBeCloseTo((counted.delivered! + counted.read!) / 1_000, 10);
    expect(done.failureRate).toBeCloseTo(0.2, 10);
    expect(await db.webhookDelivery.count({ where: { type: 'campaign.completed', eventKey: `campaign.completed:${created.id}` } })).toBe(1);
    // Each message's final status was announced once, however often Twilio reported it.
    const announced = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM webhook_deliveries d JOIN campaign_messages cm
        ON cm.provider_message_id = d.payload->'data'->>'providerMessageId' AND cm.status = d.payload->'data'->>'status'
      WHERE d.type = 'message.status' AND cm.campaign_id = ${created.id}::uuid`;
    expect(Number(announced[0]!.n)).toBe(1_000);
  }, 300_000);

  test('a STOP that arrives mid-campaign stops the sends to that contact; an earlier opt-out is skipped too', async () => {
    const [early, ...rest] = numbers(40);
    await postSignedTwilio(`${stack.ingest.url}/webhooks/twilio/messages`, inboundSms({ From: early!, Body: 'STOP' }), { authToken: AUTH_TOKEN });
    await waitFor(() => db.contact.findFirst({ where: { address: early!, optedOut: true } }), { what: 'the early opt-out', timeoutMs: 30_000 });
    const held = gate();
    for (const to of rest) scripted.set(to, [held.answer]);
    const campaign = await createCampaign({ name: 'Opt-out', channel: 'sms', body: 'Offre', recipients: [early, ...rest] });
    expect((await send(campaign.id)).status).toBe(202);

    // The dispatcher holds 16 sends open at Twilio; the others wait their turn in the queue.
    await waitFor(() => rest.filter((to) => requestsTo(to).length > 0).length === 16, { what: '16 sends in flight', timeoutMs: 30_000 });
    const stopper = rest.find((to) => requestsTo(to).length === 0)!;
    await postSignedTwilio(`${stack.ingest.url}/webhooks/twilio/messages`, inboundSms({ From: stopper, Body: 'STOP' }), { authToken: AUTH_TOKEN });
    await waitFor(() => db.contact.findFirst({ where: { address: stopper, optedOut: true } }), { what: 'the STOP applied', timeoutMs: 30_000 });
    held.open();

    const done = await waitFor(async () => {
      const c = await getCampaign(campaign.id);
      return c.counts.queued === 38 && c.counts.skipped === 2 ? c : undefined;
    }, { what: 'every message sent or skipped', timeoutMs: 30_000 });
    expect(requestsTo(stopper)).toHaveLength(0);
    expect(requestsTo(early!)).toHaveLength(0);
    expect(done.counts).toEqual(await recount(campaign.id));
    const skipped = await db.campaignMessage.findMany({ where: { campaignId: campaign.id, status: 'skipped' }, select: { recipient: true } });
    expect(skipped.map((m) => m.recipient).sort()).toEqual([early, stopper].sort());
  });

  test('a 429 is retried after its Retry-After, then the message is sent once', async () => {
    const [to] = numbers(1);
    scripted.set(to!, [{ kind: 'error', status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '1' }]);
    const campaign = await createCampaign({ name: '429', channel: 'sms', body: 'Bonjour', recipients: [to] });
    await send(campaign.id);
    const message = await waitFor(() => db.campaignMessage.findFirst({ where: { campaignId: campaign.id, sendState: 'sent' } }), { what: 'the SID stored', timeoutMs: 30_000 });
    const requests = requestsTo(to!);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(message).toMatchObject({ status: 'queued', providerMessageId: messageTo(to!)!.sid, retries: 0 });
  });

  test('a 500 after Twilio created the message: the retry finds it at Twilio and adopts it instead of sending again', async () => {
    const [to] = numbers(1);
    scripted.set(to!, [{ kind: 'create-then-500' }]);
    const lists = twilio.listRequests;
    const campaign = await createCampaign({ name: '500', channel: 'sms', body: 'Bonjour', recipients: [to] });
    await send(campaign.id);
    const message = await waitFor(() => db.campaignMessage.findFirst({ where: { campaignId: campaign.id, sendState: 'sent' } }), { what: 'the SID stored', timeoutMs: 30_000 });
    expect(requestsTo(to!)).toHaveLength(1);
    expect(message.providerMessageId).toBe(messageTo(to!)!.sid);
    expect(twilio.listRequests).toBeGreaterThan(lists);
  });

  test('a 21211 fails the message with Twilio\'s code and message, without retry', async () => {
    const [bad, good] = numbers(2);
    scripted.set(bad!, [{ kind: 'error', status: 400, code: 21211, message: `The 'To' number ${bad} is not a valid phone number.` }]);
    const campaign = await createCampaign({ name: '21211', channel: 'sms', body: 'Bonjour', recipients: [bad, good] });
    await send(campaign.id);
    const failed = await waitFor(() => db.campaignMessage.findFirst({ where: { campaignId: campaign.id, recipient: bad!, status: 'failed' } }), { what: 'the refusal', timeoutMs: 30_000 });
    expect(failed).toMatchObject({ errorCode: 21211, errorMessage: `The 'To' number ${bad} is not a valid phone number.`, retries: 0, sendState: 'refused', providerMessageId: null });
    await waitFor(async () => (await getCampaign(campaign.id)).counts.failed === 1, { what: 'the failure counted', timeoutMs: 30_000 });
    expect(requestsTo(bad!)).toHaveLength(1);
    const res = await api(`/api/campaigns/${campaign.id}/messages?status=failed`);
    const page = (await res.json()) as { data: { recipient: string; errorCode: number; retries: number }[] };
    expect(page.data).toEqual([expect.objectContaining({ recipient: bad, errorCode: 21211, retries: 0 })]);
  });

  test('a message that keeps failing with a retryable code is sent again up to CAMPAIGN_MAX_RETRIES, its history kept', async () => {
    const [to] = numbers(1);
    const campaign = await createCampaign({ name: 'Retries', channel: 'sms', body: 'Bonjour', recipients: [to] });
    await send(campaign.id);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const request = await waitFor(() => requestsTo(to!)[attempt - 1], { what: `send ${attempt}`, timeoutMs: 30_000 });
      const message = [...twilio.messages.values()].find((m) => m.request === request)!;
      await waitFor(() => db.campaignMessage.findFirst({ where: { providerMessageId: message.sid } }), { what: `SID ${attempt} stored`, timeoutMs: 30_000 });
      await twilio.postCallbacks([{ message, status: 'sent' }, { message, status: 'failed', errorCode: 30008 }]);
    }
    const final = await waitFor(async () => {
      const c = await getCampaign(campaign.id);
      return c.status === 'completed' ? c : undefined;
    }, { what: 'the campaign completed', timeoutMs: 30_000 });
    expect(final.counts).toMatchObject({ failed: 1, queued: 0 });
    expect(requestsTo(to!)).toHaveLength(3);
    type Page = { data: { retries: number; status: string; errorCode: number; history: { providerMessageId: string; status: string }[] }[] };
    // The last `sent` may reach the listener after the `failed` that completed the campaign.
    const page = await waitFor(async () => {
      const p = (await (await api(`/api/campaigns/${campaign.id}/messages`)).json()) as Page;
      return p.data[0]!.history.length === 6 ? p : undefined;
    }, { what: 'the six callbacks in the history', timeoutMs: 30_000 });
    expect(page.data[0]).toMatchObject({ retries: 2, status: 'failed', errorCode: 30008 });
    expect(page.data[0]!.history.map((h) => h.status)).toEqual(['sent', 'failed', 'sent', 'failed', 'sent', 'failed']);
    expect(new Set(page.data[0]!.history.map((h) => h.providerMessageId)).size).toBe(3);
  });

  test('campaign.alert fires once when the failure rate reaches the threshold after 20 decided messages', async () => {
    const recipients = numbers(30);
    const campaign = await createCampaign({ name: 'Alert', channel: 'sms', body: 'Bonjour', recipients });
    await send(campaign.id);
    await waitFor(async () => (await db.campaignMessage.count({ where: { campaignId: campaign.id, sendState: 'sent' } })) === 30, { what: 'every SID stored', timeoutMs: 30_000 });
    const messages = recipients.map((to) => messageTo(to)!);
    // 19 decided with 5 failures: not yet (too few); the 20th decides it (6 of 20 failed).
    await twilio.postCallbacks(messages.slice(0, 14).map((message) => ({ message, status: 'delivered' })));
    await twilio.postCallbacks(messages.slice(14, 19).map((message) => ({ message, status: 'undelivered', errorCode: 30007 })));
    await waitFor(async () => (await getCampaign(campaign.id)).counts.undelivered === 5, { what: '19 decided', timeoutMs: 30_000 });
    expect((await getCampaign(campaign.id)).alertedAt).toBeNull();
    await twilio.postCallbacks([{ message: messages[19]!, status: 'undelivered', errorCode: 30007 }]);
    await waitFor(async () => (await getCampaign(campaign.id)).alertedAt, { what: 'the alert', timeoutMs: 30_000 });
    await twilio.postCallbacks(messages.slice(20).map((message) => ({ message, status: 'failed', errorCode: 30007 })));
    await waitFor(async () => (await getCampaign(campaign.id)).status === 'completed', { what: 'the campaign completed', timeoutMs: 30_000 });
    const alerts = await db.webhookDelivery.findMany({ where: { type: 'campaign.alert', eventKey: `campaign.alert:${campaign.id}` } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.payload).toMatchObject({ type: 'campaign.alert', data: { id: campaign.id, failureRate: 0.3, threshold: 0.2, decided: 20 } });
  });

  test('cancel stops the pending sends; the ones already with Twilio keep being tracked', async () => {
    const recipients = numbers(40);
    const held = gate();
    for (const to of recipients) scripted.set(to, [held.answer]);
    const campaign = await createCampaign({ name: 'Cancel', channel: 'sms', body: 'Bonjour', recipients });
    await send(campaign.id);
    await waitFor(() => recipients.filter((to) => requestsTo(to).length > 0).length === 16, { what: '16 sends in flight', timeoutMs: 30_000 });
    const res = await api(`/api/campaigns/${campaign.id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'canceled', canceledMessages: 24, counts: { canceled: 24, queued: 16 } });
    held.open();
    await waitFor(async () => (await db.campaignMessage.count({ where: { campaignId: campaign.id, sendState: 'sent' } })) === 16, { what: 'the 16 in flight stored', timeoutMs: 30_000 });
    const sentTo = recipients.filter((to) => requestsTo(to).length > 0);
    await twilio.postCallbacks(sentTo.map((to) => ({ message: messageTo(to)!, status: 'delivered' })));
    const tracked = await waitFor(async () => {
      const c = await getCampaign(campaign.id);
      return c.counts.delivered === 16 ? c : undefined;
    }, { what: 'the 16 delivered', timeoutMs: 30_000 });
    expect(tracked).toMatchObject({ status: 'canceled', counts: { canceled: 24, delivered: 16, queued: 0 } });
    expect(recipients.filter((to) => requestsTo(to).length > 0)).toHaveLength(16);
    expect((await api(`/api/campaigns/${campaign.id}/send`, { method: 'POST', body: '{}' })).status).toBe(409);
  });

  test('a scheduled send starts at sendAt, not before', async () => {
    const recipients = numbers(3);
    const campaign = await createCampaign({ name: 'Later', channel: 'sms', body: 'Bonjour', recipients });
    const sendAt = new Date(Date.now() + 2_000);
    const res = await send(campaign.id, sendAt);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'sending', sendAt: sendAt.toISOString() });
    await waitFor(() => recipients.every((to) => requestsTo(to).length === 1), { what: 'the scheduled sends', timeoutMs: 15_000 });
    for (const to of recipients) expect(requestsTo(to)[0]!.at).toBeGreaterThanOrEqual(sendAt.getTime());
  });

  test('unknown campaigns are 404, a second send is 409, a body that is not JSON is 415 or 400', async () => {
    const unknown = '0190a0a0-0000-7000-8000-000000000000';
    expect((await api(`/api/campaigns/${unknown}`)).status).toBe(404);
    expect((await send(unknown)).status).toBe(404);
    expect((await api('/api/campaigns/not-a-uuid')).status).toBe(400);
    const campaign = await createCampaign({ name: 'Twice', channel: 'sms', body: 'Bonjour', recipients: numbers(1) });
    expect((await send(campaign.id)).status).toBe(202);
    expect((await send(campaign.id)).status).toBe(409);
    expect((await api('/api/campaigns', { method: 'POST', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await api(`/api/campaigns/${campaign.id}/send`, { method: 'POST', body: JSON.stringify({ sendAt: 'tomorrow' }) })).status).toBe(400);
    const list = (await (await api('/api/campaigns?limit=2')).json()) as { data: { id: string }[]; nextCursor: string | null };
    expect(list.data[0]!.id).toBe(campaign.id);
    expect(list.nextCursor).not.toBeNull();
  });

  test('invalid recipients are refused with their index and reason, and nothing is created', async () => {
    const before = await db.campaign.count();
    const res = await api('/api/campaigns', {
      method: 'POST',
      body: JSON.stringify({ name: 'Bad', channel: 'fax', body: 'x', recipients: ['+33612345678', '0612345678', { address: '+331' }, { firstName: 'no address' }] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { fields: string[]; invalidRecipients: number; recipients: { index: number; reason: string }[] };
    expect(body.fields.sort()).toEqual(['channel', 'recipients']);
    expect(body.invalidRecipients).toBe(3);
    expect(body.recipients.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(body.recipients[0]!.reason).toMatch(/E\.164/);
    expect(await db.campaign.count()).toBe(before);
    expect((await api('/api/campaigns', { method: 'POST', body: '{"name": "x", "recipients": [' })).status).toBe(400);
  });

  test('a campaign is sent by its channel\'s default provider unless it names one the channel allows', async () => {
    const plain = await createCampaign({ name: 'Default provider', channel: 'whatsapp', body: 'Bonjour', recipients: numbers(1) });
    expect(plain).toMatchObject({ channel: 'whatsapp', provider: 'twilio' });
    const named = await createCampaign({ name: 'Named provider', channel: 'sms', provider: 'twilio', body: 'Bonjour', recipients: numbers(1) });
    expect(named).toMatchObject({ channel: 'sms', provider: 'twilio' });
    const before = await db.campaign.count();
    const res = await api('/api/campaigns', { method: 'POST', body: JSON.stringify({ name: 'Wrong provider', channel: 'sms', provider: 'mailgun', body: 'Bonjour', recipients: numbers(1) }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; fields: string[] };
    expect(body.fields).toEqual(['provider']);
    expect(body.error).toMatch(/provider: must be one of "twilio", "vonage" for an sms campaign/);
    expect(await db.campaign.count()).toBe(before);
  });
});

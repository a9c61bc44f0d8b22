import { randomUUID } from 'node:crypto';
import type { Db } from '@switchboard/db';
import { startIngest } from '@switchboard/ingest';
import { createQueue, createRedis } from '@switchboard/queues';
import {
  postSignedVonage,
  startVonageFake,
  testConfig,
  testLogger,
  uniquePrefix,
  vonageWebhookToken,
  waitFor,
  type VonageFake,
  type VonageFakeAnswer,
  type VonageFakeMessage,
} from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';
import { startStack, type Stack } from './stack.ts';

const SIGNATURE_SECRET = 'vonage-e2e-signature-secret-0123456789';
const API_KEY = 'a1b2c3d4';
const API_SECRET = 'vonage-e2e-api-secret';
const TWILIO_TOKEN = 'vonage0e2e0twilio0token0000000000';
const ADMIN_TOKEN = 'vonage-test-admin-token-0123456789';

let stack: Stack;
let db: Db;
let vonage: VonageFake;
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });
/** Per recipient (digits, as Vonage gets them), the fake's answers in order; absent or exhausted: create. */
const scripted = new Map<string, VonageFakeAnswer[]>();

beforeAll(async () => {
  vonage = await startVonageFake({ apiKey: API_KEY, apiSecret: API_SECRET, signatureSecret: SIGNATURE_SECRET, answer: (r) => scripted.get(r.to)?.shift() ?? { kind: 'create' } });
  stack = await startStack({
    VONAGE_SIGNATURE_SECRET: SIGNATURE_SECRET, VONAGE_API_KEY: API_KEY, VONAGE_API_SECRET: API_SECRET,
    VONAGE_FROM: '+33757000000', VONAGE_WHATSAPP_FROM: '14157386102', VONAGE_API_BASE_URL: vonage.url, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, ADMIN_TOKEN,
    LISTENER_CONCURRENCY: '8', INTERPRETER_CONCURRENCY: '8', DISPATCHER_CONCURRENCY: '8', SEND_RATE_PER_SECOND: '0', RETRY_BASE_MS: '100',
    CAMPAIGN_MAX_RETRIES: '2', JOB_BACKOFF_BASE_MS: '200', JOB_BACKOFF_MAX_MS: '1000',
  }, { prefix });
  db = stack.db;
});

afterAll(async () => {
  await stack?.close();
  await vonage?.close();
  await inboundQueue.close();
  redis.disconnect();
});

let numberSeq = 0;
/** Fresh French mobile numbers in E.164, unique across the file. */
const numbers = (n: number) => Array.from({ length: n }, () => `+3362${String(++numberSeq).padStart(7, '0')}`);
/** A number as the Messages API writes it: digits without `+`. */
const digits = (e164: string) => e164.slice(1);

const inboundUrl = () => `${stack.ingest.url}/webhooks/vonage/inbound`;
const statusUrl = () => `${stack.ingest.url}/webhooks/vonage/status`;

function inbound(channel: 'sms' | 'whatsapp', from: string, text: string): Record<string, unknown> {
  return {
    channel, message_uuid: randomUUID(), to: channel === 'sms' ? '33757000000' : '14157386102', from: digits(from), timestamp: new Date().toISOString(),
    message_type: 'text', text, context_status: 'none', ...(channel === 'whatsapp' ? { profile: { name: 'Zoé' } } : { sms: { num_messages: '1' } }),
  };
}

const messageByUuid = (uuid: string) => db.message.findFirst({ where: { externalId: uuid }, include: { intent: true, contact: true, event: true } });
const jobCount = () => inboundQueue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');

describe('Vonage inbound, end to end', () => {
  test('a signed SMS is acknowledged, stored under the E.164 number with source sms, and classified', async () => {
    const [from] = numbers(1);
    const body = inbound('sms', from!, 'Oui je suis intéressé');
    expect(await postSignedVonage(inboundUrl(), body, SIGNATURE_SECRET)).toEqual({ status: 200, body: '' });
    const message = await waitFor(() => messageByUuid(body.message_uuid as string), { what: 'the message row' });
    expect(message).toMatchObject({ source: 'sms', sender: from, recipient: '+33757000000', content: 'Oui je suis intéressé' });
    expect(message.intent).toMatchObject({ label: 'interested' });
    expect(message.event).toMatchObject({ provider: 'vonage-inbound', dedupKey: body.message_uuid, route: '/webhooks/vonage/inbound', body: JSON.stringify(body) });
  });

  test('a WhatsApp STOP opts the contact out; the same person on Twilio is the same, opted-out contact', async () => {
    const [from] = numbers(1);
    const stop = inbound('whatsapp', from!, 'STOP');
    expect((await postSignedVonage(inboundUrl(), stop, SIGNATURE_SECRET)).status).toBe(200);
    const stored = await waitFor(() => messageByUuid(stop.message_uuid as string), { what: 'the STOP message' });
    expect(stored).toMatchObject({ source: 'whatsapp', sender: from });
    expect(stored.intent).toMatchObject({ label: 'opt_out', confidence: 1 });
    expect(stored.contact).toMatchObject({ address: from, optedOut: true });

    const sms = inboundSms({ From: from!, Body: 'Bonjour' });
    expect((await postSignedTwilio(`${stack.ingest.url}/webhooks/twilio/messages`, sms, { authToken: TWILIO_TOKEN })).status).toBe(200);
    const viaTwilio = await waitFor(() => db.message.findFirst({ where: { externalId: sms.MessageSid }, include: { contact: true } }), { what: 'the Twilio message' });
    expect(viaTwilio.contact).toMatchObject({ id: stored.contact!.id, optedOut: true });
    expect(await db.contact.count({ where: { address: from } })).toBe(1);
  });

  test('Vonage retries of one message, each signed anew, are one event and one message', async () => {
    const [from] = numbers(1);
    const body = inbound('sms', from!, 'Quel est le prix ?');
    for (let i = 0; i < 3; i++) expect((await postSignedVonage(inboundUrl(), body, SIGNATURE_SECRET)).status).toBe(200);
    await waitFor(() => messageByUuid(body.message_uuid as string), { what: 'the message row' });
    // A later message from the same sender is the barrier: once it is stored, the retries were processed too.
    const barrier = inbound('sms', from!, 'merci');
    await postSignedVonage(inboundUrl(), barrier, SIGNATURE_SECRET);
    await waitFor(() => messageByUuid(barrier.message_uuid as string), { what: 'the barrier message' });
    expect(await db.rawEvent.count({ where: { dedupKey: body.message_uuid as string } })).toBe(1);
    expect(await db.message.count({ where: { externalId: body.message_uuid as string } })).toBe(1);
  });

  test('a forged, stale or body-tampered request is refused with 401 and leaves nothing behind', async () => {
    const [from] = numbers(1);
    const body = inbound('sms', from!, 'STOP');
    const text = JSON.stringify(body);
    const before = await jobCount();
    const forged = await postSignedVonage(inboundUrl(), body, 'not-the-secret-not-the-secret-0000');
    expect(forged).toEqual({ status: 401, body: JSON.stringify({ error: 'invalid Vonage signature: invalid signature' }) });
    const stale = await postSignedVonage(inboundUrl(), body, SIGNATURE_SECRET, { iat: Math.floor(Date.now() / 1000) - 3_600 });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.body)).toEqual({ error: expect.stringMatching(/^stale Vonage signature: issued 36\d\d s ago \(at most 300 s\)$/) });
    const tampered = await postSignedVonage(inboundUrl(), text.replace('STOP', 'START'), SIGNATURE_SECRET, { token: vonageWebhookToken(SIGNATURE_SECRET, text) });
    expect(tampered).toEqual({ status: 401, body: JSON.stringify({ error: 'payload_hash does not match the body' }) });
    const unsigned = await fetch(inboundUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    expect(unsigned.status).toBe(401);
    expect(await jobCount()).toBe(before);
    expect(await db.rawEvent.count({ where: { dedupKey: body.message_uuid as string } })).toBe(0);
  });

  test('without VONAGE_SIGNATURE_SECRET the Vonage routes answer 503 and take nothing', async () => {
    const bare = await startIngest(testConfig({ DATABASE_URL: stack.database.url, QUEUE_PREFIX: prefix }), testLogger('ingest-unconfigured'));
    try {
      const before = await jobCount();
      for (const path of ['/webhooks/vonage/inbound', '/webhooks/vonage/status']) {
        const answer = await postSignedVonage(`${bare.url}${path}`, inbound('sms', numbers(1)[0]!, 'hello'), SIGNATURE_SECRET);
        expect(answer).toEqual({ status: 503, body: JSON.stringify({ error: 'source not configured' }) });
      }
      expect(await jobCount()).toBe(before);
    } finally {
      await bare.close();
    }
  });
});

const api = (path: string, init?: RequestInit) => stack.api(path, init);

type CampaignJson = { id: string; status: string; provider: string; total: number; counts: Record<string, number> };

async function launch(body: Record<string, unknown>): Promise<CampaignJson> {
  const created = await api('/api/campaigns', { method: 'POST', body: JSON.stringify({ provider: 'vonage', ...body }) });
  expect(created.status).toBe(201);
  const campaign = (await created.json()) as CampaignJson;
  expect((await api(`/api/campaigns/${campaign.id}/send`, { method: 'POST', body: '{}' })).status).toBe(202);
  return campaign;
}

const getCampaign = async (id: string) => (await (await api(`/api/campaigns/${id}`)).json()) as CampaignJson;
const requestsTo = (e164: string) => vonage.requests.filter((r) => r.to === digits(e164));
const messageTo = (e164: string): VonageFakeMessage | undefined => [...vonage.messages.values()].find((m) => m.request.to === digits(e164));

describe('campaigns through Vonage', () => {
  test('an SMS campaign: well-formed sends, Vonage statuses (repeated too) drive the counters to completion', async () => {
    const [delivered, rejected, undeliverable, refused, optedOut] = numbers(5);
    const stop = inbound('sms', optedOut!, 'STOP');
    await postSignedVonage(inboundUrl(), stop, SIGNATURE_SECRET);
    await waitFor(() => db.contact.findFirst({ where: { address: optedOut!, optedOut: true } }), { what: 'the opt-out' });
    scripted.set(digits(refused!), [{ kind: 'error', status: 422, code: 1150, title: 'Invalid params', detail: 'The value of one or more parameters is invalid.' }]);

    const campaign = await launch({ name: 'Vonage SMS', channel: 'sms', body: 'Bonjour {{firstName}}', recipients: [delivered, rejected, undeliverable, refused, optedOut].map((address) => ({ address, firstName: 'Léa' })) });
    expect(campaign).toMatchObject({ provider: 'vonage', total: 5 });
    const sent = await waitFor(async () => ((await db.campaignMessage.count({ where: { campaignId: campaign.id, sendState: 'sent' } })) === 3 ? true : undefined), { what: 'three message_uuids stored' });
    expect(sent).toBe(true);

    for (const to of [delivered, rejected, undeliverable, refused]) {
      const [request] = requestsTo(to!);
      expect(request).toMatchObject({ authOk: true, channel: 'sms', messageType: 'text', from: '33757000000', to: digits(to!), text: 'Bonjour Léa' });
      const row = await db.campaignMessage.findFirstOrThrow({ where: { campaignId: campaign.id, recipient: to! } });
      expect(request!.clientRef).toBe(`${row.id}.0`);
    }
    expect(requestsTo(optedOut!)).toHaveLength(0);

    const answers = await vonage.postStatuses(statusUrl(), [
      { message: messageTo(delivered!)!, status: 'submitted' },
      { message: messageTo(delivered!)!, status: 'delivered' },
      { message: messageTo(delivered!)!, status: 'delivered' },
      { message: messageTo(rejected!)!, status: 'rejected', error: { code: 1320, detail: 'The number is not reachable' } },
      { message: messageTo(undeliverable!)!, status: 'submitted' },
      { message: messageTo(undeliverable!)!, status: 'undeliverable', error: { code: 1170, detail: 'Invalid or missing MSISDN' } },
    ]);
    expect(answers).toEqual([200, 200, 200, 200, 200, 200]);

    const done = await waitFor(async () => {
      const c = await getCampaign(campaign.id);
      return c.status === 'completed' ? c : undefined;
    }, { what: 'the campaign completed', timeoutMs: 30_000 });
    expect(done.counts).toMatchObject({ delivered: 1, failed: 2, undelivered: 1, skipped: 1, queued: 0, sent: 0 });
    expect(await db.campaignMessage.findFirst({ where: { campaignId: campaign.id, recipient: rejected! } })).toMatchObject({ status: 'failed', errorCode: 1320, errorMessage: 'The number is not reachable', retries: 0 });
    expect(await db.campaignMessage.findFirst({ where: { campaignId: campaign.id, recipient: refused! } })).toMatchObject({
      status: 'failed', sendState: 'refused', errorCode: 1150, errorMessage: 'Invalid params: The value of one or more parameters is invalid.', providerMessageId: null,
    });
    // A Vonage failure is not resent (its code is not a temporary one), however Twilio would read the code.
    expect(requestsTo(rejected!)).toHaveLength(1);
    expect(requestsTo(undeliverable!)).toHaveLength(1);
  });

  test('a WhatsApp campaign goes from the WhatsApp number; submitted, delivered and read end it read', async () => {
    const [to] = numbers(1);
    const campaign = await launch({ name: 'Vonage WhatsApp', channel: 'whatsapp', body: 'Votre devis est prêt', recipients: [to] });
    const row = await waitFor(() => db.campaignMessage.findFirst({ where: { campaignId: campaign.id, sendState: 'sent' } }), { what: 'the message_uuid stored' });
    expect(requestsTo(to!)).toMatchObject([{ channel: 'whatsapp', from: '14157386102', to: digits(to!), text: 'Votre devis est prêt' }]);
    expect(row.providerMessageId).toBe(messageTo(to!)!.messageUuid);
    const message = messageTo(to!)!;
    // Out of order: read before delivered; the status machine only moves forward.
    await vonage.postStatuses(statusUrl(), [{ message, status: 'submitted' }, { message, status: 'read' }, { message, status: 'delivered' }]);
    const done = await waitFor(async () => {
      const c = await getCampaign(campaign.id);
      return c.status === 'completed' && c.counts.read === 1 ? c : undefined;
    }, { what: 'the campaign completed, read' });
    expect(done.counts).toMatchObject({ read: 1, delivered: 0, sent: 0 });
  });

  test('a 429 is retried after its Retry-After, then the message is sent once', async () => {
    const [to] = numbers(1);
    scripted.set(digits(to!), [{ kind: 'error', status: 429, code: 1000, title: 'Rate Limit Hit', detail: 'Please wait, then retry your request', retryAfter: '1' }]);
    const campaign = await launch({ name: 'Vonage 429', channel: 'sms', body: 'Bonjour', recipients: [to] });
    const row = await waitFor(() => db.campaignMessage.findFirst({ where: { campaignId: campaign.id, sendState: 'sent' } }), { what: 'the message_uuid stored' });
    expect(requestsTo(to!)).toHaveLength(2);
    expect(row).toMatchObject({ status: 'queued', providerMessageId: messageTo(to!)!.messageUuid, retries: 0 });
  });

  test('a 500 after Vonage created the message: the retry adopts it from the status carrying its client_ref instead of sending again', async () => {
    const [to] = numbers(1);
    scripted.set(digits(to!), [{ kind: 'create-then-500' }]);
    const campaign = await launch({ name: 'Vonage 500', channel: 'sms', body: 'Bonjour', recipients: [to] });
    const created = await waitFor(() => messageTo(to!), { what: 'the message created at Vonage' });
    // The retries find no status yet and wait; Vonage's first status names our client_ref.
    expect(await vonage.postStatuses(statusUrl(), [{ message: created, status: 'submitted' }])).toEqual([200]);
    const row = await waitFor(() => db.campaignMessage.findFirst({ where: { campaignId: campaign.id, sendState: 'sent' } }), { what: 'the message adopted', timeoutMs: 30_000 });
    expect(row).toMatchObject({ providerMessageId: created.messageUuid, status: 'sent' });
    expect(requestsTo(to!)).toHaveLength(1);
  });
});

import { createDb, type Db } from '@switchboard/db';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, waitFor, type TestDatabase } from '@switchboard/testing';
import { inboundSms, messageSid, postSignedTwilio } from './helpers.ts';

const authToken = 'e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0';
let database: TestDatabase;
let db: Db;
let ingest: IngestService;
let listener: ListenerService;
let interpreter: InterpreterService;
let url: string;
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, TWILIO_AUTH_TOKEN: authToken, LISTENER_CONCURRENCY: '8', INTERPRETER_CONCURRENCY: '8' });
  db = createDb({ url: database.url, poolSize: 2 });
  ingest = await startIngest(config, testLogger('ingest'));
  listener = await startListener(config, testLogger('listener'));
  interpreter = await startInterpreter(config, testLogger('interpreter'));
  url = `${ingest.url}/webhooks/twilio/messages`;
});

afterAll(async () => {
  await Promise.all([ingest?.close(), listener?.close(), interpreter?.close()]);
  await inboundQueue.obliterate({ force: true });
  await inboundQueue.close();
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const messageBySid = (sid: string) =>
  db.message.findFirst({ where: { externalId: sid }, include: { intent: true, contact: true, event: true } });

describe('a Twilio inbound SMS, end to end', () => {
  test('a signed SMS is acknowledged with TwiML and stored with its intent', async () => {
    const sms = inboundSms({ Body: 'Oui je suis intéressé 😀', From: '+33611111111' });
    const response = await postSignedTwilio(url, sms, { authToken });
    expect(response).toEqual({ status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', contentType: 'text/xml; charset=utf-8' });

    const message = await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(message).toMatchObject({ source: 'sms', sender: '+33611111111', recipient: '+33757000000', content: 'Oui je suis intéressé 😀' });
    expect(message.intent).toMatchObject({ label: 'interested' });
    expect(message.contact).toMatchObject({ address: '+33611111111', kind: 'phone', optedOut: false, leadStatus: 'interested' });
    // The raw event is kept byte for byte.
    expect(message.event.body).toBe(new URLSearchParams(sms).toString());
    expect(message.event).toMatchObject({ provider: 'twilio-messaging', dedupKey: sms.MessageSid, route: '/webhooks/twilio/messages', url });
  });

  test('three deliveries of one MessageSid make one raw event and one message', async () => {
    const sms = inboundSms({ Body: 'Quel est le prix ?', From: '+33622222222' });
    for (let i = 0; i < 3; i++) expect((await postSignedTwilio(url, sms, { authToken })).status).toBe(200);
    await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    // A later message from the same sender is our barrier: once it is stored, the retries have been processed too.
    const barrier = inboundSms({ Body: 'merci', From: '+33622222222' });
    await postSignedTwilio(url, barrier, { authToken });
    await waitFor(() => messageBySid(barrier.MessageSid!), { what: 'the barrier message' });
    expect(await db.rawEvent.count({ where: { dedupKey: sms.MessageSid } })).toBe(1);
    expect(await db.message.count({ where: { externalId: sms.MessageSid } })).toBe(1);
  });

  test('retries carrying the same I-Twilio-Idempotency-Token are one event, keyed by the signed MessageSid', async () => {
    const sms = inboundSms({ Body: 'Je veux bien plus d’infos', From: '+33633333333' });
    const headers = { 'i-twilio-idempotency-token': `${sms.MessageSid}-token` };
    for (let i = 0; i < 3; i++) expect((await postSignedTwilio(url, sms, { authToken, headers })).status).toBe(200);
    await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(await db.rawEvent.count({ where: { dedupKey: sms.MessageSid } })).toBe(1);
    expect(await db.message.count({ where: { externalId: sms.MessageSid } })).toBe(1);
  });

  test('STOP is recorded as an opt-out of the contact, and START opts back in', async () => {
    const from = '+33644444444';
    const stop = inboundSms({ Body: 'STOP', From: from });
    await postSignedTwilio(url, stop, { authToken });
    const stored = await waitFor(() => messageBySid(stop.MessageSid!), { what: 'the STOP message' });
    expect(stored.intent).toMatchObject({ label: 'opt_out', confidence: 1 });
    expect(await db.contact.findUnique({ where: { address: from } })).toMatchObject({ optedOut: true });

    const start = inboundSms({ Body: 'start', From: from });
    await postSignedTwilio(url, start, { authToken });
    await waitFor(() => messageBySid(start.MessageSid!), { what: 'the START message' });
    expect(await db.contact.findUnique({ where: { address: from } })).toMatchObject({ optedOut: false });
  });

  test('a WhatsApp message is stored under the number, with whatsapp as its source', async () => {
    const sms = inboundSms({ Body: 'Arrêt', From: 'whatsapp:+33655555555', To: 'whatsapp:+14155238886', ProfileName: 'Zoé' });
    await postSignedTwilio(url, sms, { authToken });
    const message = await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(message).toMatchObject({ source: 'whatsapp', sender: '+33655555555' });
    expect(message.intent).toMatchObject({ label: 'opt_out' });
  });

  test('a keyword gets its auto-reply in the same TwiML answer, and the event is still stored', async () => {
    const sms = inboundSms({ Body: 'Horaires', From: '+33666666666' });
    const response = await postSignedTwilio(url, sms, { authToken });
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/<Response><Message>Nous sommes ouverts[^<]*<\/Message><\/Response>$/);
    const message = await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(message.intent).toMatchObject({ label: 'info_request' });
  });

  test('a bad signature is refused with 403 and leaves nothing behind', async () => {
    const before = await inboundQueue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    const sms = inboundSms({ Body: 'forged', From: '+33677777777' });
    const response = await postSignedTwilio(url, sms, { authToken, signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toEqual({ error: 'invalid X-Twilio-Signature' });
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(sms).toString() });
    expect(unsigned.status).toBe(401);
    expect(await inboundQueue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized')).toBe(before);
    expect(await db.rawEvent.count({ where: { dedupKey: sms.MessageSid } })).toBe(0);
  });

  test('missing fields are refused with 400 naming them, and leave nothing behind', async () => {
    const before = await inboundQueue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    const { From: _from, Body: _body, ...partial } = inboundSms({ MessageSid: messageSid() });
    const response = await postSignedTwilio(url, partial, { authToken });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'missing required fields: From, Body', fields: ['From', 'Body'] });
    expect(await inboundQueue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized')).toBe(before);
    expect(await db.rawEvent.count({ where: { dedupKey: partial.MessageSid } })).toBe(0);
  });

  test('the seed aliases verify against their own URL', async () => {
    const alias = `${ingest.url}/webhook/sms-response`;
    const sms = inboundSms({ Body: 'ok', From: '+33688888888' });
    // Signed for the canonical URL but posted to the alias: refused.
    const wrong = await postSignedTwilio(alias, sms, { authToken, signature: (await import('twilio/lib/webhooks/webhooks.js')).default.getExpectedTwilioSignature(authToken, url, sms) });
    expect(wrong.status).toBe(403);
    expect((await postSignedTwilio(alias, sms, { authToken })).status).toBe(200);
    const message = await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(message.event.route).toBe('/webhook/sms-response');
  });
});

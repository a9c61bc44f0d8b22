import { createHash } from 'node:crypto';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { createDb, type Db } from '@switchboard/db';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, waitFor, type TestDatabase } from '@switchboard/testing';
import { inboundSms, messageSid, postSignedTwilio } from './helpers.ts';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };

/**
 * What a review found in Twilio's path, end to end through ingest, the listener and the
 * interpreter: dedup keys that come only from signed fields, a body parsed the one way it was
 * signed, and a NUL character that must not keep an acknowledged message out of Postgres.
 */
const authToken = 'hard0hard0hard0hard0hard0hard0ab';
let database: TestDatabase;
let db: Db;
let ingest: IngestService;
let listener: ListenerService;
let interpreter: InterpreterService;
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });
const interpretQueue = createQueue('interpret', { connection: redis, prefix });

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, TWILIO_AUTH_TOKEN: authToken, LISTENER_CONCURRENCY: '8', INTERPRETER_CONCURRENCY: '8' });
  db = createDb({ url: database.url, poolSize: 2 });
  ingest = await startIngest(config, testLogger('ingest'));
  listener = await startListener(config, testLogger('listener'));
  interpreter = await startInterpreter(config, testLogger('interpreter'));
});

afterAll(async () => {
  await Promise.all([ingest?.close(), listener?.close(), interpreter?.close()]);
  await inboundQueue.obliterate({ force: true });
  await interpretQueue.obliterate({ force: true });
  await Promise.all([inboundQueue.close(), interpretQueue.close()]);
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const messages = () => `${ingest.url}/webhooks/twilio/messages`;
const messageBySid = (sid: string) => db.message.findFirst({ where: { externalId: sid }, include: { event: true } });

/** Rows in every table of the schema (migrations' bookkeeping aside). */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = await db.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name`;
  const counts: Record<string, number> = {};
  for (const { table_name: table } of tables) {
    const [row] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table}"`);
    counts[table] = Number(row!.n);
  }
  return counts;
}

/** No job waiting or running on the inbound queue, then none on the interpret queue (jobs there are added before an inbound job completes). */
async function idle(): Promise<boolean> {
  const states = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;
  const inbound = await inboundQueue.getJobCounts(...states);
  if (Object.values(inbound).some((n) => n > 0)) return false;
  const interpret = await interpretQueue.getJobCounts(...states);
  return Object.values(interpret).every((n) => n === 0);
}

/** Posts a raw body to a Twilio route with the given signature and Content-Type. */
async function postTwilio(url: string, body: string, signature: string, contentType = 'application/x-www-form-urlencoded') {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, 'x-twilio-signature': signature }, body });
  return { status: response.status, body: await response.text() };
}

describe('dedup keys come from signed fields only', () => {
  test('a captured signed request replayed with new I-Twilio-Idempotency-Tokens never adds a row anywhere (SMS, status callback, call, menu choice)', async () => {
    const voice = `${ingest.url}/webhooks/twilio/voice`;
    const callSid = `CA${createHash('md5').update(messageSid()).digest('hex')}`;
    const call = { AccountSid: 'AC0123456789abcdef0123456789abcdef', CallSid: callSid, CallStatus: 'ringing', From: '+33612340000', To: '+33757000000', Direction: 'inbound', FromCountry: 'FR', ToCountry: 'FR' };
    const captured: [string, Record<string, string>][] = [
      [messages(), inboundSms({ Body: 'Oui je veux bien', From: '+33612340001' })],
      [`${ingest.url}/webhooks/twilio/status`, { MessageSid: messageSid(), MessageStatus: 'delivered', To: '+33612340002', From: '+33757000000', AccountSid: 'AC0123456789abcdef0123456789abcdef' }],
      [voice, call],
      [`${voice}/menu`, { ...call, CallStatus: 'in-progress', Digits: '1' }],
    ];
    for (const [url, params] of captured) {
      expect((await postSignedTwilio(url, params, { authToken, headers: { 'i-twilio-idempotency-token': `first-${Math.random()}` } })).status).toBe(200);
    }
    await waitFor(() => messageBySid(captured[0]![1].MessageSid!), { what: 'the SMS stored' });
    await waitFor(async () => (await db.callStep.count({ where: { callSid } })) === 2, { what: 'both call steps stored' });
    await waitFor(idle, { what: 'the queues idle' });
    const before = await rowCounts();

    for (let replay = 0; replay < 3; replay++) {
      for (const [url, params] of captured) {
        const answer = await postSignedTwilio(url, params, { authToken, headers: { 'i-twilio-idempotency-token': `replay-${replay}-${Math.random()}` } });
        // A duplicate gets the same answer as the first delivery.
        expect(answer.status).toBe(200);
      }
    }
    await waitFor(idle, { what: 'the queues idle' });
    expect(await rowCounts()).toEqual(before);
    // The token is kept with the raw event, as metadata.
    const stored = await db.rawEvent.findFirst({ where: { provider: 'twilio-messaging', dedupKey: captured[0]![1].MessageSid! } });
    expect((stored?.headers as Record<string, string>)['i-twilio-idempotency-token']).toMatch(/^first-/);
  });
});

describe('a Twilio body is read the one way it was signed', () => {
  test('a signed SMS of more than 1,000 pairs, its Body last, is accepted and stored with that Body', async () => {
    const padding = Object.fromEntries(Array.from({ length: 1_100 }, (_, i) => [`Extra${String(i).padStart(4, '0')}`, 'x']));
    const { Body: _b, ...sms } = inboundSms({ From: '+33612340003' });
    const params = { ...sms, ...padding, Body: 'Rappelez-moi demain' };
    expect((await postSignedTwilio(messages(), params, { authToken })).status).toBe(200);
    const message = await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(message.content).toBe('Rappelez-moi demain');
  });

  test('a signed form with a name sent twice with different values is 400, naming it, and stores nothing', async () => {
    const sms = inboundSms({ Body: 'premier', From: '+33612340004' });
    const body = `${new URLSearchParams(sms).toString()}&Body=second`;
    const signature = getExpectedTwilioSignature(authToken, messages(), { ...sms, Body: ['premier', 'second'] });
    const answer = await postTwilio(messages(), body, signature);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'fields sent more than once with different values: Body', fields: ['Body'] });
    await waitFor(idle, { what: 'the queues idle' });
    expect(await db.rawEvent.count({ where: { dedupKey: sms.MessageSid } })).toBe(0);
  });

  test('a JSON body (bodySHA256 in the signed URL) sent with a form Content-Type is stored as JSON and read as JSON', async () => {
    const sms = inboundSms({ Body: 'Je suis intéressé', From: '+33612340005' });
    const json = JSON.stringify(sms);
    const url = `${messages()}?bodySHA256=${createHash('sha256').update(json).digest('hex')}`;
    const answer = await postTwilio(url, json, getExpectedTwilioSignature(authToken, url, {}), 'application/x-www-form-urlencoded');
    expect(answer.status).toBe(200);
    const message = await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(message).toMatchObject({ sender: '+33612340005', content: 'Je suis intéressé' });
    expect(message.event.contentType).toBe('application/json');
  });
});

describe('NUL in a signed body', () => {
  test('Body=a%00b is acknowledged and its message reaches Postgres, the NUL replaced', async () => {
    const sms = inboundSms({ Body: 'oui\u0000merci', From: '+33612340006' });
    expect((await postSignedTwilio(messages(), sms, { authToken })).status).toBe(200);
    const message = await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(message.content).toBe('oui\uFFFDmerci');
    // The raw event is byte for byte: the NUL is percent-encoded there.
    expect(message.event.body).toBe(new URLSearchParams(sms).toString());
  });

  test('a body with a raw NUL byte is stored as base64 and its message saved', async () => {
    const sms = inboundSms({ Body: 'nul\u0000byte', From: '+33612340007' });
    // The NUL byte as sent, not percent-encoded.
    const body = new URLSearchParams(sms).toString().replace('%00', '\u0000');
    const answer = await postTwilio(messages(), body, getExpectedTwilioSignature(authToken, messages(), sms));
    expect(answer.status).toBe(200);
    const message = await waitFor(() => messageBySid(sms.MessageSid!), { what: 'the message row' });
    expect(message.content).toBe('nul\uFFFDbyte');
    expect(message.event.bodyEncoding).toBe('base64');
    expect(Buffer.from(message.event.body, 'base64').toString('utf8')).toBe(body);
  });
});

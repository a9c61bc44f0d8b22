import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '@switchboard/db';
import { createLogger } from '@switchboard/logger';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { mailgunSignature, signStandardWebhook } from '@switchboard/providers';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, waitFor, type TestDatabase } from '@switchboard/testing';
import { inboundSms, postRaw, postSignedTwilio } from './helpers.ts';

const authToken = 'gate0gate0gate0gate0gate0gate0ab';
const mailgunKey = 'key-mailgun-signing-0123456789';
const bridgeSecret = 'bridge-secret-0123456789abcdef-32';
const prefix = uniquePrefix();
const attachmentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-attachments-'));
let database: TestDatabase;
let db: Db;
let ingest: IngestService;
/** A second replica on the same Redis and prefix, to check the rate limit is shared. */
let replica: IngestService;
/** A replica with no provider secret configured at all. */
let unconfigured: IngestService;
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });

beforeAll(async () => {
  database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    TWILIO_AUTH_TOKEN: authToken,
    MAILGUN_WEBHOOK_SIGNING_KEY: mailgunKey,
    WHATSAPP_BRIDGE_SECRET: bridgeSecret,
    RATE_LIMIT_PER_MINUTE: '5',
    MAX_BODY_BYTES: '4096',
    MAILGUN_MAX_BODY_BYTES: '200000',
    ATTACHMENTS_DIR: attachmentsDir,
    // Client addresses come from X-Forwarded-For, so one test can play several clients.
    TRUST_PROXY: 'loopback',
  };
  db = createDb({ url: database.url, poolSize: 2 });
  ingest = await startIngest(testConfig(env), testLogger('ingest'));
  replica = await startIngest(testConfig(env), testLogger('replica'));
  unconfigured = await startIngest(testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix }), testLogger('unconfigured'));
});

afterAll(async () => {
  await Promise.all([ingest?.close(), replica?.close(), unconfigured?.close()]);
  await inboundQueue.obliterate({ force: true });
  await inboundQueue.close();
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
  fs.rmSync(attachmentsDir, { recursive: true, force: true });
});

let clients = 0;
/** A client address of its own for each test (rate limiting is per IP). */
const newClient = () => `198.51.100.${(clients += 1)}`;

const jobExists = async (id: string) => (await inboundQueue.getJob(id)) !== undefined;

async function metricsText(service: IngestService): Promise<string> {
  return (await fetch(`${service.url}/metrics`)).text();
}
function metricValue(text: string, name: string, labels: string): number {
  const wanted = labels.split(',');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('every provider route of the contract', () => {
  const twilioRoutes = [
    '/webhooks/twilio/messages',
    '/webhook/sms-response',
    '/api/webhook/twilio/incoming',
    '/webhooks/twilio/status',
    '/api/webhook/twilio/status',
    '/webhooks/twilio/voice',
    '/webhooks/twilio/voice/menu',
    '/webhooks/twilio/voice/recording',
  ];
  const otherRoutes = ['/webhooks/mailgun/inbound', '/webhook/email-response', '/webhooks/whatsapp-bridge', '/webhook/whatsapp', '/webhooks/generic/src_any'];

  test.each([...twilioRoutes, ...otherRoutes])('%s is mounted and refuses a wrong content type with 415', async (route) => {
    const response = await fetch(`${ingest.url}${route}`, { method: 'POST', headers: { 'content-type': 'text/csv', 'x-forwarded-for': newClient() }, body: 'a,b' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: 'unsupported content type "text/csv"' });
  });

  test.each([...twilioRoutes, '/webhooks/mailgun/inbound', '/webhooks/whatsapp-bridge'])('%s answers 503 "source not configured" without its secret', async (route) => {
    const contentType = route.includes('bridge') ? 'application/json' : 'application/x-www-form-urlencoded';
    const response = await fetch(`${unconfigured.url}${route}`, { method: 'POST', headers: { 'content-type': contentType }, body: contentType === 'application/json' ? '{}' : 'a=b' });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'source not configured' });
  });

  test('a body over MAX_BODY_BYTES is 413, whether declared or found while streaming', async () => {
    const url = `${ingest.url}/webhooks/twilio/messages`;
    const declared = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': newClient() }, body: 'a='.padEnd(5_000, 'x') });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: 'body exceeds 4096 bytes' });
    // Chunked, no Content-Length: refused once the bytes read pass the limit.
    const chunks = ['a='.padEnd(3_000, 'x'), 'y'.repeat(3_000)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const streamed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': newClient() }, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  test('an unknown route is 404 JSON', async () => {
    const response = await fetch(`${ingest.url}/webhooks/nope`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no route for POST /webhooks/nope' });
  });

  test('a signed status callback is queued under its MessageSid and status', async () => {
    const params = { MessageSid: 'SMstatus000000000000000000000001', MessageStatus: 'delivered', To: '+33612345678', From: '+33757000000', AccountSid: 'AC0123456789abcdef0123456789abcdef' };
    const response = await postSignedTwilio(`${ingest.url}/webhooks/twilio/status`, params, { authToken });
    expect(response.status).toBe(200);
    expect(await jobExists('twilio-status.SMstatus000000000000000000000001.delivered')).toBe(true);
  });

  test('a signed incoming call gets the IVR menu as TwiML', async () => {
    const params = { CallSid: 'CA00000000000000000000000000000001', From: '+33612345678', To: '+33757000000', CallStatus: 'ringing', AccountSid: 'AC0123456789abcdef0123456789abcdef' };
    const response = await postSignedTwilio(`${ingest.url}/webhooks/twilio/voice`, params, { authToken });
    expect(response.status).toBe(200);
    expect(response.body).toContain('<Gather numDigits="1"');
  });

  test('a signed Mailgun post is queued; a forged one is 403', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const fields = { sender: 'alice@example.com', recipient: 'inbox@example.org', subject: 'Re: offre', 'body-plain': 'Oui merci', 'stripped-text': 'Oui merci', 'Message-Id': '<m1@example.com>', timestamp, token: 'tok0000000000000000000000000000000000000000000001' };
    const sign = (signature: string) =>
      fetch(`${ingest.url}/webhooks/mailgun/inbound`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': newClient() }, body: new URLSearchParams({ ...fields, signature }).toString() });
    expect((await sign(mailgunSignature(mailgunKey, timestamp, fields.token))).status).toBe(200);
    expect((await sign('0'.repeat(64))).status).toBe(403);
  });

  describe('Mailgun multipart with attachments', () => {
    const form = (signature: string | undefined, attachment: Buffer) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const token = `tok${Date.now()}${Math.random().toString(16).slice(2)}`.padEnd(50, '0');
      const body = new FormData();
      for (const [k, v] of Object.entries({ sender: 'bob@example.com', recipient: 'inbox@example.org', subject: 'Devis', 'body-plain': 'Ci-joint', 'Message-Id': `<${token}@example.com>`, timestamp, token })) body.append(k, v);
      body.append('signature', signature ?? mailgunSignature(mailgunKey, timestamp, token));
      body.append('attachment-1', new Blob([new Uint8Array(attachment)], { type: 'application/pdf' }), 'devis.pdf');
      return { token, body };
    };
    const post = (body: FormData) => fetch(`${ingest.url}/webhooks/mailgun/inbound`, { method: 'POST', headers: { 'x-forwarded-for': newClient() }, body });
    const stored = () => fs.readdirSync(attachmentsDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);

    test('a signed post is queued with its attachment stored under its sha256', async () => {
      const pdf = Buffer.alloc(50_000, 7);
      const { token, body } = form(undefined, pdf);
      const response = await post(body);
      expect(response.status).toBe(200);
      const job = await inboundQueue.getJob(`mailgun.token.${token}`);
      expect(job?.data.attachments).toEqual([expect.objectContaining({ filename: 'devis.pdf', size: 50_000 })]);
      const attachment = job!.data.attachments![0]!;
      expect(fs.readFileSync(path.join(attachmentsDir, attachment.path)).equals(pdf)).toBe(true);
      expect(job!.data.contentType).toBe('application/x-www-form-urlencoded');
    });

    /**
     * Posts a form as a raw request that stops writing once ingest answers. Ingest refuses an
     * oversized or forged upload before reading it all and closes the connection, so a client
     * may see a reset instead of the answer: then ingest's own count of what it answered decides.
     */
    const postEarlyRefused = async (body: FormData, status: number) => {
      const request = new Request('http://serialize.invalid/', { method: 'POST', body });
      const bytes = Buffer.from(await request.arrayBuffer());
      const rejected = () => metricsText(ingest).then((text) => metricValue(text, 'switchboard_ingest_requests_rejected_total', `provider="mailgun",status="${status}"`));
      const before = await rejected();
      const answer = await postRaw(`${ingest.url}/webhooks/mailgun/inbound`, bytes, { 'content-type': request.headers.get('content-type')!, 'x-forwarded-for': newClient() });
      expect(await rejected()).toBe(before + 1);
      return answer;
    };

    test('a forged post is 403 and leaves no file behind; one over MAILGUN_MAX_BODY_BYTES is 413', async () => {
      const before = stored();
      const forged = await postEarlyRefused(form('0'.repeat(64), Buffer.alloc(10_000, 1)).body, 403);
      if (forged.status !== 'reset') expect(forged.status).toBe(403);
      const tooLarge = await postEarlyRefused(form(undefined, Buffer.alloc(300_000, 2)).body, 413);
      if (tooLarge.status !== 'reset') {
        expect(tooLarge.status).toBe(413);
        expect(JSON.parse(tooLarge.body)).toEqual({ error: 'body exceeds 200000 bytes' });
      }
      expect(stored()).toEqual(before);
    });
  });

  test('a bridge message with its secret is queued; without it, refused', async () => {
    const message = { source: 'whatsapp', type: 'chat', group: 'Clients', author: '+33612345678', content: 'Bonjour', timestamp: Math.floor(Date.now() / 1000), messageId: 'wamid.0001' };
    const send = (headers: Record<string, string>) =>
      fetch(`${ingest.url}/webhook/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': newClient(), ...headers }, body: JSON.stringify(message) });
    expect((await send({ 'x-bridge-secret': bridgeSecret })).status).toBe(200);
    expect([401, 403]).toContain((await send({ 'x-bridge-secret': 'wrong' })).status);
  });
});

describe('generic sources from the registry', () => {
  const postGeneric = (sourceId: string, secret: string, id: string) => {
    const body = JSON.stringify({ type: 'lead.created', data: { id } });
    const timestamp = Math.floor(Date.now() / 1000);
    return fetch(`${ingest.url}/webhooks/generic/${sourceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook({ secret, id, timestamp, body }), 'x-forwarded-for': newClient() },
      body,
    });
  };
  const secret = `whsec_${Buffer.from('generic-source-secret-0123456789').toString('base64')}`;

  test('an unknown source id is 404; a source inserted in Postgres is accepted within seconds; deleted, it is 404 again', async () => {
    const id = `src_${Date.now().toString(36)}`;
    const unknown = await postGeneric(id, secret, 'msg_1');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'unknown source' });

    await db.source.create({ data: { id, name: 'CRM', secrets: [secret] } });
    await waitFor(async () => (await postGeneric(id, secret, 'msg_2')).status === 200, { what: 'the new source accepted' });
    const queued = await inboundQueue.getJobs(['waiting', 'active', 'completed', 'prioritized']);
    expect(queued.filter((j) => j.data.sourceId === id).map((j) => j.data.dedupKey)).toEqual([`${id}.msg_2`]);
    expect((await postGeneric(id, 'whsec_' + Buffer.from('wrong').toString('base64'), 'msg_3')).status).toBe(403);

    await db.source.update({ where: { id }, data: { deletedAt: new Date() } });
    await waitFor(async () => (await postGeneric(id, secret, 'msg_4')).status === 404, { what: 'the deleted source refused' });
  });

  test('a source without a secret is 503 "source not configured"', async () => {
    const id = `src_nosecret_${Date.now().toString(36)}`;
    await db.source.create({ data: { id, name: 'empty', secrets: [] } });
    await waitFor(async () => (await postGeneric(id, secret, 'msg_x')).status === 503, { what: 'the source seen' });
    expect(await (await postGeneric(id, secret, 'msg_y')).json()).toEqual({ error: 'source not configured' });
  });
});

describe('rate limiting of failed requests', () => {
  const forged = (service: IngestService, ip: string, sms = inboundSms()) =>
    postSignedTwilio(`${service.url}/webhooks/twilio/messages`, sms, { authToken, signature: 'Zm9yZ2Vk', headers: { 'x-forwarded-for': ip } });
  const valid = (service: IngestService, ip: string) => postSignedTwilio(`${service.url}/webhooks/twilio/messages`, inboundSms(), { authToken, headers: { 'x-forwarded-for': ip } });

  test('after RATE_LIMIT_PER_MINUTE failures an address gets 429 with Retry-After on every request, valid ones included, before its body is looked at', async () => {
    const ip = newClient();
    for (let i = 0; i < 5; i++) expect((await forged(ingest, ip)).status).toBe(403);
    const limited = await waitFor(async () => {
      const response = await forged(ingest, ip);
      return response.status === 429 ? response : undefined;
    }, { what: 'a 429' });
    expect(JSON.parse(limited.body)).toMatchObject({ error: 'too many failed requests from this address' });
    const okButLimited = await fetch(`${ingest.url}/webhooks/twilio/messages`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip }, body: 'x=1' });
    expect(okButLimited.status).toBe(429);
    const retryAfter = Number(okButLimited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await valid(ingest, ip)).status).toBe(429);
    // Not parsed: a wrong content type or an oversized body is 429 too, not 415/413.
    const wrongType = await fetch(`${ingest.url}/webhooks/twilio/messages`, { method: 'POST', headers: { 'content-type': 'text/csv', 'x-forwarded-for': ip }, body: 'x'.repeat(10_000) });
    expect(wrongType.status).toBe(429);
    // Another address is not affected.
    expect((await valid(ingest, newClient())).status).toBe(200);
  });

  test('verified provider traffic is never throttled', async () => {
    const ip = newClient();
    for (let i = 0; i < 20; i++) expect((await valid(ingest, ip)).status).toBe(200);
  });

  test('failures counted on one replica limit the address on another', async () => {
    const ip = newClient();
    for (let i = 0; i < 5; i++) expect((await forged(ingest, ip)).status).toBe(403);
    // The replica has seen no failure of this address; its first one reads the shared count.
    await forged(replica, ip);
    await waitFor(async () => (await valid(replica, ip)).status === 429, { what: 'the replica limiting the address' });
  });
});

describe('metrics', () => {
  test('/metrics answers Prometheus text with process metrics, and the counters move', async () => {
    const before = await metricsText(ingest);
    const response = await fetch(`${ingest.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(before).toMatch(/^# HELP process_cpu_user_seconds_total /m);
    expect(before).toMatch(/^# TYPE switchboard_ingest_events_accepted_total counter$/m);
    expect(before).toMatch(/^# TYPE switchboard_ingest_durable_write_seconds histogram$/m);
    expect(before).toMatch(/^switchboard_ingest_spool_entries \d+$/m);

    const ip = newClient();
    const sms = inboundSms();
    expect((await postSignedTwilio(`${ingest.url}/webhooks/twilio/messages`, sms, { authToken, headers: { 'x-forwarded-for': ip } })).status).toBe(200);
    expect((await postSignedTwilio(`${ingest.url}/webhooks/twilio/messages`, sms, { authToken, headers: { 'x-forwarded-for': ip } })).status).toBe(200);
    expect((await postSignedTwilio(`${ingest.url}/webhooks/twilio/messages`, inboundSms(), { authToken, signature: 'eA==', headers: { 'x-forwarded-for': ip } })).status).toBe(403);
    const after = await metricsText(ingest);

    const delta = (name: string, labels: string) => metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(delta('switchboard_ingest_events_accepted_total', 'outcome="queued",provider="twilio-messaging"')).toBe(1);
    expect(delta('switchboard_ingest_events_accepted_total', 'outcome="duplicate",provider="twilio-messaging"')).toBe(1);
    expect(delta('switchboard_ingest_requests_rejected_total', 'provider="twilio-messaging",status="403"')).toBe(1);
    expect(delta('switchboard_ingest_durable_write_seconds_count', 'outcome="queued"')).toBe(1);
  });
});

describe('logs', () => {
  test('at info, the sms log names rejections without the auth token, the signature or a full phone number', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ingest-logs-'));
    const logger = createLogger({ service: 'ingest', level: 'info', dir, format: 'json', console: false });
    const logged = await startIngest(testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, TWILIO_AUTH_TOKEN: authToken }), logger);
    try {
      const url = `${logged.url}/webhooks/twilio/messages`;
      const phone = '+33698765432';
      const forged = inboundSms({ From: phone, Body: 'secret body' });
      expect((await postSignedTwilio(url, forged, { authToken, signature: 'c2lnbmF0dXJlLXZhbHVl' })).status).toBe(403);
      const { Body: _body, ...missing } = inboundSms({ From: phone });
      expect((await postSignedTwilio(url, missing, { authToken })).status).toBe(400);
      const accepted = inboundSms({ From: phone });
      const signature = (await import('twilio/lib/webhooks/webhooks.js')).default.getExpectedTwilioSignature(authToken, url, accepted);
      expect((await postSignedTwilio(url, accepted, { authToken })).status).toBe(200);

      const file = path.join(dir, 'sms.log');
      const text = await waitFor(() => {
        const content = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
        return content.split('webhook rejected').length === 3 ? content : undefined;
      }, { what: 'two rejections in sms.log' });
      expect(text).toContain('invalid X-Twilio-Signature');
      expect(text).toContain('missing required fields: Body');
      for (const secret of [authToken, 'c2lnbmF0dXJlLXZhbHVl', signature, phone, phone.slice(1), 'secret body']) expect(text).not.toContain(secret);
    } finally {
      await logged.close();
      logger.close();
    }
  });

  test('with INSECURE_SKIP_SIGNATURES an unsigned request is accepted, and each one logs a warning', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ingest-insecure-'));
    const logger = createLogger({ service: 'ingest', level: 'warn', dir, format: 'json', console: false });
    const insecure = await startIngest(testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, INSECURE_SKIP_SIGNATURES: '1' }), logger);
    try {
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${insecure.url}/webhooks/twilio/messages`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(inboundSms()).toString() });
        expect(response.status).toBe(200);
      }
      const file = path.join(dir, 'sms.log');
      await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('INSECURE_SKIP_SIGNATURES').length === 3, { what: 'two warnings in sms.log' });
    } finally {
      await insecure.close();
      logger.close();
    }
  });
});

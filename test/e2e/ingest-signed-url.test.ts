import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, type TestDatabase } from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };
const authToken = 'signedurl0signedurl0signedurl0ab';
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });
let database: TestDatabase;
/** Behind a proxy that rewrites the URL: PUBLIC_URL says what Twilio called. */
let withPublicUrl: IngestService;
/** Behind a trusted proxy that forwards the original scheme and host. */
let behindProxy: IngestService;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = { DATABASE_URL: database.url, QUEUE_PREFIX: prefix, TWILIO_AUTH_TOKEN: authToken };
  withPublicUrl = await startIngest(testConfig({ ...env, PUBLIC_URL: 'https://hooks.example.com/' }), testLogger('public-url'));
  behindProxy = await startIngest(testConfig({ ...env, TRUST_PROXY: 'loopback' }), testLogger('proxy'));
});

afterAll(async () => {
  await Promise.all([withPublicUrl?.close(), behindProxy?.close()]);
  await inboundQueue.obliterate({ force: true });
  await inboundQueue.close();
  redis.disconnect();
  await database?.drop();
});

const signedFor = (url: string, params: Record<string, string>) => getExpectedTwilioSignature(authToken, url, params);

describe('the URL a Twilio signature is checked against', () => {
  test('with PUBLIC_URL, it is PUBLIC_URL + path + query, whatever host the request reached', async () => {
    const sms = inboundSms();
    const path = '/webhooks/twilio/messages?campaignId=0193a0b2-7c4d-7e00-8000-000000000001';
    const local = `${withPublicUrl.url}${path}`;
    expect((await postSignedTwilio(local, sms, { authToken, signature: signedFor(`https://hooks.example.com${path}`, sms) })).status).toBe(200);
    // Twilio configured with the explicit default port signs that form: accepted too.
    const other = inboundSms();
    expect((await postSignedTwilio(local, other, { authToken, signature: signedFor(`https://hooks.example.com:443${path}`, other) })).status).toBe(200);
    // Signed for the address the request really reached: not what Twilio would have signed.
    expect((await postSignedTwilio(local, inboundSms(), { authToken })).status).toBe(403);
  });

  test('the query string is part of what is signed', async () => {
    const sms = inboundSms();
    const signature = signedFor('https://hooks.example.com/webhooks/twilio/messages?campaignId=a', sms);
    expect((await postSignedTwilio(`${withPublicUrl.url}/webhooks/twilio/messages?campaignId=b`, sms, { authToken, signature })).status).toBe(403);
  });

  test('behind a trusted proxy, it is rebuilt from X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const sms = inboundSms();
    const path = '/webhooks/twilio/messages';
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gateway.example.org' };
    const signature = signedFor(`https://gateway.example.org${path}`, sms);
    expect((await postSignedTwilio(`${behindProxy.url}${path}`, sms, { authToken, signature, headers })).status).toBe(200);
    // The same kind of request without the forwarded headers is checked against the request's own
    // origin (http://127.0.0.1:port): a signature for the public URL is refused.
    const direct = inboundSms();
    expect((await postSignedTwilio(`${behindProxy.url}${path}`, direct, { authToken, signature: signedFor(`https://gateway.example.org${path}`, direct) })).status).toBe(403);
  });
});

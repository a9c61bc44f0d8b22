import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { startConsole, type ConsoleService } from '@switchboard/console';
import { startIngest, type IngestService } from '@switchboard/ingest';
import type { RefusedWebhook } from '@switchboard/providers';
import { createQueue, createRedis, createRejectionLog, rejectionLogKey } from '@switchboard/queues';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, waitFor, type TestDatabase } from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };
const authToken = 'diagnose0diagnose0diagnose0abcde';
const adminToken = 'diagnosis-admin-token-0123456789abcdef';
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });
const log = createRejectionLog<RefusedWebhook>(redis, prefix);
let database: TestDatabase;
let withPublicUrl: IngestService;
let behindProxy: IngestService;
let consoleService: ConsoleService;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = { DATABASE_URL: database.url, QUEUE_PREFIX: prefix, TWILIO_AUTH_TOKEN: authToken, ADMIN_TOKEN: adminToken };
  withPublicUrl = await startIngest(testConfig({ ...env, PUBLIC_URL: 'https://hooks.example.com' }), testLogger('public-url'));
  behindProxy = await startIngest(testConfig({ ...env, TRUST_PROXY: 'loopback' }), testLogger('proxy'));
  consoleService = await startConsole(testConfig(env), testLogger('console'));
});

afterAll(async () => {
  await Promise.all([withPublicUrl?.close(), behindProxy?.close(), consoleService?.close()]);
  await inboundQueue.obliterate({ force: true });
  await inboundQueue.close();
  await redis.del(rejectionLogKey(prefix));
  redis.disconnect();
  await database?.drop();
});

const signedFor = (url: string, params: Record<string, string>) => getExpectedTwilioSignature(authToken, url, params);

/** Waits for the n-th refusal recorded since the test began (they are written after the answer). */
async function refusals(count: number): Promise<RefusedWebhook[]> {
  let entries: RefusedWebhook[] = [];
  await waitFor(async () => {
    entries = await log.list();
    return entries.length >= count;
  });
  return entries;
}

describe('why a Twilio webhook was refused', () => {
  beforeEach(async () => {
    await redis.del(rejectionLogKey(prefix));
  });

  test('signed for http while PUBLIC_URL says https: refused, and the diagnosis names the scheme, never in the answer', async () => {
    const sms = inboundSms();
    const path = '/webhooks/twilio/messages';
    const answer = await postSignedTwilio(`${withPublicUrl.url}${path}`, sms, { authToken, signature: signedFor(`http://hooks.example.com${path}`, sms) });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ error: 'invalid X-Twilio-Signature' });
    const [entry] = await refusals(1);
    expect(entry).toMatchObject({ route: path, provider: 'twilio-messaging', status: 403, reason: 'url_mismatch', remoteIp: expect.any(String) });
    expect(entry!.diagnosis!.checkedUrl).toBe(`https://hooks.example.com${path}`);
    expect(entry!.diagnosis!.verifiedBy).toEqual([{ url: `http://hooks.example.com${path}`, changes: ['scheme http (the connection’s own)'] }]);
    // Nothing was accepted: the variant that verifies is only reported.
    expect(await inboundQueue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0 });
  });

  test('behind a proxy: a host from X-Forwarded-Host, a trailing slash and a dropped query are each found', async () => {
    const path = '/webhooks/twilio/status?campaignId=c1';
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gateway.example.org, edge.example.net' };
    const status = { MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered', AccountSid: 'AC0123456789abcdef0123456789abcdef' };
    // Twilio was configured with the second proxy's host, a trailing slash and no query.
    const signature = signedFor('https://edge.example.net/webhooks/twilio/status/', status);
    expect((await postSignedTwilio(`${behindProxy.url}${path}`, status, { authToken, signature, headers })).status).toBe(403);
    const [entry] = await refusals(1);
    expect(entry!.reason).toBe('url_mismatch');
    // Express takes the first X-Forwarded-Host value: that is what was checked.
    expect(entry!.diagnosis!.checkedUrl).toBe(`https://gateway.example.org${path}`);
    expect(entry!.diagnosis!.verifiedBy).toEqual([
      { url: 'https://edge.example.net/webhooks/twilio/status/', changes: ['host edge.example.net from X-Forwarded-Host', 'trailing slash added', 'query dropped'] },
    ]);
    expect(entry!.diagnosis!.tried).toBeLessThanOrEqual(64);
  });

  test('signed for the address the request reached while PUBLIC_URL is set: reported as the request’s own URL', async () => {
    const sms = inboundSms();
    const path = '/webhooks/twilio/messages';
    const signature = signedFor(`https://127.0.0.1:${new URL(withPublicUrl.url).port}${path}`, sms);
    expect((await postSignedTwilio(`${withPublicUrl.url}${path}`, sms, { authToken, signature })).status).toBe(403);
    const [entry] = await refusals(1);
    expect(entry!.reason).toBe('url_mismatch');
    expect(entry!.diagnosis!.verifiedBy[0]!.changes).toEqual(['the request’s own URL instead of PUBLIC_URL', 'host 127.0.0.1 from Host header']);
  });

  test('signed with another auth token: no variant verifies, the secret is wrong; a missing header is its own reason', async () => {
    const sms = inboundSms();
    const url = `${withPublicUrl.url}/webhooks/twilio/messages`;
    const signature = getExpectedTwilioSignature('another-token-another-token-abcd', 'https://hooks.example.com/webhooks/twilio/messages', sms);
    expect((await postSignedTwilio(url, sms, { authToken, signature })).status).toBe(403);
    const missing = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(inboundSms()).toString() });
    expect(missing.status).toBe(401);
    const entries = await refusals(2);
    const byReason = Object.fromEntries(entries.map((e) => [e.reason, e]));
    expect(byReason.secret_mismatch!.diagnosis).toMatchObject({ verdict: 'secret_mismatch', verifiedBy: [], tried: expect.any(Number) });
    expect(byReason.secret_mismatch!.diagnosis!.tried).toBeGreaterThan(4);
    expect(byReason.missing_signature!.status).toBe(401);
  });

  test('an accepted request records nothing', async () => {
    const sms = inboundSms();
    const path = '/webhooks/twilio/messages';
    expect((await postSignedTwilio(`${withPublicUrl.url}${path}`, sms, { authToken, signature: signedFor(`https://hooks.example.com${path}`, sms) })).status).toBe(200);
    // A refusal sent after it is the first entry: the accepted request wrote none before it.
    expect((await postSignedTwilio(`${withPublicUrl.url}${path}`, inboundSms(), { authToken, signature: 'bm9wZQ==' })).status).toBe(403);
    const entries = await refusals(1);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.reason).toBe('secret_mismatch');
  });

  test('GET /api/rejections groups refusals per route and reason, with the latest diagnosis and a hint', async () => {
    const path = '/webhooks/twilio/messages';
    for (let i = 0; i < 3; i += 1) {
      const sms = inboundSms();
      await postSignedTwilio(`${withPublicUrl.url}${path}`, sms, { authToken, signature: signedFor(`http://hooks.example.com${path}`, sms) });
    }
    await postSignedTwilio(`${withPublicUrl.url}${path}`, inboundSms(), { authToken, signature: 'bm9wZQ==' });
    await refusals(4);
    const unauthorized = await fetch(`${consoleService.url}/api/rejections`);
    expect(unauthorized.status).toBe(401);
    const response = await fetch(`${consoleService.url}/api/rejections`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(response.status).toBe(200);
    const { data, nextCursor } = (await response.json()) as { data: Record<string, unknown>[]; nextCursor: null };
    expect(nextCursor).toBeNull();
    expect(data).toHaveLength(2);
    expect(data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          route: path,
          reason: 'url_mismatch',
          count: 3,
          checkedUrl: `https://hooks.example.com${path}`,
          verifiedBy: [{ url: `http://hooks.example.com${path}`, changes: ['scheme http (the connection’s own)'] }],
          hint: expect.stringContaining('PUBLIC_URL'),
        }),
        expect.objectContaining({ route: path, reason: 'secret_mismatch', count: 1, verifiedBy: [], hint: expect.stringContaining('TWILIO_AUTH_TOKEN') }),
      ]),
    );
    // The dashboard's panel shows the same groups.
    const dashboard = await (await fetch(`${consoleService.url}/admin`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    expect(dashboard).toContain(`<th scope="row">${path}</th><td>url_mismatch</td><td class="num">3</td>`);
    expect(dashboard).toContain(`http://hooks.example.com${path} (scheme http (the connection’s own))`);
  });
});

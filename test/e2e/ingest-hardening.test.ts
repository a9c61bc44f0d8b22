import http from 'node:http';
import net from 'node:net';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, waitFor, type TestDatabase } from '@switchboard/testing';

// Linux routes all of 127.0.0.0/8 to loopback, so one test plays a proxy (127.0.0.2, the only
// address TRUST_PROXY names) and clients that reach ingest directly (other 127.x addresses).
const PROXY = '127.0.0.2';
const bridgeSecret = 'forwarded-bridge-secret-0123456789';
const bridgeClient = '203.0.113.50';
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const inboundQueue = createQueue('inbound', { connection: redis, prefix });
let database: TestDatabase;
let ingest: IngestService;

beforeAll(async () => {
  database = await createTestDatabase();
  ingest = await startIngest(
    testConfig({
      DATABASE_URL: database.url,
      QUEUE_PREFIX: prefix,
      TRUST_PROXY: PROXY,
      WHATSAPP_BRIDGE_SECRET: bridgeSecret,
      WHATSAPP_BRIDGE_ALLOWED_IPS: bridgeClient,
      RATE_LIMIT_PER_MINUTE: '3',
    }),
    testLogger('ingest'),
  );
});

afterAll(async () => {
  await ingest?.close();
  await inboundQueue.obliterate({ force: true });
  await inboundQueue.close();
  redis.disconnect();
  await database?.drop();
});

/** A POST from a chosen local address (fetch cannot pick one). */
function postFrom(localAddress: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${ingest.url}${path}`, { method: 'POST', localAddress, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let messages = 0;
const bridgePost = (from: string, forwardedFor: string) => {
  const body = JSON.stringify({ group: 'Leads', author: '+33612345678', content: 'Bonjour', messageId: `fwd-${(messages += 1)}`, timestamp: Date.now() });
  return postFrom(from, '/webhooks/whatsapp-bridge', { 'content-type': 'application/json', 'x-bridge-secret': bridgeSecret, 'x-forwarded-for': forwardedFor }, body);
};
/** A request refused before anything is read (415): it counts toward the failure limit. */
const failure = (from: string, forwardedFor: string) => postFrom(from, '/webhooks/whatsapp-bridge', { 'content-type': 'text/csv', 'x-forwarded-for': forwardedFor }, 'a,b');

describe('X-Forwarded-For is believed only from the proxy TRUST_PROXY names', () => {
  test('a client that reaches ingest directly does not pass WHATSAPP_BRIDGE_ALLOWED_IPS by forging X-Forwarded-For; through the proxy the same address does', async () => {
    const forged = await bridgePost('127.0.0.3', bridgeClient);
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body)).toEqual({ error: 'remote address not in WHATSAPP_BRIDGE_ALLOWED_IPS' });
    expect((await bridgePost(PROXY, bridgeClient)).status).toBe(200);
  });

  test('a direct client rotating X-Forwarded-For is still one client to the rate limit', async () => {
    for (let i = 1; i <= 3; i++) expect((await failure('127.0.0.4', `198.51.100.${i}`)).status).toBe(415);
    let n = 10;
    await waitFor(async () => (await failure('127.0.0.4', `198.51.100.${(n += 1)}`)).status === 429, { what: 'the direct client limited whatever it forwards' });
    // The proxy's clients are their own: one of them is not limited by what the direct client did.
    expect((await failure(PROXY, '198.51.100.200')).status).toBe(415);
  });

  test('IPv6 clients are counted by /64: addresses in one /64 share a limit, the next /64 has its own', async () => {
    for (let i = 1; i <= 3; i++) expect((await failure(PROXY, `2001:db8:15:4::${i}`)).status).toBe(415);
    let n = 0;
    await waitFor(async () => (await failure(PROXY, `2001:db8:15:4:${(n += 1).toString(16)}::beef`)).status === 429, { what: 'the /64 limited' });
    expect((await failure(PROXY, '2001:db8:15:5::1')).status).toBe(415);
  });
});

describe('every error of the ingest port is JSON', () => {
  test('POST /webhooks/generic/%E0 (not valid percent-encoding) is a JSON 400, not an HTML page', async () => {
    const response = await fetch(`${ingest.url}/webhooks/generic/%E0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: "Failed to decode param '%E0'" });
  });

  test('an unknown path or method is a JSON 404', async () => {
    const response = await fetch(`${ingest.url}/webhooks/twilio/messages`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no route for GET /webhooks/twilio/messages' });
  });
});

describe('requests Node refuses before Express', () => {
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(ingest.url).port), '127.0.0.1', () => socket.end(request));
      let answer = '';
      socket.on('data', (d) => (answer += d));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });

  test('a malformed request line is a JSON 400, and headers too large a JSON 431', async () => {
    const malformed = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(malformed).toMatch(/\r\nContent-Type: application\/json/);
    expect(JSON.parse(malformed.split('\r\n\r\n')[1]!)).toEqual({ error: 'malformed HTTP request' });
    const huge = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.split('\r\n\r\n')[1]!)).toEqual({ error: 'request header fields too large' });
  });
});

import { createDb, type Db } from '@switchboard/db';
import { startConsole, type ConsoleService } from '@switchboard/console';
import { startDispatcher, type DispatcherService } from '@switchboard/dispatcher';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createQueue, createRedis, queueKeys } from '@switchboard/queues';
import { createTestDatabase, startSubscriber, testConfig, testLogger, uniquePrefix, waitFor, type Subscriber, type TestDatabase } from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';

const authToken = 'e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0';
const adminToken = 'webhooks-e2e-token-0123456789abcdef';
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let database: TestDatabase;
let db: Db;
let ingest: IngestService;
let listener: ListenerService;
let interpreter: InterpreterService;
let dispatcher: DispatcherService;
let consoleService: ConsoleService;
let subscriber: Subscriber;
const prefix = uniquePrefix();

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig({
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    TWILIO_AUTH_TOKEN: authToken,
    ADMIN_TOKEN: adminToken,
    RETRY_BASE_MS: '100',
    LISTENER_CONCURRENCY: '8',
    INTERPRETER_CONCURRENCY: '8',
  });
  db = createDb({ url: database.url, poolSize: 2 });
  // The receiver is down for its first request: that delivery is retried.
  subscriber = await startSubscriber({ secrets: [secret], respond: (r) => (r.n === 1 ? { status: 503, body: 'maintenance' } : { status: 204 }) });
  ingest = await startIngest(config, testLogger('ingest'));
  listener = await startListener(config, testLogger('listener'));
  interpreter = await startInterpreter(config, testLogger('interpreter'));
  dispatcher = await startDispatcher(config, testLogger('dispatcher'));
  consoleService = await startConsole(config, testLogger('console'));
});

afterAll(async () => {
  await Promise.all([ingest?.close(), listener?.close(), interpreter?.close(), dispatcher?.close(), consoleService?.close()]);
  await subscriber?.close();
  const redis = createRedis('redis://127.0.0.1:6379', 'worker');
  for (const key of queueKeys()) {
    const queue = createQueue(key, { connection: redis, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${consoleService.url}${path}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

test('an inbound SMS becomes message.received and message.interpreted at the subscriber, signed, retried through a failure, every attempt visible in the console', async () => {
  // The business configures its endpoint the way the seed did.
  expect((await api('/api/webhook/config', { method: 'POST', body: JSON.stringify({ enabled: true, url: subscriber.url, secret, environment: 'production' }) })).status).toBe(200);

  const sms = inboundSms({ Body: 'Oui je suis intéressé', From: '+33611112222' });
  expect((await postSignedTwilio(`${ingest.url}/webhooks/twilio/messages`, sms, { authToken })).status).toBe(200);

  const delivered = () => subscriber.received.filter((r) => r.n > 1);
  await waitFor(() => new Set(delivered().map((r) => JSON.parse(r.body).type)).size === 2, { what: 'both events at the subscriber', timeoutMs: 20_000 });
  // Every request verified with the standardwebhooks package, and carried the seed's header.
  expect(subscriber.received.every((r) => r.verifiedWith.length === 1 && r.headers['x-webhook-secret'] === secret)).toBe(true);
  const bodies = delivered().map((r) => JSON.parse(r.body) as { type: string; data: { sender: string; content: string; intent: { label: string } } });
  const received = bodies.find((b) => b.type === 'message.received')!;
  const interpreted = bodies.find((b) => b.type === 'message.interpreted')!;
  expect(received.data).toMatchObject({ sender: '+33611112222', content: 'Oui je suis intéressé' });
  expect(interpreted.data.intent).toMatchObject({ label: 'interested' });
  // The failed request's webhook-id came again on its retry.
  const failedId = subscriber.received[0]!.headers['webhook-id'];
  expect(delivered().filter((r) => r.headers['webhook-id'] === failedId)).toHaveLength(1);

  // The console lists both deliveries and the failed-then-delivered one's two attempts.
  const list = await waitFor(async () => {
    const r = await api('/api/webhook/deliveries?endpoint=default&status=delivered');
    return (r.body.data as unknown[]).length === 2 ? r.body : undefined;
  }, { what: 'two delivered deliveries in the console' });
  const retried = (list.data as { id: string; attempts: number }[]).find((d) => d.id === failedId)!;
  expect(retried.attempts).toBe(2);
  const detail = await api(`/api/webhook/deliveries/${failedId}`);
  expect(detail.body.attemptLog).toMatchObject([{ attempt: 1, responseStatus: 503, responseBody: 'maintenance' }, { attempt: 2, responseStatus: 204 }]);
});

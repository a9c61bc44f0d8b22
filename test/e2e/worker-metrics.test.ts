import { createDb, type Db } from '@switchboard/db';
import { startConsole, type ConsoleService } from '@switchboard/console';
import { startDispatcher, type DispatcherService } from '@switchboard/dispatcher';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createQueue, createRedis, queueKeys } from '@switchboard/queues';
import { createTestDatabase, startSubscriber, testConfig, testLogger, uniquePrefix, waitFor, type Subscriber, type TestDatabase } from '@switchboard/testing';
import { inboundSms, postSignedTwilio } from './helpers.ts';

/** Every worker answers /metrics on its METRICS_PORT with its jobs, batches, queues and deliveries. */

const authToken = 'e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0';
const adminToken = 'metrics-e2e-token-0123456789abcdef';
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
  const config = testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, TWILIO_AUTH_TOKEN: authToken, ADMIN_TOKEN: adminToken, RETRY_BASE_MS: '100', METRICS_PORT: '0' });
  db = createDb({ url: database.url, poolSize: 2 });
  // Down for its first request: one failed attempt, then deliveries.
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

const scrape = async (url: string | undefined) => {
  if (!url) throw new Error('no metrics listener');
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
};
/** The value of one sample line, e.g. `switchboard_job_failures_total{processor="x",final="false"}`. */
const sample = (text: string, pattern: RegExp) => {
  const line = text.split('\n').find((l) => pattern.test(l));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
};

test('workers serve /metrics only when METRICS_PORT is set', async () => {
  const off = testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: `${prefix}-off` });
  const quiet = await startListener(off, testLogger('listener'));
  try {
    expect(quiet.metricsUrl).toBeUndefined();
  } finally {
    await quiet.close();
  }
  for (const service of [listener, interpreter, dispatcher]) expect(service.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const other = await fetch(listener.metricsUrl!.replace('/metrics', '/'));
  expect(other.status).toBe(404);
});

test('an SMS through the pipeline shows in every worker’s metrics: jobs, batches, queues, deliveries', async () => {
  const config = await fetch(`${consoleService.url}/api/webhook/config`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true, url: subscriber.url, secret }),
  });
  expect(config.status).toBe(200);
  const sms = inboundSms({ Body: 'Oui je suis intéressé', From: '+33611113333' });
  expect((await postSignedTwilio(`${ingest.url}/webhooks/twilio/messages`, sms, { authToken })).status).toBe(200);
  // Two events delivered (received, interpreted) after one 503.
  await waitFor(() => subscriber.received.filter((r) => r.n > 1).length === 2, { what: 'both deliveries', timeoutMs: 20_000 });

  const l = await scrape(listener.metricsUrl);
  expect(sample(l, /^switchboard_job_duration_seconds_count\{.*processor="raw-event",result="completed"/)).toBe(1);
  expect(sample(l, /^switchboard_batch_size_sum\{.*processor="raw-event",batcher="store"/)).toBe(1);
  expect(sample(l, /^switchboard_queue_jobs\{.*queue="inbound",state="waiting"/)).toBe(0);
  expect(sample(l, /^switchboard_queue_oldest_waiting_seconds\{.*queue="inbound"/)).toBe(0);
  expect(l).toMatch(/^process_resident_memory_bytes\{service="listener"\}/m);

  const i = await scrape(interpreter.metricsUrl);
  expect(sample(i, /^switchboard_job_duration_seconds_count\{.*processor="interpret",result="completed"/)).toBe(1);
  expect(sample(i, /^switchboard_batch_size_count\{.*processor="interpret",batcher="persist"/)).toBe(1);

  const d = await waitFor(async () => {
    const text = await scrape(dispatcher.metricsUrl);
    return sample(text, /^switchboard_outbound_delivery_seconds_count\{.*outcome="delivered",status="2xx"/) === 2 ? text : undefined;
  }, { what: 'two delivered attempts in the dispatcher’s metrics' });
  expect(sample(d, /^switchboard_outbound_delivery_failures_total\{.*outcome="retry",status="5xx"/)).toBe(1);
  expect(sample(d, /^switchboard_job_duration_seconds_count\{.*processor="delivery",result="completed"/)).toBe(3);
  expect(sample(d, /^switchboard_queue_jobs\{.*queue="deliveries",state="failed"/)).toBe(0);
  expect(d).toMatch(/^switchboard_queue_jobs\{.*queue="sends",state="waiting"/m);
});

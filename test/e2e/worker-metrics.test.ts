import { startListener } from '@switchboard/listener';
import { testConfig, testLogger, waitFor, type Subscriber } from '@switchboard/testing';
import { inboundSms, postSignedTwilio, startSubscriberDownOnce } from './helpers.ts';
import { startStack, type Stack } from './stack.ts';

/** Every worker answers /metrics on its METRICS_PORT with its jobs, batches, queues and deliveries. */

const authToken = 'e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0';
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let stack: Stack;
let subscriber: Subscriber;

beforeAll(async () => {
  stack = await startStack({ TWILIO_AUTH_TOKEN: authToken, ADMIN_TOKEN: 'metrics-e2e-token-0123456789abcdef', RETRY_BASE_MS: '100', METRICS_PORT: '0' });
  // Down for its first request: one failed attempt, then deliveries.
  subscriber = await startSubscriberDownOnce(secret);
});

afterAll(async () => {
  await stack?.close();
  await subscriber?.close();
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
  const off = testConfig({ DATABASE_URL: stack.database.url, QUEUE_PREFIX: `${stack.prefix}-off` });
  const quiet = await startListener(off, testLogger('listener'));
  try {
    expect(quiet.metricsUrl).toBeUndefined();
  } finally {
    await quiet.close();
  }
  for (const service of [stack.listener, stack.interpreter, stack.dispatcher]) expect(service.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const other = await fetch(stack.listener.metricsUrl!.replace('/metrics', '/'));
  expect(other.status).toBe(404);
});

test('an SMS through the pipeline shows in every worker’s metrics: jobs, batches, queues, deliveries', async () => {
  const config = await stack.api('/api/webhook/config', { method: 'POST', body: JSON.stringify({ enabled: true, url: subscriber.url, secret }) });
  expect(config.status).toBe(200);
  const sms = inboundSms({ Body: 'Oui je suis intéressé', From: '+33611113333' });
  expect((await postSignedTwilio(`${stack.ingest.url}/webhooks/twilio/messages`, sms, { authToken })).status).toBe(200);
  // Two events delivered (received, interpreted) after one 503.
  await waitFor(() => subscriber.received.filter((r) => r.n > 1).length === 2, { what: 'both deliveries', timeoutMs: 20_000 });

  const l = await scrape(stack.listener.metricsUrl);
  expect(sample(l, /^switchboard_job_duration_seconds_count\{.*processor="raw-event",result="completed"/)).toBe(1);
  expect(sample(l, /^switchboard_batch_size_sum\{.*processor="raw-event",batcher="store"/)).toBe(1);
  expect(sample(l, /^switchboard_queue_jobs\{.*queue="inbound",state="waiting"/)).toBe(0);
  expect(sample(l, /^switchboard_queue_oldest_waiting_seconds\{.*queue="inbound"/)).toBe(0);
  expect(l).toMatch(/^process_resident_memory_bytes\{service="listener"\}/m);

  const i = await scrape(stack.interpreter.metricsUrl);
  expect(sample(i, /^switchboard_job_duration_seconds_count\{.*processor="interpret",result="completed"/)).toBe(1);
  expect(sample(i, /^switchboard_batch_size_count\{.*processor="interpret",batcher="persist"/)).toBe(1);

  const d = await waitFor(async () => {
    const text = await scrape(stack.dispatcher.metricsUrl);
    return sample(text, /^switchboard_outbound_delivery_seconds_count\{.*outcome="delivered",status="2xx"/) === 2 ? text : undefined;
  }, { what: 'two delivered attempts in the dispatcher’s metrics' });
  expect(sample(d, /^switchboard_outbound_delivery_failures_total\{.*outcome="retry",status="5xx"/)).toBe(1);
  expect(sample(d, /^switchboard_job_duration_seconds_count\{.*processor="delivery",result="completed"/)).toBe(3);
  expect(sample(d, /^switchboard_queue_jobs\{.*queue="deliveries",state="failed"/)).toBe(0);
  expect(d).toMatch(/^switchboard_queue_jobs\{.*queue="sends",state="waiting"/m);
});

import { waitFor, type Subscriber } from '@switchboard/testing';
import { inboundSms, postSignedTwilio, startSubscriberDownOnce } from './helpers.ts';
import { startStack, type Stack } from './stack.ts';

const authToken = 'e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0';
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let stack: Stack;
let subscriber: Subscriber;

beforeAll(async () => {
  // The receiver is down for its first request: that delivery is retried.
  subscriber = await startSubscriberDownOnce(secret);
  stack = await startStack({ TWILIO_AUTH_TOKEN: authToken, ADMIN_TOKEN: 'webhooks-e2e-token-0123456789abcdef', RETRY_BASE_MS: '100', LISTENER_CONCURRENCY: '8', INTERPRETER_CONCURRENCY: '8' });
});

afterAll(async () => {
  await stack?.close();
  await subscriber?.close();
});

const api = async (path: string, init: RequestInit = {}) => {
  const response = await stack.api(path, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

test('an inbound SMS becomes message.received and message.interpreted at the subscriber, signed, retried through a failure, every attempt visible in the console', async () => {
  // The business configures its endpoint the way the seed did.
  expect((await api('/api/webhook/config', { method: 'POST', body: JSON.stringify({ enabled: true, url: subscriber.url, secret, environment: 'production' }) })).status).toBe(200);

  const sms = inboundSms({ Body: 'Oui je suis intéressé', From: '+33611112222' });
  expect((await postSignedTwilio(`${stack.ingest.url}/webhooks/twilio/messages`, sms, { authToken })).status).toBe(200);

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

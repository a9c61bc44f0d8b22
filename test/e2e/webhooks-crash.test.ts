import type { ChildProcess } from 'node:child_process';
import { newId, writeDeliveries, type Db } from '@switchboard/db';
import { outboundEvent } from '@switchboard/domain';
import { createQueue, createRedis, enqueueDeliveries } from '@switchboard/queues';
import { startSubscriber, waitFor, type Subscriber } from '@switchboard/testing';
import { appProcessBed } from './helpers.ts';

const N = 300;
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let db: Db;
let subscriber: Subscriber;
const apps = appProcessBed('webhooks-crash');
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const deliveryQueue = createQueue('delivery', { connection: redis, prefix: apps.prefix });

/** The dispatcher as its own process, as `npm run start:dispatcher` runs it. */
function startDispatcher(): ChildProcess {
  return apps.start('dispatcher', { RETRY_BASE_MS: '100', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_SWEEP_INTERVAL_MS: '300' });
}

const kill = apps.kill;

beforeAll(async () => {
  db = (await apps.open()).db;
  // Slow enough that the kill lands with requests in flight.
  subscriber = await startSubscriber({ secrets: [secret], respond: () => ({ delayMs: 40 }) });
  await db.webhookEndpoint.create({ data: { id: 'crm', url: subscriber.url, secret, eventTypes: [] } });
});

afterAll(async () => {
  await apps.close();
  await subscriber?.close();
  await deliveryQueue.close();
  redis.disconnect();
});

test('a dispatcher SIGKILLed mid-delivery loses nothing: every event is delivered at least once, always under the same webhook-id', async () => {
  const events = Array.from({ length: N }, () => {
    const id = newId();
    return outboundEvent('message.received', [id], { id });
  });
  const ids = await db.$transaction((tx) => writeDeliveries(tx, events));
  expect(ids).toHaveLength(N);
  await enqueueDeliveries(deliveryQueue, ids);

  const first = startDispatcher();
  await waitFor(() => subscriber.received.length >= 20, { what: 'the first deliveries', timeoutMs: 20_000, intervalMs: 5 });
  await kill(first);
  const atKill = subscriber.received.length;
  expect(atKill).toBeLessThan(N);
  // Some attempts were claimed and never recorded: the kill landed mid-request.
  const claimed = await db.webhookDelivery.aggregate({ _sum: { attempts: true } });
  expect(claimed._sum.attempts!).toBeGreaterThan(await db.webhookAttempt.count());

  startDispatcher();
  await waitFor(async () => (await db.webhookDelivery.count({ where: { status: 'delivered' } })) === N, { what: 'every delivery delivered', timeoutMs: 45_000, intervalMs: 100 });

  const receivedIds = new Set(subscriber.received.map((r) => String(r.headers['webhook-id'])));
  expect([...receivedIds].sort()).toEqual([...ids].sort());
  expect(subscriber.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
  // Each event's body is the same whichever attempt carried it.
  const bodies = new Map<string, string>();
  for (const r of subscriber.received) {
    const id = String(r.headers['webhook-id']);
    const data = JSON.stringify(JSON.parse(r.body).data);
    expect(bodies.get(id) ?? data).toBe(data);
    bodies.set(id, data);
  }
});

import { createDb, type Db } from '@switchboard/db';
import type { Resolver } from '@switchboard/outbound';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, startSubscriber, testConfig, testLogger, uniquePrefix, waitFor, type Subscriber, type TestDatabase } from '@switchboard/testing';
import { startDispatcher, type DispatcherService } from '../src/index.ts';
import { createEndpoint, emit, event, secret } from './helpers.ts';

let database: TestDatabase;
let db: Db;
let dispatcher: DispatcherService;
let target: Subscriber;
let redirector: Subscriber;
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const queue = createQueue('delivery', { connection: redis, prefix });
const s = secret();

// An attacker's DNS: a public-looking name that answers a private address.
const resolver: Resolver = async (hostname) => {
  if (hostname === 'evil.example') return [{ address: '10.0.0.7', family: 4 }];
  if (hostname === 'hooks.example') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  target = await startSubscriber({ secrets: [s] });
  redirector = await startSubscriber({ secrets: [s], respond: () => ({ status: 302, headers: { location: target.url } }) });
  // Production, with only the name hooks.example allowed to be private.
  const config = testConfig({ NODE_ENV: 'production', DATABASE_URL: database.url, QUEUE_PREFIX: prefix, OUTBOUND_ALLOWLIST: 'hooks.example', RETRY_BASE_MS: '60000' });
  dispatcher = await startDispatcher(config, testLogger('dispatcher'), { resolver });
});

afterAll(async () => {
  await dispatcher?.close();
  await Promise.all([target?.close(), redirector?.close()]);
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

test('in production, loopback, the metadata address, a name resolving to 10.x and a redirect to loopback are all refused', async () => {
  const port = new URL(redirector.url).port;
  const endpoints = await Promise.all(
    [target.url.replace('http:', 'https:'), target.url, 'https://169.254.169.254/latest/meta-data/', 'https://evil.example/hook', `http://hooks.example:${port}/hook`].map((url) => createEndpoint(db, { url, secret: s })),
  );
  const ids = await emit(db, queue, [event()]);
  expect(ids).toHaveLength(endpoints.length);
  const attempts = await waitFor(async () => {
    const rows = await db.webhookAttempt.findMany({ include: { delivery: true } });
    return rows.length === endpoints.length ? rows : undefined;
  }, { what: 'one attempt per endpoint' });
  const byEndpoint = new Map(attempts.map((a) => [a.delivery.endpointId, a]));
  const [loopbackHttps, loopbackHttp, metadata, evil, redirect] = endpoints.map((e) => byEndpoint.get(e.id)!);
  expect(loopbackHttps).toMatchObject({ responseStatus: null, error: 'refused: 127.0.0.1 is a loopback address' });
  expect(loopbackHttp!.error).toMatch(/^refused: http: targets need https/);
  expect(metadata).toMatchObject({ responseStatus: null, error: 'refused: 169.254.169.254 is a linkLocal address' });
  expect(evil!.error).toBe('refused: evil.example resolves to 10.0.0.7, a private address');
  // The allowlisted name is reached, but its redirect to loopback is not followed.
  expect(redirect).toMatchObject({ responseStatus: 302, error: 'HTTP 302: redirects are not followed' });
  expect(redirector.received).toHaveLength(1);
  expect(target.received).toHaveLength(0);
  // Refused attempts are failures like others: retried on the schedule.
  expect(await db.webhookDelivery.count({ where: { status: 'pending', attempts: 1 } })).toBe(endpoints.length);
});

import { createDb, newId, type Db } from '@switchboard/db';
import { startConsole, type ConsoleService } from '@switchboard/console';
import { startDispatcher, type DispatcherService } from '@switchboard/dispatcher';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { createQueue, createRedis, silenceStateKey } from '@switchboard/queues';
import { createTestDatabase, startSubscriber, testConfig, testLogger, uniquePrefix, waitFor, type Subscriber, type TestDatabase } from '@switchboard/testing';

const ADMIN_TOKEN = 'silence-test-admin-token-0123456789';
const SECRET = 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=';
const prefix = uniquePrefix();
let database: TestDatabase;
let db: Db;
let subscriber: Subscriber;
let ingest: IngestService;
let consoleService: ConsoleService;
const dispatchers: DispatcherService[] = [];
/** The dispatchers' clock, moved by the test. */
let clock = new Date('2026-11-30T07:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  subscriber = await startSubscriber({ secrets: [SECRET] });
  const config = testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, ADMIN_TOKEN, SILENCE_CHECK_INTERVAL_MS: '100', RETRY_BASE_MS: '100' });
  await db.webhookEndpoint.create({ data: { id: 'default', url: subscriber.url, secret: SECRET, eventTypes: ['source.silent', 'source.recovered'] } });
  ingest = await startIngest(config, testLogger('ingest'));
  consoleService = await startConsole(config, testLogger('console'));
  // Two dispatchers: still one scheduler, and each change announced once.
  for (let i = 0; i < 2; i += 1) dispatchers.push(await startDispatcher(config, testLogger(`dispatcher-${i}`), { now: () => clock }));
});

afterAll(async () => {
  await Promise.all([...dispatchers.map((d) => d.close()), consoleService?.close(), ingest?.close()]);
  await subscriber?.close();
  const redis = createRedis('redis://127.0.0.1:6379', 'worker');
  const queues = (['inbound', 'delivery', 'send', 'silence'] as const).map((key) => createQueue(key, { connection: redis, prefix }));
  await Promise.all(queues.map((q) => q.obliterate({ force: true })));
  await Promise.all(queues.map((q) => q.close()));
  await redis.del(silenceStateKey(prefix));
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${consoleService.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });

/** Moves the clock and waits until an evaluation has run at that time. */
async function tick(iso: string): Promise<void> {
  clock = new Date(iso);
  await waitFor(async () => {
    const rows = await db.sourceAlerting.findMany({ where: { enabled: true } });
    return rows.every((r) => r.checkedAt?.getTime() === clock.getTime());
  }, { what: `an evaluation at ${iso}` });
}

const received = (type: string) => subscriber.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === type);
/** Waits for ingest's /metrics to show the source's gauge at `value` (the state reaches Redis just after the database). */
const metricBecomes = (value: string) =>
  waitFor(async () => {
    const text = await (await fetch(`${ingest.url}/metrics`)).text();
    return /switchboard_source_silent\{source="twilio"\} (\d)/.exec(text)?.[1] === value;
  }, { what: `switchboard_source_silent = ${value}` });

describe('silence alerts', () => {
  test('the expected activity of a source is set and read per source; bad input is a 400 naming the fields, an unknown source a 404', async () => {
    expect(await (await api('/api/sources/twilio/alerting')).json()).toEqual({ sourceId: 'twilio', enabled: false, state: 'active', configured: false });
    const bad = await api('/api/sources/twilio/alerting', { method: 'PUT', body: JSON.stringify({ silenceMinutes: 0, days: [8], startTime: '9h', endTime: '18:00', timeZone: 'Mars/Olympus' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: string[] }).fields.sort()).toEqual(['days', 'silenceMinutes', 'startTime', 'timeZone']);
    expect((await api('/api/sources/nope/alerting')).status).toBe(404);
    const put = await api('/api/sources/twilio/alerting', {
      method: 'PUT',
      body: JSON.stringify({ silenceMinutes: 30, days: [1, 2, 3, 4, 5], startTime: '09:00', endTime: '18:00', timeZone: 'Europe/Paris' }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ sourceId: 'twilio', enabled: true, silenceMinutes: 30, state: 'active' });
  });

  test('quiet during the expected hours is announced once as source.silent, the metric flips; traffic is announced once as source.recovered', async () => {
    // Monday 08:00 in Paris: before the hours. 09:20: within them, 20 minutes of quiet.
    await tick('2026-11-30T07:00:00Z');
    await tick('2026-11-30T08:20:00Z');
    expect(received('source.silent')).toHaveLength(0);
    await metricBecomes('0');

    await tick('2026-11-30T08:31:00Z');
    await waitFor(() => received('source.silent').length === 1, { what: 'source.silent' });
    const silent = JSON.parse(received('source.silent')[0]!.body) as { data: Record<string, unknown> };
    expect(silent.data).toMatchObject({ sourceId: 'twilio', silentSince: '2026-11-30T08:31:00.000Z', quietSince: '2026-11-30T08:00:00.000Z', lastEventAt: null });
    expect(await (await api('/api/sources/twilio/alerting')).json()).toMatchObject({ state: 'silent', silentSince: '2026-11-30T08:31:00.000Z' });
    await metricBecomes('1');
    const dashboard = await (await api('/admin')).text();
    expect(dashboard).toMatch(/<th scope="row">twilio<\/th><td><span class="badge bad">silent<\/span><\/td><td>2026-11-30T08:31:00.000Z<\/td>/);

    // Later evaluations while it stays quiet announce nothing more.
    await tick('2026-11-30T09:00:00Z');
    await tick('2026-11-30T12:00:00Z');
    expect(await db.webhookDelivery.count({ where: { type: 'source.silent' } })).toBe(1);
    expect(received('source.silent')).toHaveLength(1);

    // A Twilio event arrives (as the listener stores it) at 12:05: recovered, once. An evaluation
    // at 12:06 runs first: one that read the clock before it moved (at 12:00) may still be running
    // for a moment, and would see the event at its own time.
    await tick('2026-11-30T12:06:00Z');
    await db.rawEvent.create({
      data: {
        id: newId(), provider: 'twilio-status', dedupKey: 'SM1.delivered', route: '/webhooks/twilio/status', url: 'https://x/webhooks/twilio/status',
        receivedAt: new Date('2026-11-30T12:05:00Z'), headers: {}, body: 'MessageSid=SM1&MessageStatus=delivered',
      },
    });
    await tick('2026-11-30T12:06:00Z');
    await waitFor(() => received('source.recovered').length === 1, { what: 'source.recovered' });
    expect(JSON.parse(received('source.recovered')[0]!.body)).toMatchObject({ type: 'source.recovered', data: { sourceId: 'twilio', silentSince: '2026-11-30T08:31:00.000Z', recoveredAt: '2026-11-30T12:06:00.000Z' } });
    await tick('2026-11-30T12:10:00Z');
    expect(await db.webhookDelivery.count({ where: { type: 'source.recovered' } })).toBe(1);
    expect(received('source.recovered')).toHaveLength(1);
    expect(received('source.silent')).toHaveLength(1);
    await metricBecomes('0');
  });

  test('one job scheduler evaluates, whatever the number of dispatchers', async () => {
    const redis = createRedis('redis://127.0.0.1:6379', 'worker');
    const queue = createQueue('silence', { connection: redis, prefix });
    try {
      expect(await queue.getJobSchedulers()).toHaveLength(1);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});

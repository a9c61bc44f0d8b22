import { createDb, type Db } from '@switchboard/db';
import { createTestDatabase, startPrivateRedis, waitFor, testConfig, testLogger, uniquePrefix, type PrivateRedis, type TestDatabase } from '@switchboard/testing';
import { startConsole, type ConsoleService } from '../src/service.ts';
import { ADMIN_TOKEN, seedEvent } from './helpers.ts';

// The console on a Redis of its own, killed mid-test: the shared one is never touched.
let redis: PrivateRedis;
let database: TestDatabase;
let db: Db;
let consoleService: ConsoleService;

beforeAll(async () => {
  redis = await startPrivateRedis();
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  const config = testConfig({ DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: uniquePrefix(), ADMIN_TOKEN });
  consoleService = await startConsole(config, testLogger('console'));
});

afterAll(async () => {
  await consoleService?.close();
  await redis?.stop();
  await db?.$disconnect();
  await database?.drop();
});

const get = (path: string, headers: Record<string, string>) => fetch(`${consoleService.url}${path}`, { headers, redirect: 'manual' });

describe('the console while Redis is down', () => {
  test('cookies and logins answer 503 at once, the bearer token still reads the database, and a replay fails fast without counting', async () => {
    const login = await fetch(`${consoleService.url}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await get('/api/events', { cookie })).status).toBe(200);
    const event = await seedEvent(db);

    await redis.kill();

    const withCookie = await get('/api/events', { cookie });
    expect(withCookie.status).toBe(503);
    expect(await withCookie.json()).toEqual({ error: 'session store unavailable; use the bearer token' });

    const relogin = await fetch(`${consoleService.url}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    expect(relogin.status).toBe(503);
    expect(relogin.headers.get('set-cookie')).toBeNull();

    const bearer = await get(`/api/events/${event.id}`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(bearer.status).toBe(200);

    const replay = await fetch(`${consoleService.url}/api/events/${event.id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(replay.status).toBe(503);
    expect(await replay.json()).toEqual({ error: 'queue unavailable (Redis); nothing was replayed' });
    expect((await db.rawEvent.findUniqueOrThrow({ where: { id: event.id } })).replayCount).toBe(0);

    const range = await fetch(`${consoleService.url}/api/events/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ since: '2000-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' }),
    });
    expect(range.status).toBe(503);
    expect(await range.json()).toEqual({ error: 'queue unavailable (Redis) after 0 events were replayed', count: 0 });

    const retryFailed = await fetch(`${consoleService.url}/api/queues/inbound/retry-failed`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(retryFailed.status).toBe(503);
    expect(await retryFailed.json()).toEqual({ error: 'queue unavailable (Redis); retry when it is back' });
  });

  test('once Redis is back, logins and replays work again without a restart', async () => {
    await redis.start();
    const login = await waitFor(
      async () => {
        const response = await fetch(`${consoleService.url}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
        return response.status === 200 ? response : undefined;
      },
      { what: 'a login once Redis is back' },
    );
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const event = await seedEvent(db);
    const replay = await fetch(`${consoleService.url}/api/events/${event.id}/replay`, { method: 'POST', headers: { cookie, origin: consoleService.url } });
    expect(replay.status).toBe(202);
  });
});

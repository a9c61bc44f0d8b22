import { newId, rawEventToPayload } from '@switchboard/db';
import { createQueue, createRedis, jobs } from '@switchboard/queues';
import { seedEvent, startTestConsole, type TestConsole } from './helpers.ts';

// No workers here: the jobs stay on the queue for the test to read.
let t: TestConsole;
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
let inbound: ReturnType<typeof createQueue<'inbound'>>;
const base = Date.parse('2026-05-01T00:00:00.000Z');
const at = (minutes: number) => new Date(base + minutes * 60_000);

beforeAll(async () => {
  t = await startTestConsole();
  inbound = createQueue('inbound', { connection: redis, prefix: t.prefix });
});

afterEach(async () => {
  await inbound.obliterate({ force: true });
});

afterAll(async () => {
  await inbound?.close();
  redis.disconnect();
  await t?.close();
});

const post = (path: string, body?: unknown) =>
  t.api(path, { method: 'POST', ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });

describe('POST /api/events/:id/replay', () => {
  test('puts the stored event on the inbound queue with its eventId, answers 202, and counts the replay', async () => {
    const event = await seedEvent(t.db, { receivedAt: at(0) });
    const before = Date.now();
    const response = await post(`/api/events/${event.id}/replay`);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { eventId: string; jobId: string };
    expect(body.eventId).toBe(event.id);
    expect(body.jobId).toMatch(new RegExp(`^replay\\.${event.id}\\.\\d{13}$`));

    const job = await inbound.getJob(body.jobId);
    expect(job?.name).toBe(jobs.inbound.name);
    expect(job?.data).toEqual(rawEventToPayload(event));
    expect(job?.data.eventId).toBe(event.id);
    expect(jobs.inbound.schema.safeParse(job?.data).success).toBe(true);

    const row = await t.db.rawEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(row.replayCount).toBe(1);
    expect(row.lastReplayAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
  });

  test('each replay is a new job, and the count goes up each time', async () => {
    const event = await seedEvent(t.db, { receivedAt: at(1) });
    const first = (await (await post(`/api/events/${event.id}/replay`)).json()) as { jobId: string };
    // Job ids carry the time in ms: wait until it moves on rather than sleep a fixed time.
    const t0 = Date.now();
    while (Date.now() === t0) await new Promise((r) => setImmediate(r));
    const second = (await (await post(`/api/events/${event.id}/replay`)).json()) as { jobId: string };
    expect(second.jobId).not.toBe(first.jobId);
    expect(await inbound.getJobCounts('waiting')).toEqual({ waiting: 2 });
    expect((await t.db.rawEvent.findUniqueOrThrow({ where: { id: event.id } })).replayCount).toBe(2);
  });

  test('an unknown event is a 404 and a malformed id a 400; neither queues anything', async () => {
    const unknown = newId();
    const missing = await post(`/api/events/${unknown}/replay`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: `no event ${unknown}` });
    const bad = await post('/api/events/SM123/replay');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: string[] }).fields).toEqual(['id']);
    expect(await inbound.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });
});

describe('POST /api/events/replay', () => {
  test('replays every event of the range [since, until) and source, and only those', async () => {
    const inRange = [await seedEvent(t.db, { receivedAt: at(100) }), await seedEvent(t.db, { receivedAt: at(101) }), await seedEvent(t.db, { receivedAt: at(101) })];
    const otherSource = await seedEvent(t.db, { provider: 'mailgun', receivedAt: at(101) });
    const atUntil = await seedEvent(t.db, { receivedAt: at(102) });
    const response = await post('/api/events/replay', { source: 'twilio-messaging', since: at(100).toISOString(), until: at(102).toISOString() });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ count: 3 });
    const queued = await inbound.getJobs(['waiting'], 0, -1, true);
    expect(queued.map((j) => j.data.eventId).sort()).toEqual(inRange.map((e) => e.id).sort());
    for (const job of queued) {
      const row = inRange.find((e) => e.id === job.data.eventId)!;
      expect(job.data).toEqual(rawEventToPayload(row));
      expect(job.id).toMatch(new RegExp(`^replay\\.${row.id}\\.\\d{13}$`));
    }
    const counts = await t.db.rawEvent.findMany({ where: { id: { in: [...inRange, otherSource, atUntil].map((e) => e.id) } }, select: { id: true, replayCount: true } });
    expect(Object.fromEntries(counts.map((c) => [c.id, c.replayCount]))).toEqual({
      [inRange[0]!.id]: 1, [inRange[1]!.id]: 1, [inRange[2]!.id]: 1, [otherSource.id]: 0, [atUntil.id]: 0,
    });
  });

  test('an empty range queues nothing', async () => {
    const response = await post('/api/events/replay', { since: '2001-01-01T00:00:00Z', until: '2001-01-02T00:00:00Z' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ count: 0 });
  });

  test('a range of more than 10,000 events is refused unless a limit is given; with one, the oldest are replayed in batches', async () => {
    const start = at(10_000);
    const rows = Array.from({ length: 10_001 }, (_, i) => ({
      id: newId(), provider: 'generic', dedupKey: `bulk-${i}`, route: '/webhooks/generic/src_x', url: 'https://example.test/webhooks/generic/src_x',
      sourceId: 'src_x', receivedAt: new Date(start.getTime() + i), headers: {}, body: '{}',
    }));
    await t.db.rawEvent.createMany({ data: rows });
    const range = { source: 'generic', since: start.toISOString(), until: at(20_000).toISOString() };

    const refused = await post('/api/events/replay', range);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: 'the range holds 10001 events, more than 10000: narrow it or pass a limit',
      fields: ['since', 'until', 'limit'],
      count: 10_001,
    });
    expect(await inbound.getJobCounts('waiting')).toEqual({ waiting: 0 });

    const limited = await post('/api/events/replay', { ...range, limit: 1_200 });
    expect(limited.status).toBe(202);
    expect(await limited.json()).toEqual({ count: 1_200 });
    const queued = await inbound.getJobs(['waiting'], 0, -1, true);
    expect(queued.map((j) => j.data.dedupKey).sort()).toEqual(rows.slice(0, 1_200).map((r) => r.dedupKey).sort());
    expect(await t.db.rawEvent.count({ where: { provider: 'generic', replayCount: 1 } })).toBe(1_200);
  });

  test.each([
    [{}, ['since', 'until']],
    [{ since: '2026-01-02T00:00:00Z' }, ['until']],
    [{ since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }, ['until']],
    [{ since: '2026-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }, ['until']],
    [{ since: 'monday', until: '2026-01-01T00:00:00Z' }, ['since']],
    [{ source: 'twilio', since: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z' }, ['source']],
    [{ since: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z', limit: 0 }, ['limit']],
    [{ since: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z', limit: '10' }, ['limit']],
    [{ since: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z', everything: true }, ['everything']],
  ])('%j is a 400 naming %j', async (body, fields) => {
    const response = await post('/api/events/replay', body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: string[] }).fields.sort()).toEqual([...fields].sort());
    expect(await inbound.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });
});

import { Queue, Worker } from 'bullmq';
import { createRedis, jobs } from '@switchboard/queues';
import { waitFor } from '@switchboard/testing';
import { startTestConsole, type TestConsole } from './helpers.ts';

let t: TestConsole;
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
let queue: Queue;

const TRANSIENT = "Can't reach database server at 127.0.0.1:5432";
const POISON = 'cannot normalize twilio-status event e1: unknown Twilio message status "exploded"';

/** Puts jobs in the inbound failed set the way the old schedule left them: out of attempts during an outage, or poison. */
async function failJobs(reasons: string[]): Promise<void> {
  const before = await queue.getJobCountByTypes('failed');
  await queue.addBulk(reasons.map((reason) => ({ name: jobs.inbound.name, data: { reason }, opts: { attempts: 1 } })));
  const worker = new Worker(
    jobs.inbound.queue,
    async (job) => {
      throw new Error((job.data as { reason: string }).reason);
    },
    { connection: redis, prefix: t.prefix, concurrency: 10 },
  );
  await waitFor(async () => (await queue.getJobCountByTypes('failed')) === before + reasons.length, { what: 'the failed jobs' });
  await worker.close();
}

const retry = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  t.api(`/api/queues/${name}/retry-failed`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  t = await startTestConsole();
  queue = new Queue(jobs.inbound.queue, { connection: redis, prefix: t.prefix });
});

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await t.close();
});

describe('POST /api/queues/:name/retry-failed', () => {
  test('needs the bearer token, a known queue and a valid body', async () => {
    expect((await t.anon('/api/queues/inbound/retry-failed', { method: 'POST' })).status).toBe(401);
    const unknown = await retry('nope', {});
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'no queue nope', queues: ['inbound', 'interpret', 'deliveries', 'sends', 'alerts'] });
    const bad = await retry('inbound', { since: 'yesterday', everything: true });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: string[] }).fields.sort()).toEqual(['everything', 'since']);
  });

  test('re-drives the transient failures once, even when two operators click at once; poison jobs stay until their reason is named', async () => {
    await failJobs([...Array<string>(12).fill(TRANSIENT), ...Array<string>(3).fill(POISON)]);

    const [a, b] = await Promise.all([retry('inbound', {}), retry('inbound', {})]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [ra, rb] = [(await a.json()) as { queue: string; retried: number }, (await b.json()) as { queue: string; retried: number }];
    expect(ra.retried + rb.retried).toBe(12);
    expect(ra.queue).toBe('inbound');
    expect(await queue.getJobCountByTypes('waiting')).toBe(12);
    expect((await queue.getFailed()).map((j) => j.failedReason)).toEqual([POISON, POISON, POISON]);

    // `since` after their failure: nothing matches.
    const later = await retry('inbound', { reason: 'cannot normalize', since: new Date(Date.now() + 60_000).toISOString() });
    expect(await later.json()).toEqual({ queue: 'inbound', retried: 0, skipped: 0 });

    const named = await retry('inbound', { reason: 'CANNOT NORMALIZE', since: '2020-01-01' });
    expect(await named.json()).toEqual({ queue: 'inbound', retried: 3, skipped: 0 });
    expect(await queue.getJobCountByTypes('failed')).toBe(0);
    expect(await queue.getJobCountByTypes('waiting')).toBe(15);
  });
});

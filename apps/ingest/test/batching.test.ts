import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job } from 'bullmq';
import type { RawEventPayload } from '@switchboard/events';
import { batchJobId, createQueue, createRedis, jobs, type RawEventBatchPayload } from '@switchboard/queues';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, waitFor, type TestDatabase } from '@switchboard/testing';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { startIngest, type IngestService } from '../src/service.ts';
import { durableSink, rawEventJobId } from '../src/sink.ts';
import { rawEvent } from './raw-event.fixture.ts';
import { openSpool } from '../src/spool.ts';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };

const authToken = 'batch0batch0batch0batch0batch0ab';
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const queue = createQueue('inbound', { connection: redis, prefix });
let database: TestDatabase;
let ingest: IngestService;

beforeAll(async () => {
  database = await createTestDatabase();
  ingest = await startIngest(testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, TWILIO_AUTH_TOKEN: authToken }), testLogger('ingest'));
});

afterEach(async () => {
  await queue.obliterate({ force: true });
});

afterAll(async () => {
  await ingest?.close();
  await queue.close();
  redis.disconnect();
  await database?.drop();
});

let counter = 0;
function sms(): Record<string, string> {
  counter += 1;
  const sid = `SM${Date.now().toString(16)}${String(counter).padStart(8, '0')}`;
  return { MessageSid: sid, SmsSid: sid, AccountSid: 'AC0123456789abcdef0123456789abcdef', From: '+33612345678', To: '+33757000000', Body: `message ${counter}`, NumMedia: '0' };
}

async function post(params: Record<string, string>) {
  const url = `${ingest.url}/webhooks/twilio/messages`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: await response.text() };
}

const eventsOf = (job: Job) => (job.name === jobs.inboundBatch.name ? (job.data as RawEventBatchPayload).events : [job.data as RawEventPayload]);
const waiting = () => queue.getJobs(['wait']);
/**
 * The waiting jobs once every one of `sids` is in one: under a heavy load (CI's parallel suites) an
 * add can outlast the sink's timeout, and the event is then answered from the spool, whose drain
 * adds the same job (same name, data and id) a moment later.
 */
const queuedWith = async (sids: string[]) => {
  let jobs: Job[] = [];
  await waitFor(async () => {
    jobs = await waiting();
    const queued = new Set(jobs.flatMap(eventsOf).map((e) => e.dedupKey));
    return sids.every((sid) => queued.has(sid));
  }, { what: 'every accepted event in the queue', timeoutMs: 15_000 });
  return jobs;
};


describe('ingest batches the events it makes durable together', () => {
  test('one post alone is one raw-event job, under its own id', async () => {
    const params = sms();
    expect((await post(params)).status).toBe(200);
    const [job, ...others] = await queuedWith([params.MessageSid!]);
    expect(others).toEqual([]);
    expect(job).toMatchObject({ name: jobs.inbound.name, id: `twilio-messaging.${params.MessageSid}` });
    expect((job!.data as RawEventPayload).dedupKey).toBe(params.MessageSid);
  });

  test('concurrent posts are each in exactly one job, and a job of several is a raw-events batch named by its events', async () => {
    const forms = Array.from({ length: 40 }, sms);
    const answers = await Promise.all(forms.map(post));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    const queued = await queuedWith(forms.map((f) => f.MessageSid!));
    expect(queued.flatMap(eventsOf).map((e) => e.dedupKey).sort()).toEqual(forms.map((f) => f.MessageSid).sort());
    for (const job of queued) {
      const events = eventsOf(job);
      if (events.length === 1) expect(job).toMatchObject({ name: jobs.inbound.name, id: rawEventJobId(events[0]!) });
      else expect(job).toMatchObject({ name: jobs.inboundBatch.name, id: batchJobId(events.map(rawEventJobId)) });
    }
  });

  test('a retry of a batched event is answered 200, with the same TwiML, and adds no job', async () => {
    const forms = Array.from({ length: 10 }, sms);
    const first = await Promise.all(forms.map(post));
    const before = await queuedWith(forms.map((f) => f.MessageSid!));
    const retry = await post(forms[3]!);
    expect(retry).toEqual(first[3]);
    expect((await waiting()).map((j) => j.id).sort()).toEqual(before.map((j) => j.id).sort());
  });
});

describe('the sink on a real Redis', () => {
  const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sb-batch-'));

  test('events submitted together become one raw-events job holding them all, under the id of their ids', async () => {
    const sink = durableSink({ queue, redis, spool: await openSpool({ dir: tmpDir() }), logger: testLogger() });
    const events = Array.from({ length: 25 }, (_, i) => rawEvent(`together${i}`));
    expect(await Promise.all(events.map((e) => sink.submit(e)))).toEqual(Array(25).fill('queued'));
    await sink.close();
    const queued = await waiting();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ name: jobs.inboundBatch.name, id: batchJobId(events.map(rawEventJobId)), data: { events } });
  });

  test('a batch whose add landed but went unanswered is spooled, and its drain, even replayed, leaves one job', async () => {
    const dir = tmpDir();
    // Redis takes the job, then the answer is lost (a timeout): the sink must spool the batch.
    let lose = true;
    const lossy = {
      async add(...args: Parameters<typeof queue.add>) {
        const job = await queue.add(...args);
        if (lose) throw new Error('redis did not answer within 2500 ms');
        return job;
      },
      addBulk: (list: Parameters<typeof queue.addBulk>[0]) => queue.addBulk(list),
    };
    const spool = await openSpool({ dir });
    const sink = durableSink({ queue: lossy as unknown as typeof queue, redis, spool, logger: testLogger(), drainIntervalMs: 60_000 });
    const events = Array.from({ length: 5 }, (_, i) => rawEvent(`lost${i}`));
    expect(await Promise.all(events.map((e) => sink.submit(e)))).toEqual(Array(5).fill('spooled'));
    lose = false;
    // A copy of the segment, as a crash before its deletion would leave it (a dead writer's file).
    const [segment] = fs.readdirSync(dir);
    const copy = fs.readFileSync(path.join(dir, segment!));
    expect(await sink.drainNow()).toBe(5);
    fs.writeFileSync(path.join(dir, '999999999.deadbeef.00000001.jsonl'), copy);
    expect(await sink.drainNow()).toBe(5);
    await sink.close();
    const queued = await waiting();
    expect(queued.map((j) => j.id)).toEqual([batchJobId(events.map(rawEventJobId))]);
    expect(queued.flatMap(eventsOf).map((e) => e.dedupKey)).toEqual(events.map((e) => e.dedupKey));
  });
});

import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RawEventPayload } from '@switchboard/events';
import type { JobInput } from '@switchboard/queues';
import { testLogger, waitFor } from '@switchboard/testing';
import { durableSink, rawEventJobId } from '../src/sink.ts';
import { openSpool, type Spool } from '../src/spool.ts';

type Bulk = { name: string; data: RawEventPayload; opts: { jobId: string } }[];

function event(key: string): RawEventPayload {
  return {
    provider: 'twilio-messaging',
    dedupKey: key,
    route: '/webhooks/twilio/messages',
    url: 'http://127.0.0.1/webhooks/twilio/messages',
    receivedAt: '2026-11-23T10:00:00.000Z',
    headers: {},
    body: `MessageSid=${key}`,
    bodyEncoding: 'utf8',
  };
}

/** A stand-in for the queue and its connection: records each addBulk, fails on demand. */
function fakeRedisQueue() {
  const redis = Object.assign(new EventEmitter(), { status: 'ready' });
  const calls: Bulk[] = [];
  let fail: Error | undefined;
  let hang = false;
  const queue = {
    addBulk: async (jobs: Bulk) => {
      if (hang) return new Promise(() => undefined);
      if (fail) throw fail;
      calls.push(jobs);
      return jobs;
    },
  };
  return {
    redis,
    calls,
    queue: queue as unknown as Queue<JobInput<'inbound'>>,
    conn: redis as unknown as Redis,
    down(status = 'reconnecting') {
      redis.status = status;
    },
    up() {
      redis.status = 'ready';
      redis.emit('ready');
    },
    failWith(err: Error | undefined) {
      fail = err;
    },
    hangForever() {
      hang = true;
    },
  };
}

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sb-sink-'));
const sinks: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

async function setup(options: { spool?: Spool; addTimeoutMs?: number } = {}) {
  const fake = fakeRedisQueue();
  const dir = tmpDir();
  const spool = options.spool ?? (await openSpool({ dir }));
  const sink = durableSink({ queue: fake.queue, redis: fake.conn, spool, logger: testLogger(), addTimeoutMs: options.addTimeoutMs, drainIntervalMs: 20 });
  sinks.push(sink);
  return { ...fake, sink, spool, dir };
}

describe('the durable sink', () => {
  test('events submitted in one tick go to Redis in one addBulk, with deterministic job ids', async () => {
    const { sink, calls } = await setup();
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => sink.submit(event(`SM${i}`))));
    expect(outcomes).toEqual(Array(40).fill('queued'));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((j) => j.opts.jobId)).toEqual(Array.from({ length: 40 }, (_, i) => rawEventJobId(event(`SM${i}`))));
    expect(calls[0]![0]).toMatchObject({ name: 'raw-event', data: event('SM0') });
  });

  test('a batch holds at most 256 events', async () => {
    const { sink, calls } = await setup();
    await Promise.all(Array.from({ length: 600 }, (_, i) => sink.submit(event(`B${i}`))));
    expect(calls.map((c) => c.length)).toEqual([256, 256, 88]);
  });

  test('a retry of an event this process already made durable is acknowledged without a write', async () => {
    const { sink, calls } = await setup();
    expect(await sink.submit(event('SMdup'))).toBe('queued');
    expect(await sink.submit(event('SMdup'))).toBe('duplicate');
    expect(calls).toHaveLength(1);
  });

  test('while Redis is not connected, events are spooled, and drained in order once it is back', async () => {
    const { sink, calls, spool, down, up } = await setup();
    down();
    const outcomes = await Promise.all(['a', 'b', 'c'].map((k) => sink.submit(event(k))));
    expect(outcomes).toEqual(['spooled', 'spooled', 'spooled']);
    expect(calls).toHaveLength(0);
    expect(spool.depth()).toBe(3);
    up();
    await waitFor(() => calls.length > 0 && spool.depth() === 0, { what: 'the spool drained' });
    expect(calls.flat().map((j) => j.data.dedupKey)).toEqual(['a', 'b', 'c']);
    expect(await spool.hasBacklog()).toBe(false);
  });

  test('a drain asked for while Redis is down does nothing, and a later one still runs', async () => {
    const { sink, calls, spool, down, up } = await setup();
    down();
    await sink.submit(event('w1'));
    expect(await sink.drainNow()).toBe(0);
    up();
    // The spool empties before the drain that emptied it resolves (a drainNow then joins it).
    await waitFor(async () => spool.depth() === 0 && (await sink.drainNow()) === 0, { what: 'the spool drained' });
    expect(calls.flat().map((j) => j.data.dedupKey)).toEqual(['w1']);
  });

  test('when Redis refuses the add, the events are spooled and drained by the poll once it accepts again', async () => {
    const { sink, calls, spool, failWith } = await setup();
    failWith(new Error('OOM command not allowed'));
    expect(await sink.submit(event('r1'))).toBe('spooled');
    failWith(undefined);
    await waitFor(() => spool.depth() === 0 && calls.length === 1, { what: 'the spool drained' });
    expect(calls[0]!.map((j) => j.data.dedupKey)).toEqual(['r1']);
  });

  test('an add that does not answer in time is spooled instead of holding the request', async () => {
    const { sink, hangForever } = await setup({ addTimeoutMs: 50 });
    hangForever();
    expect(await sink.submit(event('slow'))).toBe('spooled');
  });

  test('when neither Redis nor the spool can take an event, submit rejects', async () => {
    const broken: Spool = {
      append: async () => Promise.reject(new Error('ENOSPC')),
      drain: async () => 0,
      depth: () => 0,
      hasBacklog: async () => false,
      close: async () => undefined,
    };
    const { sink, down } = await setup({ spool: broken });
    down();
    await expect(sink.submit(event('lost'))).rejects.toThrow('ENOSPC');
  });

  test('a spool left by a previous process is drained at start', async () => {
    const dir = tmpDir();
    const previous = await openSpool({ dir });
    await previous.append([event('old1'), event('old2')]);
    await previous.close();
    const { calls } = await setup({ spool: await openSpool({ dir }) });
    await waitFor(() => calls.length === 1, { what: 'the old spool drained' });
    expect(calls[0]!.map((j) => j.data.dedupKey)).toEqual(['old1', 'old2']);
    await waitFor(() => fs.readdirSync(dir).length === 0, { what: 'the old segment deleted' });
  });
});

import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RawEventPayload } from '@switchboard/events';
import { batchJobId } from '@switchboard/queues';
import { testLogger, waitFor } from '@switchboard/testing';
import { durableSink, rawEventJobId, type InboundJob, type InboundJobData } from '../src/sink.ts';
import { rawEvent } from './raw-event.fixture.ts';
import { openSpool, type Spool } from '../src/spool.ts';


/** The events a job carries, in order. */
const eventsOf = (job: InboundJob) => ('events' in job.data ? job.data.events : [job.data as RawEventPayload]);
const keysOf = (jobs: InboundJob[]) => jobs.flatMap(eventsOf).map((e) => e.dedupKey);

/** A stand-in for the queue and its connection: records each add (as a list of one) and addBulk, fails on demand. */
function fakeRedisQueue() {
  const calls: InboundJob[][] = [];
  let fail: Error | undefined;
  let hang = false;
  let held: (() => void)[] | undefined;
  let attempts = 0;
  /** A hung connection never answers; a held one answers when released. */
  const answer = async () => {
    if (hang) await new Promise(() => undefined);
    if (held) await new Promise<void>((resolve) => held!.push(resolve));
  };
  const redis = Object.assign(new EventEmitter(), { status: 'ready', ping: () => answer().then(() => 'PONG') });
  const addBulk = async (jobs: InboundJob[]) => {
    attempts += 1;
    if (fail) throw fail;
    await answer();
    calls.push(jobs);
    return jobs;
  };
  const queue = { addBulk, add: (name: string, data: InboundJobData, opts: { jobId: string }) => addBulk([{ name, data, opts }]) };
  return {
    redis,
    calls,
    queue: queue as unknown as Queue<InboundJobData>,
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
    /** Adds and PINGs wait until `release`, then land. */
    hold() {
      held = [];
    },
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const resolve of waiting) resolve();
    },
    /** What waits is never answered (a connection gone); what comes next is. */
    abandon() {
      held = undefined;
    },
    attempts: () => attempts,
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
  test('events submitted in one tick become one raw-events job, its id derived from their job ids', async () => {
    const { sink, calls } = await setup();
    const events = Array.from({ length: 40 }, (_, i) => rawEvent(`SM${i}`));
    const outcomes = await Promise.all(events.map((e) => sink.submit(e)));
    expect(outcomes).toEqual(Array(40).fill('queued'));
    expect(calls).toEqual([[{ name: 'raw-events', data: { events }, opts: { jobId: batchJobId(events.map(rawEventJobId)) } }]]);
  });

  test('an event alone is a raw-event job with its own deterministic id', async () => {
    const { sink, calls } = await setup();
    expect(await sink.submit(rawEvent('SMalone'))).toBe('queued');
    expect(calls).toEqual([[{ name: 'raw-event', data: rawEvent('SMalone'), opts: { jobId: rawEventJobId(rawEvent('SMalone')) } }]]);
  });

  test('a batch holds at most 256 events', async () => {
    const { sink, calls } = await setup();
    await Promise.all(Array.from({ length: 600 }, (_, i) => sink.submit(rawEvent(`B${i}`))));
    expect(calls.map((c) => eventsOf(c[0]!).length)).toEqual([256, 256, 88]);
    expect(keysOf(calls.flat())).toEqual(Array.from({ length: 600 }, (_, i) => `B${i}`));
  });

  test('while a write runs, the events that come meanwhile are written next, together, in one job', async () => {
    const { sink, calls, queue } = await setup();
    // The first add waits until the test lets it answer.
    let answer: (() => void) | undefined;
    const add = queue.add.bind(queue);
    queue.add = ((...args: Parameters<typeof queue.add>) => {
      queue.add = add;
      return new Promise((resolve) => (answer = () => resolve(add(...args))));
    }) as typeof queue.add;
    const first = sink.submit(rawEvent('w1'));
    await waitFor(() => answer !== undefined, { what: 'the first add started' });
    const later = [sink.submit(rawEvent('w2')), sink.submit(rawEvent('w3'))];
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([]);
    answer!();
    expect(await Promise.all([first, ...later])).toEqual(['queued', 'queued', 'queued']);
    expect(calls.map(keysOf)).toEqual([['w1'], ['w2', 'w3']]);
  });

  test('a retry of an event this process already made durable is acknowledged without a write', async () => {
    const { sink, calls } = await setup();
    expect(await sink.submit(rawEvent('SMdup'))).toBe('queued');
    expect(await sink.submit(rawEvent('SMdup'))).toBe('duplicate');
    expect(calls).toHaveLength(1);
  });

  test('a retry of a batched event, even before the batch is durable, is acknowledged without a write', async () => {
    const { sink, calls } = await setup();
    const outcomes = await Promise.all([sink.submit(rawEvent('b1')), sink.submit(rawEvent('b2')), sink.submit(rawEvent('b1'))]);
    expect(outcomes).toEqual(['queued', 'queued', 'duplicate']);
    expect(await sink.submit(rawEvent('b2'))).toBe('duplicate');
    expect(calls).toHaveLength(1);
    expect(keysOf(calls[0]!)).toEqual(['b1', 'b2']);
  });

  test('while Redis is not connected, events are spooled, and drained in order once it is back', async () => {
    const { sink, calls, spool, down, up } = await setup();
    down();
    const outcomes = await Promise.all(['a', 'b', 'c'].map((k) => sink.submit(rawEvent(k))));
    expect(outcomes).toEqual(['spooled', 'spooled', 'spooled']);
    expect(calls).toHaveLength(0);
    expect(spool.depth()).toBe(3);
    up();
    // Drained, and its file gone (the count reaches 0 once the events are added, the file is
    // removed a moment later).
    await waitFor(async () => calls.length > 0 && spool.depth() === 0 && !(await spool.hasBacklog()), { what: 'the spool drained and its file removed' });
    // The three were one group: drained as the batch job they would have been.
    expect(calls.flat()).toEqual([{ name: 'raw-events', data: { events: ['a', 'b', 'c'].map(rawEvent) }, opts: { jobId: batchJobId(['a', 'b', 'c'].map((k) => rawEventJobId(rawEvent(k)))) } }]);
  });

  test('a drain asked for while Redis is down does nothing, and a later one still runs', async () => {
    const { sink, calls, spool, down, up } = await setup();
    down();
    await sink.submit(rawEvent('w1'));
    expect(await sink.drainNow()).toBe(0);
    up();
    await waitFor(() => spool.depth() === 0, { what: 'the spool drained' });
    // The drain that emptied it may still be finishing (deleting the segment): once it has, another finds nothing.
    await sink.drainNow();
    expect(await sink.drainNow()).toBe(0);
    expect(keysOf(calls.flat())).toEqual(['w1']);
  });

  test('when Redis refuses the add, the events are spooled and drained by the poll once it accepts again', async () => {
    const { sink, calls, spool, failWith } = await setup();
    failWith(new Error('OOM command not allowed'));
    expect(await sink.submit(rawEvent('r1'))).toBe('spooled');
    failWith(undefined);
    await waitFor(() => spool.depth() === 0 && calls.length === 1, { what: 'the spool drained' });
    expect(calls[0]).toEqual([{ name: 'raw-event', data: rawEvent('r1'), opts: { jobId: rawEventJobId(rawEvent('r1')) } }]);
  });

  test('an add that does not answer in time is spooled instead of holding the request', async () => {
    const { sink, hangForever } = await setup({ addTimeoutMs: 50 });
    hangForever();
    expect(await sink.submit(rawEvent('slow'))).toBe('spooled');
  });

  test('after an add times out, the groups that follow are spooled without trying Redis until it settles; then the spool drains', async () => {
    const { sink, calls, spool, hold, release, attempts } = await setup({ addTimeoutMs: 50 });
    hold();
    expect(await sink.submit(rawEvent('late'))).toBe('spooled');
    expect(attempts()).toBe(1);
    // Redis is suspect: the next groups go to the spool at once, none waits out a timeout of its own.
    expect(await sink.submit(rawEvent('next1'))).toBe('spooled');
    expect(await sink.submit(rawEvent('next2'))).toBe('spooled');
    expect(await sink.drainNow()).toBe(0);
    expect(attempts()).toBe(1);
    // Redis answers again (the late add lands, the PING is answered): it is trusted again and the
    // spool drains (the late event's spooled copy is the same job, a no-op in BullMQ).
    release();
    await waitFor(() => spool.depth() === 0, { what: 'the spool drained' });
    expect(keysOf(calls.flat()).sort()).toEqual(['late', 'late', 'next1', 'next2']);
    expect(await sink.submit(rawEvent('after'))).toBe('queued');
  });

  test("the connection's own command timeout makes Redis suspect too, until a PING is answered", async () => {
    const { sink, calls, spool, hold, release, failWith, attempts } = await setup();
    hold();
    failWith(new Error('Command timed out'));
    expect(await sink.submit(rawEvent('t1'))).toBe('spooled');
    failWith(undefined);
    expect(await sink.submit(rawEvent('t2'))).toBe('spooled');
    expect(attempts()).toBe(1);
    release();
    await waitFor(() => spool.depth() === 0, { what: 'the spool drained' });
    expect(keysOf(calls.flat())).toEqual(['t1', 't2']);
    expect(await sink.submit(rawEvent('t3'))).toBe('queued');
  });

  test('a connection replaced (ready again) is trusted at once', async () => {
    const { sink, calls, spool, hold, abandon, up, attempts } = await setup({ addTimeoutMs: 50 });
    hold();
    expect(await sink.submit(rawEvent('u1'))).toBe('spooled');
    expect(await sink.submit(rawEvent('u2'))).toBe('spooled');
    expect(attempts()).toBe(1);
    // The old connection's add and PING never come back; a new connection is ready.
    abandon();
    up();
    await waitFor(() => spool.depth() === 0, { what: 'the spool drained' });
    expect(keysOf(calls.flat())).toEqual(['u1', 'u2']);
    expect(await sink.submit(rawEvent('u3'))).toBe('queued');
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
    await expect(sink.submit(rawEvent('lost'))).rejects.toThrow('ENOSPC');
  });

  test('a spool left by a previous process is drained at start', async () => {
    const dir = tmpDir();
    const previous = await openSpool({ dir });
    await previous.append([rawEvent('old1'), rawEvent('old2')]);
    await previous.close();
    const { calls } = await setup({ spool: await openSpool({ dir }) });
    await waitFor(() => calls.length === 1, { what: 'the old spool drained' });
    expect(keysOf(calls[0]!)).toEqual(['old1', 'old2']);
    expect(calls[0]!.map((j) => j.name)).toEqual(['raw-event', 'raw-event']);
    await waitFor(() => fs.readdirSync(dir).length === 0, { what: 'the old segment deleted' });
  });
});

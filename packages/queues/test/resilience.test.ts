import { Queue, Worker, UnrecoverableError } from 'bullmq';
import { createDb, persistInterpretedMessages, storeRawEvents } from '@switchboard/db';
import type { RawEventPayload } from '@switchboard/events';
import {
  backoffDelay,
  classifyFailure,
  createQueue,
  createRedis,
  createResilience,
  createProcessorClaims,
  createWorker,
  isTransientReason,
  jobs,
  redriveFailed,
  TransientError,
  type Processor,
  type QueueProcessors,
} from '@switchboard/queues';
import { freePort, startTcpRelay, uniquePrefix, waitFor } from '@switchboard/testing';

const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  const queue = new Queue(jobs.inbound.queue, { connection: redis, prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

/** The inbound queue's processors for a test that adds single raw events only. */
function inboundOnly(inbound: Processor<'inbound'>): QueueProcessors<'inbound'> {
  return { inbound, inboundBatch: () => Promise.reject(new Error('no batch jobs in this test')) };
}

let n = 0;
function rawEvent(body = 'Body=Bonjour'): RawEventPayload {
  n += 1;
  return {
    provider: 'twilio-messaging',
    dedupKey: `SM${String(n).padStart(32, '0')}`,
    route: '/webhooks/twilio/messages',
    url: 'http://127.0.0.1/webhooks/twilio/messages',
    receivedAt: new Date().toISOString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: {},
    body,
    bodyEncoding: 'utf8',
  };
}

type Line = { level: string; message: string; meta: Record<string, unknown> };
function captureLogger() {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, meta: object = {}) => void lines.push({ level, message, meta: meta as Record<string, unknown> });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } };
}

describe('classifyFailure', () => {
  test("Postgres unreachable (Prisma's own error), Redis gone and a provider's 5xx are transient; UnrecoverableError is permanent; a bug is an error", async () => {
    const db = createDb({ url: `postgresql://postgres@127.0.0.1:${await freePort()}/none`, poolSize: 1 });
    const unreachable = await db.rawEvent.count().then(
      () => undefined,
      (err: unknown) => err,
    );
    await db.$disconnect();
    expect(classifyFailure(unreachable)).toEqual({ kind: 'transient', dependency: 'postgres', code: 'DatabaseNotReachable' });
    expect(classifyFailure(new Error('Connection is closed.'))).toMatchObject({ kind: 'transient', dependency: 'redis' });
    expect(classifyFailure(new TransientError('twilio answered 503', { dependency: 'twilio', code: 'HTTP_503' }))).toEqual({ kind: 'transient', dependency: 'twilio', code: 'HTTP_503' });
    expect(classifyFailure(new UnrecoverableError('cannot normalize twilio-messaging event x: bad'))).toEqual({ kind: 'permanent' });
    expect(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'id')"))).toEqual({ kind: 'error' });
  });

  test("Postgres unreachable on the hot paths that bypass Prisma (the listener's store, the interpreter's persist) is a Postgres outage, as Prisma's is", async () => {
    const db = createDb({ url: `postgresql://postgres@127.0.0.1:${await freePort()}/none`, poolSize: 1 });
    const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);
    const store = await failure(storeRawEvents(db, [rawEvent()]));
    const persist = await failure(persistInterpretedMessages(db, [{
      eventId: '01900000-0000-7000-8000-000000000001', replay: false, intent: { label: 'interested', confidence: 0.9, classifier: 'test' },
      message: { source: 'sms', externalId: 'SM1', sender: '+33600000001', recipient: '+33700000000', content: 'Oui', receivedAt: new Date().toISOString(), extractedData: {}, rawData: {} },
    } as never], { attributionWindowMs: 1_000 }));
    await db.$disconnect();
    expect(classifyFailure(store)).toEqual({ kind: 'transient', dependency: 'postgres', code: 'ECONNREFUSED' });
    expect(classifyFailure(persist)).toEqual({ kind: 'transient', dependency: 'postgres', code: 'ECONNREFUSED' });
  });

  test('failed reasons left by the old schedule read as transient; normalization and payload failures never do', () => {
    expect(isTransientReason("\nInvalid `prisma.rawEvent.createMany()` invocation:\n\n\nCan't reach database server at 127.0.0.1:5432")).toBe(true);
    expect(isTransientReason('Connection terminated unexpectedly')).toBe(true);
    expect(isTransientReason('timeout exceeded when trying to connect')).toBe(true);
    expect(isTransientReason('connect ECONNREFUSED 127.0.0.1:6379')).toBe(true);
    expect(isTransientReason('cannot normalize twilio-status event 0190: unknown MessageStatus "exploded"')).toBe(false);
    expect(isTransientReason('invalid raw-event payload: body: expected string')).toBe(false);
    expect(isTransientReason(undefined)).toBe(false);
  });

  test('the schedule doubles from the base up to the cap', () => {
    const schedule = { baseMs: 1_000, maxMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((r) => backoffDelay(r, schedule))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(backoffDelay(500, schedule)).toBe(60_000);
  });
});

describe('createResilience', () => {
  test('an outage reads as one line down, a summary per interval while it lasts, one line back, however many failures', async () => {
    const { lines, logger } = captureLogger();
    const resilience = createResilience({ logger, summaryIntervalMs: 40 });
    const redisMonitor = resilience.monitor('redis');
    for (let i = 0; i < 500; i++) redisMonitor.failed(i % 2 ? 'ECONNREFUSED' : 'ECONNRESET');
    redisMonitor.held('inbound:1');
    redisMonitor.held('inbound:1');
    await waitFor(() => lines.filter((l) => l.meta.outage === 'ongoing').length >= 2, { what: 'two summaries' });
    redisMonitor.recovered();
    redisMonitor.recovered();
    await waitFor(() => lines.some((l) => l.meta.outage === 'up'), { what: 'the back line' });
    resilience.close();
    const kinds = lines.map((l) => l.meta.outage);
    expect(kinds[0]).toBe('down');
    expect(kinds.at(-1)).toBe('up');
    expect(kinds.slice(1, -1).every((k) => k === 'ongoing')).toBe(true);
    expect(lines[0]).toEqual({ level: 'warn', message: 'redis unreachable', meta: { dependency: 'redis', outage: 'down', code: 'ECONNRESET' } });
    expect(lines[1]!.meta).toMatchObject({ code: 'ECONNREFUSED', failures: 500, jobsHeld: 1, downForMs: expect.any(Number) });
    expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'redis reachable again', meta: { failures: 500, jobsHeld: 1, jobsWaiting: 0 } });
  });

  describe('a watched Redis connection', () => {
    /** A connection through a relay (or straight to Redis), watched with a short silence limit, its closes counted. */
    async function watched(role: 'worker' | 'producer', silenceLimitMs: number, { direct = false } = {}) {
      const relay = await startTcpRelay({ host: '127.0.0.1', port: 6379 });
      const { lines, logger } = captureLogger();
      const resilience = createResilience({ logger, redisSilenceLimitMs: silenceLimitMs });
      const connection = createRedis(direct ? 'redis://127.0.0.1:6379' : relay.via('redis://127.0.0.1:6379'), role, `watched-${role}`);
      let closes = 0;
      connection.on('close', () => (closes += 1));
      connection.on('error', () => undefined);
      resilience.watchRedis(connection, `watched-${role}`);
      await waitFor(() => connection.status === 'ready', { what: 'the connection' });
      closers.push(async () => {
        resilience.close();
        connection.disconnect();
        await relay.close();
      });
      return { relay, lines, connection, closes: () => closes };
    }
    const key = () => `${prefix}:liveness:${Math.random().toString(36).slice(2)}`;

    test('whose host vanishes without a reset is dropped after the silence limit and reconnects: a command asked meanwhile is answered', async () => {
      const { relay, lines, connection, closes } = await watched('worker', 600);
      const k = key();
      await connection.set(k, 'before');
      // The host is gone: the open connection hears nothing more, a new one reaches Redis (a failover behind the same address).
      relay.strand();
      const strandedAt = Date.now();
      await expect(connection.set(k, 'after')).resolves.toBe('OK');
      expect(Date.now() - strandedAt).toBeGreaterThanOrEqual(600);
      expect(await connection.get(k)).toBe('after');
      expect(closes()).toBe(1);
      const silent = lines.find((l) => l.message === 'redis connection silent: dropping it to reconnect');
      expect(silent).toMatchObject({ level: 'warn', meta: { connection: 'watched-worker', silentForMs: expect.any(Number) } });
      expect(silent!.meta.silentForMs as number).toBeGreaterThanOrEqual(600);
      await waitFor(() => lines.some((l) => l.meta.outage === 'up'), { what: 'the back line' });
      expect(lines.filter((l) => l.meta.outage).map((l) => [l.meta.outage, l.meta.code])).toEqual([['down', 'ETIMEDOUT'], ['up', undefined]]);
      await connection.del(k);
    });

    test("a producer's own command timeouts are no answer: its silent connection is dropped too, and the next command goes through", async () => {
      // The producer role gives up on a command after 2 s; the PING it gives up on still counts as unanswered.
      const { relay, lines, connection, closes } = await watched('producer', 3_000);
      relay.strand();
      await expect(connection.ping()).rejects.toThrow(/timed out/);
      await waitFor(() => closes() === 1 && connection.status === 'ready', { what: 'the connection replaced', timeoutMs: 10_000 });
      await expect(connection.ping()).resolves.toBe('PONG');
      expect(lines.some((l) => l.message === 'redis connection silent: dropping it to reconnect')).toBe(true);
    });

    test('that answered while the event loop was held up is not dropped: the answer is read before the verdict', async () => {
      // Straight to Redis: a relay in this process would be held up too, and forward the answer only after the verdict.
      const { lines, connection, closes } = await watched('worker', 300, { direct: true });
      const k = key();
      const ping = connection.ping.bind(connection) as () => Promise<string>;
      let held = false;
      // The next liveness PING queues behind a 200 ms BLPOP, so its answer comes while the process
      // is held up for 1 s by a synchronous task: when the timers run again, it waits in the socket.
      (connection as unknown as { ping: () => Promise<string> }).ping = () => {
        if (held) return ping();
        held = true;
        void connection.blpop(k, 0.2);
        const answer = ping();
        setImmediate(() => {
          const until = Date.now() + 1_000;
          while (Date.now() < until);
        });
        return answer;
      };
      await waitFor(() => held, { what: 'a liveness PING' });
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(closes()).toBe(0);
      expect(lines).toEqual([]);
    });

    test('that answers is never dropped, idle or busy', async () => {
      const { lines, connection, closes } = await watched('worker', 300);
      const k = key();
      const until = Date.now() + 3_000;
      // Bursts of commands, then idle stretches longer than the limit.
      while (Date.now() < until) {
        await Promise.all(Array.from({ length: 200 }, (_, i) => connection.incrby(k, i)));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(closes()).toBe(0);
      expect(lines).toEqual([]);
      await connection.del(k);
    });
  });
});

describe('createWorker', () => {
  test('a job failing for a transient reason outlives its attempts, is logged as one outage, and completes when the dependency is back', async () => {
    const { lines, logger } = captureLogger();
    const resilience = createResilience({ logger, backoff: { baseMs: 10, maxMs: 40 }, summaryIntervalMs: 60_000 });
    let failuresLeft = 12;
    const worker = createWorker(
      'inbound',
      inboundOnly(async () => {
        if (failuresLeft-- > 0) throw new TransientError('subscriber answered 503', { dependency: 'subscriber', code: 'HTTP_503' });
        return 'done';
      }),
      { claims: createProcessorClaims(), connection: redis, prefix, concurrency: 1, resilience },
    );
    closers.push(() => worker.close());
    const queue = createQueue('inbound', { connection: redis, prefix });
    closers.push(() => queue.close());
    // Two attempts only: twelve transient failures must not spend them.
    const job = await queue.add(jobs.inbound.name, rawEvent(), { attempts: 2 });
    await waitFor(async () => (await queue.getJob(job.id!))?.finishedOn, { what: 'the job to finish' });
    const done = (await queue.getJob(job.id!))!;
    expect(done.returnvalue).toBe('done');
    expect(done.attemptsMade).toBe(1);
    expect(await queue.getJobCountByTypes('failed')).toBe(0);
    await waitFor(() => lines.some((l) => l.meta.outage === 'up'), { what: 'the back line' });
    const outage = lines.filter((l) => l.meta.outage);
    expect(outage.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'subscriber unreachable'],
      ['info', 'subscriber reachable again'],
    ]);
    expect(outage[0]!.meta).toMatchObject({ dependency: 'subscriber', code: 'HTTP_503' });
    expect(outage[1]!.meta).toMatchObject({ dependency: 'subscriber', failures: 12, jobsHeld: 1 });
    expect(outage[1]!.meta.downForMs).toEqual(expect.any(Number));
    await worker.close();
  });

  test('a permanent failure goes to the failed set at once, with its reason', async () => {
    const worker = createWorker(
      'inbound',
      inboundOnly(async () => {
        throw new UnrecoverableError('cannot normalize twilio-messaging event x: no From');
      }),
      { claims: createProcessorClaims(), connection: redis, prefix, concurrency: 1 },
    );
    closers.push(() => worker.close());
    const queue = createQueue('inbound', { connection: redis, prefix });
    closers.push(() => queue.close());
    const job = await queue.add(jobs.inbound.name, rawEvent(), { attempts: 10 });
    const failed = await waitFor(async () => {
      const j = await queue.getJob(job.id!);
      return (await j?.isFailed()) ? j : undefined;
    }, { what: 'the job in the failed set' });
    expect(failed.failedReason).toBe('cannot normalize twilio-messaging event x: no From');
    expect(failed.attemptsMade).toBe(1);
    await worker.close();
  });
});

describe('createWorker for the job types of one queue', () => {
  test('each job is parsed and run by the processor of its name; a name without one fails at once', async () => {
    const local = uniquePrefix();
    const ran: string[] = [];
    const worker = createWorker(
      'inbound',
      {
        inbound: async (event) => ran.push(`single ${event.dedupKey}`),
        inboundBatch: async (batch) => ran.push(`batch of ${batch.events.length}`),
      },
      { claims: createProcessorClaims(), connection: redis, prefix: local, concurrency: 1 },
    );
    const queue = createQueue('inboundBatch', { connection: redis, prefix: local });
    const singles = createQueue('inbound', { connection: redis, prefix: local });
    closers.push(async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await Promise.all([queue.close(), singles.close()]);
    });
    const single = rawEvent();
    await singles.add(jobs.inbound.name, single);
    await queue.add(jobs.inboundBatch.name, { events: [rawEvent(), rawEvent()] });
    // Payloads that can never be valid, on purpose: a single event's named as a batch, an unknown name.
    const wrong = await queue.add(jobs.inboundBatch.name, rawEvent() as never);
    const unknown = await queue.add('something-else' as never, { events: [rawEvent()] });
    for (const job of [wrong, unknown]) await waitFor(async () => (await job.getState()) === 'failed', { what: `job ${job.name} failed` });
    await waitFor(() => ran.length === 2, { what: 'both jobs run' });
    expect(ran.sort()).toEqual(['batch of 2', `single ${single.dedupKey}`]);
    expect((await queue.getJob(wrong.id!))!.failedReason).toMatch(/^invalid raw-events payload: events: /);
    expect((await queue.getJob(unknown.id!))!.failedReason).toBe('no job "something-else" on queue inbound');
  });
});

describe('redriveFailed', () => {
  test('moves transiently failed jobs back once, however many re-drives race; leaves the permanent ones unless their reason is asked for', async () => {
    const local = uniquePrefix();
    const queue = new Queue(jobs.inbound.queue, { connection: redis, prefix: local });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    // The failed set as the old schedule left it: jobs that ran out of attempts during an outage, beside poison ones.
    const reasons = ["Can't reach database server at 127.0.0.1:5432", 'Connection terminated unexpectedly', 'cannot normalize twilio-status event e1: unknown status'];
    const added = await queue.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: jobs.inbound.name, data: { reason: reasons[i % 3] }, opts: { attempts: 1 } })));
    const old = new Worker(
      jobs.inbound.queue,
      async (job) => {
        throw new Error((job.data as { reason: string }).reason);
      },
      { connection: redis, prefix: local, concurrency: 10 },
    );
    await waitFor(async () => (await queue.getJobCountByTypes('failed')) === 30, { what: 'thirty failed jobs' });
    await old.close();

    const cutoff = Date.now() + 1;
    expect(await redriveFailed(queue, { since: new Date(cutoff + 60_000) })).toEqual({ retried: 0, skipped: 0 });
    const results = await Promise.all([redriveFailed(queue), redriveFailed(queue), redriveFailed(queue)]);
    expect(results.reduce((sum, r) => sum + r.retried, 0)).toBe(20);
    expect(await queue.getJobCountByTypes('waiting')).toBe(20);
    const left = await queue.getFailed();
    expect(left).toHaveLength(10);
    expect(new Set(left.map((j) => j.failedReason))).toEqual(new Set([reasons[2]]));
    const moved = await queue.getJob(added[0]!.id!);
    expect(moved!.attemptsMade).toBe(0);

    expect(await redriveFailed(queue, { reason: 'CANNOT NORMALIZE' })).toEqual({ retried: 10, skipped: 0 });
    expect(await queue.getJobCountByTypes('failed')).toBe(0);
  });

  test('pages through a failed set larger than one page without missing a job', async () => {
    const local = uniquePrefix();
    const queue = new Queue(jobs.inbound.queue, { connection: redis, prefix: local });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    const reasons = ['Connection terminated unexpectedly', 'cannot normalize mailgun event e2: no sender'];
    await queue.addBulk(Array.from({ length: 1_300 }, (_, i) => ({ name: jobs.inbound.name, data: { reason: reasons[i % 2] }, opts: { attempts: 1 } })));
    const old = new Worker(
      jobs.inbound.queue,
      async (job) => {
        throw new Error((job.data as { reason: string }).reason);
      },
      { connection: redis, prefix: local, concurrency: 50 },
    );
    await waitFor(async () => (await queue.getJobCountByTypes('failed')) === 1_300, { what: '1,300 failed jobs', timeoutMs: 30_000 });
    await old.close();
    expect(await redriveFailed(queue)).toEqual({ retried: 650, skipped: 0 });
    expect(await queue.getJobCountByTypes('failed')).toBe(650);
  });

  test('a worker re-drives at start the jobs the old schedule parked for a transient reason, and runs each once', async () => {
    const local = uniquePrefix();
    const queue = new Queue(jobs.inbound.queue, { connection: redis, prefix: local });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    const parked = await queue.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: jobs.inbound.name, data: rawEvent(i < 4 ? 'Body=parked' : 'Body=poison'), opts: { attempts: 1 } })));
    const old = new Worker(
      jobs.inbound.queue,
      async (job) => {
        throw new Error((job.data as RawEventPayload).body === 'Body=parked' ? 'Connection terminated unexpectedly' : 'cannot normalize twilio-messaging event: no From');
      },
      { connection: redis, prefix: local, concurrency: 6 },
    );
    await waitFor(async () => (await queue.getJobCountByTypes('failed')) === 6, { what: 'six failed jobs' });
    await old.close();

    const runs = new Map<string, number>();
    const { lines, logger } = captureLogger();
    const resilience = createResilience({ logger });
    // Two processes start at once: each job still runs once.
    const workers = [0, 1].map(() =>
      createWorker(
        'inbound',
        inboundOnly(async (_payload, job) => {
          runs.set(job.id!, (runs.get(job.id!) ?? 0) + 1);
        }),
        { claims: createProcessorClaims(), connection: redis, prefix: local, concurrency: 2, resilience },
      ),
    );
    for (const w of workers) closers.push(() => w.close());
    await waitFor(async () => (await queue.getJobCountByTypes('completed')) === 4, { what: 'the parked jobs to complete' });
    expect([...runs.entries()].sort()).toEqual(parked.slice(0, 4).map((j) => [j.id, 1]).sort());
    expect((await queue.getFailed()).map((j) => j.failedReason)).toEqual(Array(2).fill('cannot normalize twilio-messaging event: no From'));
    await waitFor(() => lines.filter((l) => l.message.startsWith('re-drove')).reduce((n, l) => n + (l.meta.retried as number), 0) === 4, { what: 'the re-drive lines' });
    for (const w of workers) await w.close();
  });

  test('while Postgres is down the worker pauses; when its probe answers it resumes, runs its deferred jobs at once and re-drives what failed meanwhile', async () => {
    const local = uniquePrefix();
    let postgresUp = false;
    const { lines, logger } = captureLogger();
    // A long base delay: without the catch-up, the deferred jobs would wait a minute.
    const resilience = createResilience({
      logger,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      probeIntervalMs: 20,
      probes: {
        postgres: async () => {
          if (!postgresUp) throw new Error('down');
        },
      },
    });
    const runs: string[] = [];
    const worker = createWorker(
      'inbound',
      inboundOnly(async (payload) => {
        runs.push(payload.dedupKey);
        if (!postgresUp) throw Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { name: 'PrismaClientKnownRequestError', code: 'P1001' });
      }),
      { claims: createProcessorClaims(), connection: redis, prefix: local, concurrency: 2, resilience },
    );
    const queue = createQueue('inbound', { connection: redis, prefix: local });
    closers.push(async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    });
    await queue.addBulk(Array.from({ length: 2 }, () => ({ name: jobs.inbound.name, data: rawEvent() })));
    await waitFor(async () => (await queue.getJobCountByTypes('delayed')) === 2, { what: 'two deferred jobs' });
    expect(lines.filter((l) => l.meta.outage === 'down')).toHaveLength(1);

    // Paused: new work waits. One job fails meanwhile elsewhere (another process on the old code).
    const later = await queue.add(jobs.inbound.name, rawEvent(), { attempts: 1 });
    const manual = new Worker(jobs.inbound.queue, null, { connection: redis, prefix: local });
    const fetched = (await manual.getNextJob('manual-token'))!;
    expect(fetched.id).toBe(later.id);
    await fetched.moveToFailed(new Error('Connection terminated unexpectedly'), 'manual-token');
    await manual.close();
    const waiting = await queue.add(jobs.inbound.name, rawEvent());
    expect(await queue.getJobState(waiting.id!)).toBe('waiting');
    expect(runs).toHaveLength(2);

    postgresUp = true;
    await waitFor(async () => (await queue.getJobCountByTypes('completed')) === 4, { what: 'every job done', timeoutMs: 5_000 });
    expect(await queue.getJobCountByTypes('failed', 'delayed')).toBe(0);
    expect(runs.filter((k) => k === later.data.dedupKey)).toHaveLength(1);
    await waitFor(() => lines.some((l) => l.meta.outage === 'up'), { what: 'the back line' });
    expect(lines.find((l) => l.meta.outage === 'up')!.meta).toMatchObject({ dependency: 'postgres', jobsHeld: 2 });
  });
});

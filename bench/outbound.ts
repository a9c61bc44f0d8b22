/**
 * Outbound webhook benchmark: the dispatcher as a child process (as `npm run start:dispatcher`
 * runs it, heap limits included) on a fresh database cloned from the migrated template, delivering
 * BENCH_EVENTS events written through the outbox (in batches, as the workers write them) to a
 * local subscriber that answers 200 after 5 ms; then to one where 20% of requests fail (500).
 * Measures deliveries/s (first write to last delivery), event-to-delivery latency (the event's
 * timestamp, set when its delivery row is written, to its arrival at the subscriber), and the
 * dispatcher's peak RSS (VmHWM); then the latency at a steady offered load below the endpoint's rate.
 * Run: npm run bench:outbound   (BENCH_EVENTS=20000, BENCH_RATE=100, BENCH_STEADY_S=20)
 */
import http from 'node:http';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createDb, newId, writeDeliveries } from '@switchboard/db';
import { outboundEvent } from '@switchboard/domain';
import { createQueue, enqueueDeliveries } from '@switchboard/queues';
import { createTestDatabase, uniquePrefix } from '@switchboard/testing';
import { describeMachine, machineInfo, markdownTable, ROOT, startChild, unlinkPrefix, writeReadmeSection } from './support.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = 200;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** `rate`: events written per second in batches every 100 ms; absent: as fast as the writes go (a burst). */
type Scenario = { name: string; failRate: number; events: number; rate?: number };
type Result = { scenario: string; deliveries: number; requests: number; seconds: number; perS: number; p50: number; p99: number; max: number; rssMb: number };

function workerNodeFlags(): string[] {
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return (scripts['start:dispatcher'] ?? '').split(/\s+/).filter((w) => /^--max-(old|semi)-space-size=\d+$/.test(w));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function runScenario(scenario: Scenario): Promise<Result> {
  const database = await createTestDatabase();
  const prefix = uniquePrefix();
  const db = createDb({ url: database.url, poolSize: 4 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createQueue('delivery', { connection: redis, prefix });
  const latencies: number[] = [];
  const seen = new Set<string>();
  let requests = 0;
  let lastDelivery = 0;
  let seed = 42;
  // A deterministic 20%: the same requests fail on every run.
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      setTimeout(() => {
        if (random() < scenario.failRate) {
          res.writeHead(500).end('fail');
          return;
        }
        const id = String(req.headers['webhook-id']);
        if (!seen.has(id)) {
          seen.add(id);
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
          lastDelivery = Date.now();
          latencies.push(lastDelivery - Date.parse(body.timestamp));
        }
        res.writeHead(200).end('ok');
      }, 5);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await db.webhookEndpoint.create({ data: { id: 'bench', url: `http://127.0.0.1:${port}/hook`, secret: SECRET, eventTypes: [], environment: 'production' } });

  const dispatcher = await startChild({
    name: 'dispatcher',
    command: process.execPath,
    args: [...workerNodeFlags(), 'apps/dispatcher/src/main.ts'],
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      LOG_DIR: path.join(ROOT, 'bench/results/log'),
      OUTBOUND_ALLOWLIST: '127.0.0.1',
      // Retries come quickly so the failing run ends: 5 ms, 300 ms, 1.8 s, 7.2 s, 18 s, 36 s, 36 s.
      RETRY_BASE_MS: '5',
      ...(process.env.DISPATCHER_CONCURRENCY ? { DISPATCHER_CONCURRENCY: process.env.DISPATCHER_CONCURRENCY } : {}),
      ...(process.env.WEBHOOK_ENDPOINT_CONCURRENCY ? { WEBHOOK_ENDPOINT_CONCURRENCY: process.env.WEBHOOK_ENDPOINT_CONCURRENCY } : {}),
    },
  });
  try {
    const started = Date.now();
    const total = scenario.events;
    const batch = scenario.rate ? Math.max(1, Math.round(scenario.rate / 10)) : BATCH;
    for (let i = 0; i < total; i += batch) {
      if (scenario.rate) {
        // Paced: batch k is written at k × 100 ms.
        const due = started + (i / batch) * 100;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      const events = Array.from({ length: Math.min(batch, total - i) }, () => {
        const id = newId();
        return outboundEvent('message.received', [id], { id, sender: '+33612345678', content: 'Oui je suis intéressé', intent: { label: 'interested', confidence: 0.93 } });
      });
      const ids = await db.$transaction((tx) => writeDeliveries(tx, events));
      await enqueueDeliveries(queue, ids);
    }
    const deadline = Date.now() + 10 * 60_000;
    while (seen.size < total) {
      if (Date.now() > deadline) throw new Error(`only ${seen.size} of ${total} delivered within 10 min`);
      if (dispatcher.process.exitCode !== null) throw new Error(`the dispatcher exited:\n${dispatcher.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [http] = await db.$queryRaw<{ avg: number; p99: number }[]>`
      SELECT avg(duration_ms)::float8 AS avg, percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p99 FROM webhook_attempts`;
    process.stdout.write(`attempt HTTP time as the dispatcher saw it: mean ${http!.avg.toFixed(1)} ms, p99 ${http!.p99.toFixed(0)} ms\n`);
    const rssKb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${dispatcher.pid}/status`, 'utf8'))?.[1] ?? NaN);
    const seconds = (lastDelivery - started) / 1000;
    const sorted = latencies.sort((a, b) => a - b);
    return {
      scenario: scenario.name,
      deliveries: seen.size,
      requests,
      seconds,
      perS: seen.size / seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
      rssMb: rssKb / 1024,
    };
  } finally {
    await dispatcher.stop();
    server.closeAllConnections();
    server.close();
    await queue.close();
    await unlinkPrefix(redis, prefix);
    redis.disconnect();
    await db.$disconnect();
    await database.drop();
  }
}

const results: Result[] = [];
const STEADY_RATE = Number(process.env.BENCH_RATE ?? 100);
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 20);
for (const scenario of [
  { name: 'burst: subscriber answers 200 in 5 ms', failRate: 0, events: EVENTS },
  { name: 'burst: 20% of requests fail (500)', failRate: 0.2, events: EVENTS },
  { name: `steady ${STEADY_RATE}/s for ${STEADY_S} s: 200 in 5 ms`, failRate: 0, events: STEADY_RATE * STEADY_S, rate: STEADY_RATE },
] satisfies Scenario[]) {
  const result = await runScenario(scenario);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  results.push(result);
}

const redis = new Redis(REDIS_URL);
const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
redis.disconnect();
const table = markdownTable(
  ['scenario', 'events', 'HTTP requests', 'deliveries/s', 'p50 event→delivery', 'p99 event→delivery', 'max', 'dispatcher peak RSS'],
  results.map((r) => [r.scenario, r.deliveries.toLocaleString('en-US'), r.requests.toLocaleString('en-US'), Math.round(r.perS).toLocaleString('en-US'), `${r.p50} ms`, `${r.p99} ms`, `${r.max} ms`, `${r.rssMb.toFixed(0)} MB`]),
);
writeReadmeSection('outbound', `${describeMachine(machineInfo(redisVersion))}\n\n${table}`);
process.stdout.write(`${table}\n`);

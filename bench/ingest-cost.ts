/**
 * Where ingest's time goes: CPU per accepted request of the ingest process and of Redis, Redis
 * commands per accepted event (`INFO commandstats`), events per job, and with BENCH_PROFILE=1 a
 * V8 CPU profile of the measured run summed by module (busy time only). CPU time per request moves
 * far less than requests/s when other work shares the machine, so this is the figure to compare
 * changes with; `npm run bench:ingest` stays the side-by-side one.
 * With BENCH_PERF=1, Linux `perf` samples ingest's CPU instead (user and kernel, V8's generated code
 * named through its jitdump): what the process spends, where V8's profiler counts wall time.
 * Run: npm exec -- node bench/ingest-cost.ts   (BENCH_DURATION=8 seconds, BENCH_PROFILE=1 or BENCH_PERF=1), or
 *      npm exec -- node bench/ingest-cost.ts <file.cpuprofile>   to summarize a profile taken earlier
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createTestDatabase, ensureTemplateDatabase, freePort } from '@switchboard/testing';
import { ROUTE, startSwitchboard, writeForms, wrk } from './ingest-server.ts';
import { RESULTS_DIR, unlinkPrefix } from './support.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECONDS = Number(process.env.BENCH_DURATION ?? 8);
const PROFILE = process.env.BENCH_PROFILE === '1';
const PERF = process.env.BENCH_PERF === '1';
const WARMUP = 30_000;
const FORMS = 150_000;
const AUTH_TOKEN = randomBytes(16).toString('hex');
/** USER_HZ: /proc times are in hundredths of a second. */
const TICK_US = 10_000;

/** User and system CPU of a process so far, in µs. */
function cpuSplitUs(pid: number): { user: number; system: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * TICK_US, system: Number(fields[12]) * TICK_US };
}
/** User + system CPU of a process so far, in µs. */
function cpuUs(pid: number): number {
  const { user, system } = cpuSplitUs(pid);
  return user + system;
}

type CommandStats = Record<string, { calls: number; usec: number }>;
function commandStats(info: string): CommandStats {
  return Object.fromEntries([...info.matchAll(/cmdstat_(\S+):calls=(\d+),usec=(\d+)/g)].map((m) => [m[1]!, { calls: Number(m[2]), usec: Number(m[3]) }]));
}

/**
 * Where a request's time goes, by what each sample of busy (non-idle) time was doing: the first
 * bucket, in this order, that matches a frame of its stack. Samples before the first request was
 * handled (start-up) are left out.
 */
const BUCKETS: [string, RegExp][] = [
  ['Prisma (the source registry, reloaded every 2 s)', /@prisma|^wasm|query_compiler/],
  ['garbage collection', /^\(garbage collector\)/],
  ['Twilio form parse (querystring)', /^parseForm |node:querystring/],
  ['Twilio signature (HMAC-SHA1, sort, compare)', /^(twilioSignature|verifyTwilioForm|safeEqual|signatureMatches) /],
  ['TwiML reply (keyword match)', /^reply .*twilio\/messaging|^keywordKey /],
  ['Redis: BullMQ add (job JSON, Lua call, socket write)', /nm\/bullmq|nm\/ioredis|^(write|flush|add) apps\/ingest\/src\/sink\.ts/],
  ['metrics (prom-client)', /nm\/prom-client/],
  ['logging (winston)', /nm\/winston|nm\/logform/],
  ['body read (stream to Buffer)', /^readRawBody |apps\/ingest\/src\/body\.ts/],
  ['HTTP response (headers, write)', /^(end|writeHead|_implicitHeader|_storeHeader|_send|setHeader) node:_http_(outgoing|server)/],
  ['sink submit (dedup memory, grouping)', /^submit apps\/ingest\/src\/sink\.ts/],
  ['handler: event, headers, answer, promises', /apps\/ingest\/src\/handler\.ts/],
  ['Express (app.handle, router)', /nm\/express|nm\/router/],
  ['Node HTTP parse, sockets, timers', /node:(_http_|net|stream|timers|events)|^\(program\)|^writeBuffer|^writeUtf8String/],
];

type ProfileNode = { id: number; callFrame: { url: string; functionName: string }; children?: number[] };

export function profileBuckets(file: string): [string, number][] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const frame = (id: number) => {
    const { functionName, url } = nodes.get(id)!.callFrame;
    return `${functionName || '(anon)'} ${url.replace(/.*node_modules\//, 'nm/').replace(/^file:\/\/.*?\/(apps|packages|bench)\//, '$1/')}`;
  };
  const stack = (id: number) => {
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) frames.push(frame(at));
    return frames;
  };
  const first = profile.samples.findIndex((id) => stack(id).some((f) => f.includes('apps/ingest/src/handler.ts')));
  const totals = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    if (i < first || nodes.get(id)!.callFrame.functionName === '(idle)') return;
    const dt = profile.timeDeltas[i] ?? 0;
    busy += dt;
    const frames = stack(id);
    const bucket = BUCKETS.find(([, re]) => frames.some((f) => re.test(f)))?.[0] ?? 'other';
    totals.set(bucket, (totals.get(bucket) ?? 0) + dt);
  });
  return [...totals].map(([name, t]): [string, number] => [name, (100 * t) / busy]).sort((a, b) => b[1] - a[1]);
}

function printBuckets(file: string): void {
  console.log(`busy time by what it was doing, from the first request on (${path.relative(process.cwd(), file)}):`);
  for (const [name, pct] of profileBuckets(file)) console.log(`  ${pct.toFixed(1).padStart(5)}%  ${name}`);
}

/** `perf record` of a process's CPU (call graphs, 1 kHz) for `seconds`, into `dir`. */
function perfRecord(pid: number, dir: string, seconds: number): Promise<void> {
  const perf = spawn('perf', ['record', '-q', '--no-buildid-cache', '-k', 'mono', '-e', 'cpu-clock', '-F', '1000', '-g', '-p', String(pid), '-o', path.join(dir, 'perf.data'), '--', 'sleep', String(seconds)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    perf.on('error', reject);
    perf.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited with ${code}`))));
  });
}

/**
 * What `perf` sampled: the CPU by binary (V8's generated code, Node and V8 in the `node` binary,
 * the kernel, libc), then the functions of ours, Node's and the libraries' by inclusive share.
 */
function printPerf(dir: string): void {
  const perf = (args: string[]) => execFileSync('perf', ['--buildid-dir', path.join(dir, 'buildid'), ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  perf(['inject', '--jit', '-i', 'perf.data', '-o', 'perf.jit.data']);
  const rows = (out: string) => [...out.matchAll(/^\s+([\d.]+)%\s+(?:([\d.]+)%\s+)?(.*)$/gm)].map((m) => ({ share: Number(m[1]), self: Number(m[2] ?? m[1]), name: m[3]!.trim() }));
  const byDso = new Map<string, number>();
  for (const { share, name } of rows(perf(['report', '-i', 'perf.jit.data', '--no-children', '--sort', 'dso', '--stdio', '-g', 'none']))) {
    const group = /^jitted-/.test(name) ? "V8's generated code (JavaScript, optimized)" : name === 'node' ? 'the node binary (V8: interpreter, builtins, GC, runtime; Node; llhttp; OpenSSL)' : name;
    byDso.set(group, (byDso.get(group) ?? 0) + share);
  }
  console.log('CPU samples by binary (perf):');
  for (const [name, share] of [...byDso].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`  ${share.toFixed(1).padStart(5)}%  ${name}`);
  console.log('JavaScript functions by inclusive share of CPU (perf; self in brackets; the first 30 above 1%):');
  const functions = rows(perf(['report', '-i', 'perf.jit.data', '--children', '--sort', 'sym', '--stdio', '-g', 'none']))
    .filter((r) => r.share >= 1 && /\bJS:/.test(r.name) && !/processTicksAndRejections|node:internal\/process/.test(r.name))
    .map((r) => ({ ...r, name: r.name.replace(/^\[\.\]\s+/, '').replace(/JS:[*+^~]?'?/, '').replace(/file:\/\/\S*?\/(apps|packages)\//, '$1/').replace(/\S*node_modules\//, '') }));
  const seen = new Set<string>();
  for (const f of functions) {
    if (seen.has(f.name) || seen.size >= 30) continue;
    seen.add(f.name);
    console.log(`  ${f.share.toFixed(1).padStart(5)}%  (${f.self.toFixed(1)}%)  ${f.name}`);
  }
}

async function main() {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const port = await freePort();
  const forms = writeForms(`http://127.0.0.1:${port}${ROUTE}`, AUTH_TOKEN, FORMS, `ingest-cost-${process.pid}.tsv`);
  const prefix = `cost${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const scratch = fs.mkdtempSync(path.join(RESULTS_DIR, 'ingest-cost-'));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
  // A migrated database of its own, as bench:ingest gives it (the source registry is reloaded from it every 2 s).
  await ensureTemplateDatabase();
  const database = await createTestDatabase();
  const perfDir = path.join(scratch, 'perf');
  const nodeArgs = PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(scratch, 'profile')}`, '--cpu-prof-interval=100']
    : PERF
      ? ['--perf-prof', `--perf-prof-path=${perfDir}`, '--perf-prof-unwinding-info', '--interpreted-frames-native-stack', `--logfile=${path.join(perfDir, 'v8.log')}`]
      : [];
  if (PERF) fs.mkdirSync(perfDir);
  const server = await startSwitchboard({ label: 'Switchboard ingest', port, cpu: 0, authToken: AUTH_TOKEN, prefix, scratch, databaseUrl: database.url, redisUrl: REDIS_URL, nodeArgs });
  try {
    await wrk({ port, file: forms, first: 1, count: WARMUP, seconds: 2, connections: 32, cpu: 1 });
    const before = { server: cpuSplitUs(server.pid), redis: cpuUs(redisPid), stats: commandStats(await redis.info('commandstats')) };
    // perf samples the measured run but its last second (it must stop while ingest still runs).
    const perf = PERF ? perfRecord(server.pid, perfDir, SECONDS - 1) : undefined;
    const run = await wrk({ port, file: forms, first: WARMUP + 1, count: FORMS - WARMUP, seconds: SECONDS, connections: 32, cpu: 1 });
    await perf;
    const after = { server: cpuSplitUs(server.pid), redis: cpuUs(redisPid), stats: commandStats(await redis.info('commandstats')) };
    const jobs = await redis.llen(`${prefix}:inbound:wait`);
    const events = run.ok; // wrk's 2xx of the measured run; the warm-up's jobs are in the list too
    console.log(`${Math.round(run.ok / (run.duration_us / 1e6))} accepted/s, p50 ${(run.p50_us / 1000).toFixed(2)} ms, p99 ${(run.p99_us / 1000).toFixed(2)} ms, non-2xx ${run.non2xx}`);
    const serverUs = after.server.user + after.server.system - (before.server.user + before.server.system);
    console.log(`CPU per accepted request: ingest ${(serverUs / events).toFixed(1)} µs, Redis ${((after.redis - before.redis) / events).toFixed(1)} µs (Redis: every client of the machine)`);
    console.log(`  ingest's share in the kernel (system time): ${((100 * (after.server.system - before.server.system)) / serverUs).toFixed(0)}%`);
    console.log(`jobs in the inbound queue: ${jobs} for ${run.ok} + the warm-up's 2xx`);
    console.log('Redis commands per accepted event (calls, µs of Redis):');
    for (const [name, stat] of Object.entries(after.stats)) {
      const calls = stat.calls - (before.stats[name]?.calls ?? 0);
      const usec = stat.usec - (before.stats[name]?.usec ?? 0);
      if (calls / events >= 0.001) console.log(`  ${name.padEnd(14)} ${(calls / events).toFixed(3)}  ${(usec / events).toFixed(2)} µs`);
    }
  } finally {
    await server.stop();
    await unlinkPrefix(redis, prefix);
    redis.disconnect();
    fs.rmSync(forms, { force: true });
    await database.drop();
  }
  if (PERF) printPerf(perfDir);
  if (PROFILE) {
    const dir = path.join(scratch, 'profile');
    const [file] = fs.readdirSync(dir);
    const kept = path.join(RESULTS_DIR, `ingest-${new Date().toISOString().replace(/[:.]/g, '')}.cpuprofile`);
    fs.copyFileSync(path.join(dir, file!), kept);
    printBuckets(kept);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}

// `node bench/ingest-cost.ts <file.cpuprofile>`: only the summary of a profile taken earlier.
if (process.argv[2]) printBuckets(process.argv[2]);
else await main();

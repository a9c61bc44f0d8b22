import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@switchboard/testing';
import { RESULTS_DIR, ROOT, run, startChild, type Child } from './support.ts';
import { signForm, twilioMessageFactory } from './twilio-forms.ts';

/** The route every ingest benchmark posts to. */
export const ROUTE = '/webhooks/twilio/messages';
const LUA = path.join(ROOT, 'bench/twilio-forms.lua');

/**
 * Switchboard ingest as the benchmarks run it: `NODE_ENV=production`, `LOG_LEVEL=warn`,
 * `PUBLIC_URL` its own base URL, its own queue prefix, spool and log directories, pinned to `cpu`.
 * `redisUrl` unset: a closed port (every event goes to the spool).
 */
export async function startSwitchboard(options: {
  label: string; port: number; cpu: number; authToken: string; prefix: string; scratch: string; databaseUrl: string; redisUrl?: string; nodeArgs?: string[];
}): Promise<Child> {
  const redisUrl = options.redisUrl ?? `redis://127.0.0.1:${await freePort()}`;
  return startChild({
    name: options.label, cpu: options.cpu, port: options.port, command: process.execPath, args: [...(options.nodeArgs ?? []), 'apps/ingest/src/main.ts'],
    env: {
      NODE_ENV: 'production', HOST: '127.0.0.1', INGEST_PORT: String(options.port), PUBLIC_URL: `http://127.0.0.1:${options.port}`, TWILIO_AUTH_TOKEN: options.authToken,
      REDIS_URL: redisUrl, QUEUE_PREFIX: options.prefix, DATABASE_URL: options.databaseUrl,
      SPOOL_DIR: path.join(options.scratch, 'spool'), LOG_DIR: path.join(options.scratch, 'log'), LOG_LEVEL: 'warn',
    },
  });
}

/** One file of `count` distinct signed SMS forms for `url`, one `<signature>\t<body>` line each. */
export function writeForms(url: string, authToken: string, count: number, name = `ingest-forms-${process.pid}.tsv`): string {
  const file = path.join(RESULTS_DIR, name);
  const factory = twilioMessageFactory();
  const fd = fs.openSync(file, 'w');
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    const { signature, body } = signForm(authToken, url, factory.sms());
    chunk.push(`${signature}\t${body}\n`);
    if (chunk.length === 5_000) {
      fs.writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  fs.writeSync(fd, chunk.join(''));
  fs.closeSync(fd);
  return file;
}

export type WrkResult = {
  requests: number; duration_us: number; ok: number; non2xx: number; generated: number; distinct: number;
  p50_us: number; p90_us: number; p99_us: number; max_us: number;
  connect_errors: number; read_errors: number; write_errors: number; timeouts: number;
};

/** wrk pinned to `cpu`, posting lines `first`… (1-based) of `file` for `seconds` over `connections` connections. */
export async function wrk(options: { port: number; file: string; first: number; count: number; seconds: number; connections: number; cpu: number }): Promise<WrkResult> {
  const { port, file, first, count, seconds, connections, cpu } = options;
  const out = await run(
    'taskset',
    ['-c', String(cpu), 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', LUA, `http://127.0.0.1:${port}${ROUTE}`, '--', file, String(first), String(count)],
    (seconds + 30) * 1000,
  );
  const line = out.split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  return JSON.parse(line.slice('BENCH '.length)) as WrkResult;
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, freePort, uniquePrefix, waitFor, type TestDatabase } from '@switchboard/testing';
import { postRaw } from './helpers.ts';

/**
 * Unsigned Mailgun posts must cost ingest almost nothing: before the fix, one 20 MiB text part
 * of 0xFF bytes was decoded (U+FFFD per byte) and urlencoded (`%EF%BF%BD`, nine bytes per byte)
 * before its signature was looked at, ~2 GB of heap for four such posts. Ingest runs as its own
 * process here so that its resident memory can be read from /proc.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const signingKey = 'key-flood0flood0flood0flood0flood';
const prefix = uniquePrefix();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-mailgun-flood-'));
const MiB = 1024 * 1024;
let database: TestDatabase;
let child: ChildProcess | undefined;
let url = '';
let output = '';

beforeAll(async () => {
  database = await createTestDatabase();
  const port = await freePort();
  child = spawn(process.execPath, [path.join(ROOT, 'apps/ingest/src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      QUEUE_PREFIX: prefix,
      INGEST_PORT: String(port),
      SPOOL_DIR: path.join(tmp, 'spool'),
      ATTACHMENTS_DIR: path.join(tmp, 'attachments'),
      LOG_DIR: path.join(tmp, 'log'),
      LOG_LEVEL: 'warn',
      MAILGUN_WEBHOOK_SIGNING_KEY: signingKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  url = `http://127.0.0.1:${port}`;
  await waitFor(() => child!.exitCode === null && fetch(`${url}/healthz`).then((r) => r.ok), { timeoutMs: 20_000, what: `ingest on ${port} (${output})` });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The peak resident set of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

async function rejected403(): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('switchboard_ingest_requests_rejected_total{') && l.includes('provider="mailgun"') && l.includes('status="403"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** A multipart post: the given text fields, then `body-plain` as `size` bytes of 0xFF (invalid UTF-8). */
function unsignedPost(fields: Record<string, string>, size: number, fieldsFirst: boolean): { body: Buffer; contentType: string } {
  const boundary = `flood${Math.random().toString(16).slice(2)}`;
  const text = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  const big = [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="body-plain"\r\n\r\n`), Buffer.alloc(size, 0xff), Buffer.from('\r\n')];
  const parts = fieldsFirst ? [...text, ...big] : [...big, ...text];
  return { body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}

test('four unsigned 20 MiB Mailgun posts in parallel are all 403 within 5 s; /healthz stays 200 and ingest stays under 300 MB', async () => {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const forged = { recipient: 'inbox@example.org', sender: 'x@example.com', timestamp, token: 'f'.repeat(50), signature: '0'.repeat(64) };
  const posts = [
    // A forged signature where Mailgun puts it, first.
    unsignedPost(forged, 20 * MiB, true),
    unsignedPost({ ...forged, token: 'e'.repeat(50) }, 20 * MiB, true),
    // The signature fields (forged, too) after the 20 MiB part.
    unsignedPost(forged, 20 * MiB, false),
    // No signature fields at all.
    unsignedPost({ recipient: 'inbox@example.org' }, 20 * MiB, false),
  ];
  const before = await rejected403();

  let posting = true;
  const health: number[] = [];
  const probe = (async () => {
    while (posting) health.push((await fetch(`${url}/healthz`)).status);
  })();
  const started = performance.now();
  const answers = await Promise.all(posts.map((p) => postRaw(`${url}/webhooks/mailgun/inbound`, p.body, { 'content-type': p.contentType })));
  const elapsedMs = performance.now() - started;
  posting = false;
  await probe;

  // A client may see the connection reset instead of the 403 (ingest closes without reading the
  // rest): ingest's own count of 403s says what it answered.
  for (const answer of answers) if (answer.status !== 'reset') expect(answer.status).toBe(403);
  await waitFor(async () => (await rejected403()) === before + 4, { what: 'four 403s counted by ingest' });
  expect(elapsedMs).toBeLessThan(5_000);
  expect(health.length).toBeGreaterThan(0);
  expect(health.every((status) => status === 200)).toBe(true);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect(peakRss(child!.pid!)).toBeLessThan(300 * MiB);
  expect(child!.exitCode).toBeNull();
});

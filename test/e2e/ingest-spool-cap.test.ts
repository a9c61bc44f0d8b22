import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { createTestDatabase, freePort, testConfig, testLogger, uniquePrefix, type TestDatabase } from '@switchboard/testing';
import { inboundSms } from './helpers.ts';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };

/**
 * While Redis is unreachable, accepted events go to the spool on local disk. Without a cap a long
 * outage (or a flood during one) fills the disk; with SPOOL_MAX_BYTES, ingest answers 503 past it
 * (providers retry later) and the spool stays within it.
 */
const authToken = 'cap0cap0cap0cap0cap0cap0cap0cap0';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-spool-cap-'));
const spoolDir = path.join(tmp, 'spool');
const maxBytes = 8_000;
let database: TestDatabase;
let ingest: IngestService;

beforeAll(async () => {
  database = await createTestDatabase();
  // Nothing listens there: Redis stays down for the whole test.
  const redisPort = await freePort();
  const config = testConfig({
    DATABASE_URL: database.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: uniquePrefix(),
    TWILIO_AUTH_TOKEN: authToken,
    SPOOL_DIR: spoolDir,
    SPOOL_MAX_BYTES: String(maxBytes),
  });
  ingest = await startIngest(config, testLogger('ingest'));
});

afterAll(async () => {
  await ingest?.close();
  await database?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const spoolBytes = () => fs.readdirSync(spoolDir).reduce((n, name) => n + fs.statSync(path.join(spoolDir, name)).size, 0);

test('with Redis down, signed SMS are spooled up to SPOOL_MAX_BYTES, then answered 503 with Retry-After; the spool stays under the cap', async () => {
  const url = `${ingest.url}/webhooks/twilio/messages`;
  const answers: { status: number; body: string; retryAfter: string | null }[] = [];
  for (let i = 0; i < 20; i++) {
    const sms = inboundSms({ Body: `message ${i}`, From: `+3361234${String(i).padStart(4, '0')}` });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(authToken, url, sms) },
      body: new URLSearchParams(sms).toString(),
    });
    answers.push({ status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after') });
  }
  const statuses = answers.map((a) => a.status);
  const firstRefused = statuses.indexOf(503);
  expect(firstRefused).toBeGreaterThan(0);
  // Everything before the first 503 was acknowledged, everything after it refused: the cap holds.
  expect(statuses.slice(0, firstRefused).every((s) => s === 200)).toBe(true);
  expect(statuses.slice(firstRefused).every((s) => s === 503)).toBe(true);
  expect(JSON.parse(answers[firstRefused]!.body)).toEqual({ error: 'temporarily unable to accept events' });
  expect(answers[firstRefused]!.retryAfter).toBe('5');
  expect(spoolBytes()).toBeLessThanOrEqual(maxBytes);
  expect(spoolBytes()).toBeGreaterThan(0);
});

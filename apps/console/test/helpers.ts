import { createDb, newId, type Db } from '@switchboard/db';
import { createTestDatabase, testConfig, testLogger, uniquePrefix, type TestDatabase } from '@switchboard/testing';
import type { Config } from '@switchboard/config';
import { createRedis } from '@switchboard/queues';
import { startConsole, type ConsoleService } from '../src/service.ts';

export const ADMIN_TOKEN = 'console-test-token-0123456789abcdef';

export type TestConsole = {
  console: ConsoleService;
  config: Config;
  db: Db;
  prefix: string;
  /** Fetch a console path with the admin bearer token (unless headers say otherwise). */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Fetch a console path with no credentials at all. */
  anon(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
};

/** The console on port 0 with a database and a queue prefix of this test file's own. */
export async function startTestConsole(env: Record<string, string> = {}): Promise<TestConsole> {
  const database: TestDatabase = await createTestDatabase();
  const prefix = uniquePrefix();
  const config = testConfig({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, ADMIN_TOKEN, TRUST_PROXY: 'loopback', ...env });
  const db = createDb({ url: database.url, poolSize: 2 });
  const consoleService = await startConsole(config, testLogger('console'));
  const anon = (path: string, init: RequestInit = {}) => fetch(`${consoleService.url}${path}`, { redirect: 'manual', ...init });
  const api = (path: string, init: RequestInit = {}) =>
    anon(path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string> | undefined) } });
  return {
    console: consoleService,
    config,
    db,
    prefix,
    api,
    anon,
    async close() {
      await consoleService.close();
      await db.$disconnect();
      await database.drop();
      await deleteKeys(prefix);
    },
  };
}

/** Removes this file's keys (sessions, limiter counters, queues) from the shared Redis, by prefix only. */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = createRedis('redis://127.0.0.1:6379', 'worker');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A stored raw event, as the listener would have written it. */
export async function seedEvent(db: Db, overrides: Partial<{ id: string; provider: string; dedupKey: string; receivedAt: Date; body: string; sourceId: string }> = {}) {
  return db.rawEvent.create({
    data: {
      id: overrides.id ?? newId(),
      provider: overrides.provider ?? 'twilio-messaging',
      dedupKey: overrides.dedupKey ?? `SM${newId().replace(/-/g, '')}`,
      route: '/webhooks/twilio/messages',
      url: 'https://example.test/webhooks/twilio/messages',
      sourceId: overrides.sourceId ?? null,
      receivedAt: overrides.receivedAt ?? new Date(),
      remoteIp: '203.0.113.7',
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'x-twilio-signature': 'c2lnbmF0dXJl', 'user-agent': 'TwilioProxy/1.1' },
      body: overrides.body ?? 'Body=hello&From=%2B33611111111',
      bodyEncoding: 'utf8',
    },
  });
}

/** A message with its raw event (and intent, when given). */
export async function seedMessage(
  db: Db,
  m: { source?: string; sender: string; content?: string; receivedAt: Date; campaignId?: string; intent?: { label: string; confidence: number } },
) {
  const event = await seedEvent(db, { receivedAt: m.receivedAt });
  const message = await db.message.create({
    data: {
      id: newId(),
      eventId: event.id,
      source: m.source ?? 'sms',
      externalId: event.dedupKey,
      sender: m.sender,
      recipient: '+33757000000',
      content: m.content ?? 'bonjour',
      receivedAt: m.receivedAt,
      campaignId: m.campaignId ?? null,
      extracted: {},
    },
  });
  if (m.intent) await db.messageIntent.create({ data: { messageId: message.id, label: m.intent.label, confidence: m.intent.confidence, classifier: 'keyword' } });
  return message;
}

/** Follows `nextCursor` from `path` (with `?` already in it) to the end; every page's ids in order. */
export async function walk(t: TestConsole, path: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await t.api(`${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { data: { id: string }[]; nextCursor: string | null };
    ids.push(...body.data.map((d) => d.id));
    cursor = body.nextCursor;
    pages += 1;
    if (pages > 100) throw new Error('cursor never ends');
  } while (cursor);
  return { ids, pages };
}

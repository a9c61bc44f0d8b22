import { newId } from '@switchboard/db';
import { seedEvent, startTestConsole, walk, type TestConsole } from './helpers.ts';

let t: TestConsole;
const base = Date.parse('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(base + minutes * 60_000);
/** Ids of the seeded events, newest first (receivedAt desc, then id desc). */
let expectedOrder: string[];
let mailgunIds: string[];

beforeAll(async () => {
  t = await startTestConsole();
  const rows = [];
  // Several events share a receive time: the id must break the tie for the cursor to be exact.
  for (const minutes of [0, 1, 1, 1, 2, 3, 3, 4, 5, 6, 7]) rows.push(await seedEvent(t.db, { receivedAt: at(minutes) }));
  const mail = [await seedEvent(t.db, { provider: 'mailgun', receivedAt: at(2) }), await seedEvent(t.db, { provider: 'mailgun', receivedAt: at(8) })];
  rows.push(...mail);
  mailgunIds = mail.map((r) => r.id).reverse();
  expectedOrder = rows.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || (a.id < b.id ? 1 : -1)).map((r) => r.id);
});

afterAll(async () => {
  await t?.close();
});

describe('GET /api/events', () => {
  test('pages newest first, and walking the cursor visits every event exactly once', async () => {
    for (const limit of [1, 2, 3, 5, 13, 500]) {
      const { ids, pages } = await walk(t, `/api/events?limit=${limit}`);
      expect(ids).toEqual(expectedOrder);
      expect(pages).toBe(Math.max(1, Math.ceil(expectedOrder.length / limit)));
    }
  });

  test('answers 50 by default, and the list shape with ISO times and no body', async () => {
    const response = await t.api('/api/events');
    const body = (await response.json()) as { data: Record<string, unknown>[]; nextCursor: string | null };
    expect(body.nextCursor).toBeNull();
    expect(body.data).toHaveLength(expectedOrder.length);
    expect(body.data[0]).toEqual({
      id: expectedOrder[0],
      provider: 'mailgun',
      dedupKey: expect.any(String),
      route: '/webhooks/twilio/messages',
      url: 'https://example.test/webhooks/twilio/messages',
      sourceId: null,
      receivedAt: '2026-03-01T10:08:00.000Z',
      storedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      remoteIp: '203.0.113.7',
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'x-twilio-signature': 'c2lnbmF0dXJl', 'user-agent': 'TwilioProxy/1.1' },
      bodyEncoding: 'utf8',
      item: null,
      replayCount: 0,
      lastReplayAt: null,
    });
  });

  test('filters by source, by its alias provider, and by since', async () => {
    expect((await walk(t, '/api/events?source=mailgun&limit=1')).ids).toEqual(mailgunIds);
    expect((await walk(t, '/api/events?provider=mailgun')).ids).toEqual(mailgunIds);
    const since = await walk(t, `/api/events?since=${encodeURIComponent(at(6).toISOString())}&limit=2`);
    expect(since.ids).toEqual(expectedOrder.slice(0, 3));
    const both = await walk(t, `/api/events?source=twilio-messaging&since=${encodeURIComponent('2026-03-01T11:07:00+01:00')}`);
    expect(both.ids).toEqual(expectedOrder.filter((id) => !mailgunIds.includes(id)).slice(0, 1));
  });

  test.each([
    ['limit=0', ['limit']],
    ['limit=501', ['limit']],
    ['limit=-1', ['limit']],
    ['limit=abc', ['limit']],
    ['limit=1.5', ['limit']],
    ['source=twilio', ['source']],
    ['provider=nope', ['provider']],
    ['source=mailgun&provider=generic', ['provider']],
    ['since=yesterday', ['since']],
    ['since=2026-13-01', ['since']],
    ['cursor=not-a-cursor', ['cursor']],
    [`cursor=${Buffer.from('["x","y"]').toString('base64url')}`, ['cursor']],
    ['limit=0&source=x', ['limit', 'source']],
  ])('?%s is a 400 naming %j', async (query, fields) => {
    const response = await t.api(`/api/events?${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; fields: string[] };
    expect(body.fields.sort()).toEqual([...fields].sort());
    expect(body.error).toMatch(/^invalid query: /);
  });
});

describe('GET /api/events/:id', () => {
  test('answers the event as received: body, headers, url, remote ip, receive time, dedup key, provider, replay count', async () => {
    const event = await seedEvent(t.db, { receivedAt: at(-60), body: 'Body=caf%C3%A9+%F0%9F%98%80&From=%2B33600000000', provider: 'generic', sourceId: 'src_abc' });
    const response = await t.api(`/api/events/${event.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: event.id,
      provider: 'generic',
      sourceId: 'src_abc',
      body: 'Body=caf%C3%A9+%F0%9F%98%80&From=%2B33600000000',
      bodyEncoding: 'utf8',
      headers: { 'x-twilio-signature': 'c2lnbmF0dXJl', 'user-agent': 'TwilioProxy/1.1' },
      url: 'https://example.test/webhooks/twilio/messages',
      remoteIp: '203.0.113.7',
      receivedAt: '2026-03-01T09:00:00.000Z',
      dedupKey: event.dedupKey,
      replayCount: 0,
      lastReplayAt: null,
      attachments: null,
    });
    await t.db.rawEvent.delete({ where: { id: event.id } });
  });

  test('an unknown id is a 404, a malformed one a 400', async () => {
    const unknown = newId();
    const missing = await t.api(`/api/events/${unknown}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: `no event ${unknown}` });
    for (const bad of ['123', 'not-a-uuid', `${unknown}0`]) {
      const response = await t.api(`/api/events/${bad}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { fields: string[] }).fields).toEqual(['id']);
    }
  });
});

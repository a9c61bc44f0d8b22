import fs from 'node:fs';
import path from 'node:path';
import { newId } from '@switchboard/db';
import { seedMessage, startTestConsole, walk, type TestConsole } from './helpers.ts';

let t: TestConsole;
const base = Date.parse('2026-04-01T08:00:00.000Z');
const at = (minutes: number) => new Date(base + minutes * 60_000);
const campaignId = newId();

type MessageBody = { data: Record<string, unknown>[]; nextCursor: string | null };

beforeAll(async () => {
  t = await startTestConsole();
  await t.db.campaign.create({ data: { id: campaignId, name: 'spring', channel: 'sms', body: 'hello' } });
});

afterAll(async () => {
  await t?.close();
});

describe('GET /api/messages', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    const a = await seedMessage(t.db, { sender: '+33611111111', content: 'Oui', receivedAt: at(1), campaignId, intent: { label: 'interested', confidence: 0.93 } });
    const b = await seedMessage(t.db, { sender: '+33622222222', content: 'STOP', receivedAt: at(2), intent: { label: 'opt_out', confidence: 1 } });
    const c = await seedMessage(t.db, { source: 'whatsapp', sender: '+33611111111', content: 'Arrêt', receivedAt: at(3), intent: { label: 'opt_out', confidence: 1 } });
    const d = await seedMessage(t.db, { source: 'email', sender: 'jean@example.fr', content: 'Merci', receivedAt: at(3) });
    ids = { a: a.id, b: b.id, c: c.id, d: d.id };
  });

  test('answers the contract’s fields, newest first, intent null when not interpreted yet', async () => {
    const response = await t.api('/api/messages');
    expect(response.status).toBe(200);
    const body = (await response.json()) as MessageBody;
    expect(body.nextCursor).toBeNull();
    expect(body.data.map((m) => m.id)).toEqual([ids.c, ids.d].sort().reverse().concat([ids.b!, ids.a!]));
    const first = body.data.find((m) => m.id === ids.a);
    expect(first).toEqual({
      id: ids.a,
      source: 'sms',
      sender: '+33611111111',
      recipient: '+33757000000',
      content: 'Oui',
      receivedAt: '2026-04-01T08:01:00.000Z',
      campaignId,
      intent: { label: 'interested', confidence: 0.93 },
      eventId: expect.any(String),
    });
    expect(body.data.find((m) => m.id === ids.d)).toMatchObject({ intent: null, source: 'email' });
  });

  test('filters by sender (with or without whatsapp:), intent, campaign, source and since', async () => {
    const list = async (q: string) => (await walk(t, `/api/messages?${q}`)).ids;
    expect(await list('sender=%2B33611111111')).toEqual([ids.c, ids.a]);
    expect(await list('sender=whatsapp%3A%2B33611111111&source=whatsapp')).toEqual([ids.c]);
    expect(await list('intent=opt_out&limit=1')).toEqual([ids.c, ids.b]);
    expect(await list(`campaignId=${campaignId}`)).toEqual([ids.a]);
    expect(await list(`campaignId=${newId()}`)).toEqual([]);
    expect(await list('source=email')).toEqual([ids.d]);
    expect(await list(`since=${encodeURIComponent(at(2).toISOString())}&intent=opt_out`)).toEqual([ids.c, ids.b]);
  });

  test.each([
    ['intent=happy', ['intent']],
    ['campaignId=42', ['campaignId']],
    ['source=fax', ['source']],
    ['limit=501', ['limit']],
    ['sender=', ['sender']],
  ])('?%s is a 400 naming %j', async (query, fields) => {
    const response = await t.api(`/api/messages?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: string[] }).fields).toEqual(fields);
  });
});

describe('GET /api/contacts/:address', () => {
  beforeAll(async () => {
    await t.db.contact.create({
      data: { id: newId(), address: '+33633333333', kind: 'phone', optedOut: true, optedOutAt: at(10), lastMessageAt: at(10), leadStatus: 'opted_out' },
    });
    await t.db.contact.create({ data: { id: newId(), address: 'marie@example.fr', kind: 'email', lastMessageAt: at(5) } });
  });

  test('answers opt-out state and last activity of a phone number (URL-encoded +)', async () => {
    const response = await t.api('/api/contacts/%2B33633333333');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      address: '+33633333333',
      optedOut: true,
      optedOutAt: '2026-04-01T08:10:00.000Z',
      lastMessageAt: '2026-04-01T08:10:00.000Z',
      leadStatus: 'opted_out',
    });
  });

  test('a WhatsApp address finds the same contact as the number: one opt-out covers both', async () => {
    const response = await t.api(`/api/contacts/${encodeURIComponent('whatsapp:+33633333333')}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ address: '+33633333333', optedOut: true });
  });

  test('an email address is found whatever its case', async () => {
    const response = await t.api('/api/contacts/Marie%40Example.fr');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ address: 'marie@example.fr', optedOut: false, optedOutAt: null, lastMessageAt: '2026-04-01T08:05:00.000Z', leadStatus: 'new' });
  });

  test('an unknown address is a 404', async () => {
    const response = await t.api('/api/contacts/%2B33699999999');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no contact with this address' });
  });

  test('an over-long address is a 400', async () => {
    const response = await t.api(`/api/contacts/${'a'.repeat(400)}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: string[] }).fields).toEqual(['address']);
  });
});

describe('GET /api/calls', () => {
  test('answers calls newest first with their IVR choices and voicemail recording URLs', async () => {
    const callIds: string[] = [];
    for (const [i, sid] of ['CA01', 'CA02', 'CA03'].entries()) {
      const call = await t.db.call.create({ data: { id: newId(), callSid: sid, from: `+3364444444${i}`, to: '+33757000000', status: 'completed', startedAt: at(20 + i), updatedAt: at(21 + i) } });
      callIds.unshift(call.id);
    }
    await t.db.callStep.createMany({
      data: [
        { id: newId(), callSid: 'CA03', eventId: newId(), kind: 'incoming', receivedAt: at(22) },
        { id: newId(), callSid: 'CA03', eventId: newId(), kind: 'menu', digits: '2', choice: 'voicemail', receivedAt: at(22.5) },
        { id: newId(), callSid: 'CA03', eventId: newId(), kind: 'status', status: 'completed', receivedAt: at(23) },
      ],
    });
    await t.db.recording.create({ data: { id: newId(), recordingSid: 'RE01', callSid: 'CA03', url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE01', durationSec: 12, status: 'completed', receivedAt: at(23) } });

    expect((await walk(t, '/api/calls?limit=1')).ids).toEqual(callIds);
    const body = (await (await t.api('/api/calls?limit=1')).json()) as MessageBody;
    expect(body.data[0]).toEqual({
      id: callIds[0],
      callSid: 'CA03',
      from: '+33644444442',
      to: '+33757000000',
      status: 'completed',
      startedAt: '2026-04-01T08:22:00.000Z',
      updatedAt: '2026-04-01T08:23:00.000Z',
      choices: [{ digits: '2', choice: 'voicemail', at: '2026-04-01T08:22:30.000Z' }],
      steps: [
        { kind: 'incoming', digits: null, choice: null, status: null, at: '2026-04-01T08:22:00.000Z' },
        { kind: 'menu', digits: '2', choice: 'voicemail', status: null, at: '2026-04-01T08:22:30.000Z' },
        { kind: 'status', digits: null, choice: null, status: 'completed', at: '2026-04-01T08:23:00.000Z' },
      ],
      recordings: [{ recordingSid: 'RE01', url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE01', durationSec: 12, status: 'completed', at: '2026-04-01T08:23:00.000Z' }],
    });
    expect((await walk(t, '/api/calls?from=%2B33644444440')).ids).toEqual([callIds[2]]);
  });
});

describe('sources', () => {
  type Created = { id: string; name: string; secret: string };
  const create = (body: unknown) => t.api('/api/sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('create → listed without its secret → delete → gone; the secret is shown once', async () => {
    const response = await create({ name: 'CRM' });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Created;
    expect(created).toEqual({ id: expect.stringMatching(/^src_[A-Za-z0-9_-]{16}$/), name: 'CRM', secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/) });
    expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
    // Stored for ingest to verify with.
    expect((await t.db.source.findUnique({ where: { id: created.id } }))?.secrets).toEqual([created.secret]);

    const listed = await t.api('/api/sources');
    const text = await listed.text();
    expect(text).not.toContain(created.secret);
    expect(JSON.parse(text)).toEqual({ data: [{ id: created.id, name: 'CRM', createdAt: expect.any(String) }], nextCursor: null });

    const deleted = await t.api(`/api/sources/${created.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await (await t.api('/api/sources')).json()).toEqual({ data: [], nextCursor: null });
    // Soft: the row stays, marked deleted.
    expect((await t.db.source.findUnique({ where: { id: created.id } }))?.deletedAt).toBeInstanceOf(Date);
    expect((await t.api(`/api/sources/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  test('a given secret is kept as given; two sources never share an id or a generated secret', async () => {
    const mine = (await (await create({ name: 'legacy', secret: 'shared-secret-of-at-least-32-chars' })).json()) as Created;
    expect(mine.secret).toBe('shared-secret-of-at-least-32-chars');
    const a = (await (await create({ name: 'a' })).json()) as Created;
    const b = (await (await create({ name: 'a' })).json()) as Created;
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
    const { ids } = await walk(t, '/api/sources?limit=1');
    expect(new Set(ids)).toEqual(new Set([mine.id, a.id, b.id]));
  });

  test.each([
    [{}, ['name']],
    [{ name: '   ' }, ['name']],
    [{ name: 'x'.repeat(201) }, ['name']],
    [{ name: 'x', secret: 'short' }, ['secret']],
    [{ name: 'x', secret: 42 }, ['secret']],
    [{ name: 'x', secrets: ['a'] }, ['secrets']],
  ])('POST %j is a 400 naming %j', async (body, fields) => {
    const response = await create(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: string[] }).fields).toEqual(fields);
  });

  test.each([
    ['whsec_!!!!!!!!!!!', /whsec_ secret must be followed by standard base64/],
    [`whsec_${Buffer.alloc(16, 1).toString('base64')}`, /whsec_ secret must decode to at least 24 bytes \(this one gives 16\)/],
    ['shared-secret-of-16+', /at least 32 characters/],
  ])('a weak HMAC key (%s) is a 400 that says what is wrong, and no source is made', async (secret, problem) => {
    const before = await t.db.source.count();
    const response = await create({ name: 'weak', secret });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; fields: string[] };
    expect(answer.fields).toEqual(['secret']);
    expect(answer.error).toMatch(problem);
    expect(await t.db.source.count()).toBe(before);
  });

  test('a body that is not JSON is a 400', async () => {
    const response = await t.api('/api/sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'body is not valid JSON', fields: [] });
  });

  test('deleting an unknown source is a 404, a malformed id a 400', async () => {
    expect((await t.api('/api/sources/src_doesnotexist', { method: 'DELETE' })).status).toBe(404);
    expect((await t.api(`/api/sources/${encodeURIComponent('bad id!')}`, { method: 'DELETE' })).status).toBe(400);
  });
});

describe('GET /webhook/logs', () => {
  const logDir = () => t.config.log.dir;

  test('answers the last N JSON entries of the integration’s file, newest first, skipping a partial line', async () => {
    fs.mkdirSync(logDir(), { recursive: true });
    const lines = Array.from({ length: 250 }, (_, i) => JSON.stringify({ level: 'info', message: `sms ${i}`, i }));
    fs.writeFileSync(path.join(logDir(), 'sms.log'), `${lines.join('\n')}\n{"level":"info","mess`);
    const body = (await (await t.api('/webhook/logs?type=sms&lines=3')).json()) as { data: { i: number }[] };
    expect(body.data.map((e) => e.i)).toEqual([249, 248, 247]);
    const all = (await (await t.api('/webhook/logs?type=sms')).json()) as { data: { i: number }[] };
    expect(all.data).toHaveLength(100);
    expect(all.data[0]!.i).toBe(249);
  });

  test('a log not written yet is an empty list', async () => {
    expect(await (await t.api('/webhook/logs?type=voice')).json()).toEqual({ data: [] });
  });

  test.each([
    ['type=fax', ['type']],
    ['', ['type']],
    ['type=sms&lines=0', ['lines']],
    ['type=sms&lines=1001', ['lines']],
    ['type=..%2F..%2Fetc%2Fpasswd', ['type']],
  ])('?%s is a 400 naming %j', async (query, fields) => {
    const response = await t.api(`/webhook/logs?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: string[] }).fields).toEqual(fields);
  });
});

describe('GET /admin', () => {
  test('renders the panels server-side, with scripts only from the console itself', async () => {
    await seedMessage(t.db, { sender: '+33655555555', content: 'Une question', receivedAt: new Date(), intent: { label: 'question', confidence: 0.8 } });
    const response = await t.api('/admin', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    const html = await response.text();
    expect(html).toMatch(/<th scope="row">twilio-messaging<\/th><td class="num">\d+<\/td>/);
    expect(html).toContain('Une question');
    expect(html).toMatch(/question <span class="badge ok">80 %<\/span>/);
    expect(html).toContain('<a href="/admin/queues/queue/inbound">inbound</a>');
    // Every script is a file of ours: no inline code (the JSON data blocks are not executed).
    for (const [, attrs] of html.matchAll(/<script([^>]*)>/g)) expect(attrs).toMatch(/src="\/admin\/assets\/[\w.]+\.js"|type="application\/json"/);
  });

  test('serves the front end from node_modules and nothing else under /admin/assets', async () => {
    const htmx = await t.api('/admin/assets/htmx.min.js');
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get('content-type')).toMatch(/javascript/);
    expect((await t.api('/admin/assets/uPlot.iife.min.js')).status).toBe(200);
    expect((await t.api('/admin/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await t.anon('/admin/assets/admin.js')).status).toBe(401);
  });

  test('Bull Board is served under /admin/queues', async () => {
    const response = await t.api('/admin/queues/api/queues?activeQueue=inbound&page=1&jobsPerPage=10');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['alerts', 'deliveries', 'inbound', 'interpret', 'sends']);
  });
});

describe('GET /metrics', () => {
  test('answers Prometheus text with every queue’s depth, behind the admin token', async () => {
    expect((await t.anon('/metrics')).status).toBe(401);
    const response = await t.api('/metrics');
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const queue of ['inbound', 'interpret', 'deliveries', 'sends']) expect(text).toMatch(new RegExp(`^switchboard_queue_jobs\\{queue="${queue}",state="waiting",service="console"\\} \\d+$`, 'm'));
    expect(text).toMatch(/^switchboard_queue_oldest_waiting_seconds\{queue="inbound",service="console"\} /m);
  });
});

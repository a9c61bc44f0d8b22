import { newId } from '@switchboard/db';
import { createQueue, createRedis } from '@switchboard/queues';
import { startTestConsole, walk, type TestConsole } from './helpers.ts';

let t: TestConsole;
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
let queue: ReturnType<typeof createQueue<'delivery'>>;

beforeAll(async () => {
  t = await startTestConsole();
  queue = createQueue('delivery', { connection: redis, prefix: t.prefix });
});

afterAll(async () => {
  await queue?.close();
  redis.disconnect();
  await t?.close();
});

/** The answers' fields these tests read. */
type Body = { id: string; secret: string; deliveryId: string; previousSecretExpiresAt: string; fields: string[]; data: { id: string }[]; [key: string]: unknown };
const asBody = (value: unknown) => value as Body;

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the seed-compatible webhook config', () => {
  test('answers has_secret, never the secret; a secret left out is generated, then kept', async () => {
    expect(await (await t.api('/api/webhook/config')).json().then(asBody)).toEqual({ enabled: false, url: null, environment: 'development', has_secret: false });
    const bad = await t.api('/api/webhook/config', json('POST', { enabled: true }));
    expect(bad.status).toBe(400);
    expect(await bad.json().then(asBody)).toMatchObject({ fields: ['url'] });

    const created = await t.api('/api/webhook/config', json('POST', { enabled: true, url: 'https://crm.example.com/hooks', environment: 'production' }));
    expect(created.status).toBe(200);
    const body = await created.json().then(asBody);
    expect(body).toEqual({ enabled: true, url: 'https://crm.example.com/hooks', environment: 'production', has_secret: true });
    const row = await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: 'default' } });
    expect(row.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(row.secret.slice(6), 'base64')).toHaveLength(24);
    expect(JSON.stringify(body)).not.toContain(row.secret);

    await t.api('/api/webhook/config', json('POST', { enabled: false }));
    expect(await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: 'default' } })).toMatchObject({ enabled: false, secret: row.secret });
    await t.api('/api/webhook/config', json('POST', { enabled: true, secret: 'a-legacy-shared-secret' }));
    expect(await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: 'default' } })).toMatchObject({ enabled: true, secret: 'a-legacy-shared-secret' });
  });

  test('bad fields are a 400 naming them, and change nothing', async () => {
    const before = await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: 'default' } });
    const r = await t.api('/api/webhook/config', json('POST', { url: 'ftp://x', secret: 'short', extra: 1 }));
    expect(r.status).toBe(400);
    expect((await r.json().then(asBody)).fields.sort()).toEqual(['extra', 'secret', 'url']);
    expect(await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: 'default' } })).toEqual(before);
  });

  test('needs the admin token', async () => {
    expect((await t.anon('/api/webhook/config')).status).toBe(401);
    expect((await t.anon('/api/webhook/endpoints', json('POST', { url: 'https://x.example' }))).status).toBe(401);
  });

  test('POST /api/webhook/test queues a test delivery to the default endpoint', async () => {
    const r = await t.api('/api/webhook/test', json('POST', {}));
    expect(r.status).toBe(202);
    const { deliveryId } = await r.json().then(asBody);
    expect(await t.db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).toMatchObject({ endpointId: 'default', type: 'webhook.test', status: 'pending' });
    expect((await queue.getJob(`${deliveryId}.1`))?.data).toEqual({ deliveryId, attempt: 1 });
    expect((await t.api('/api/webhook/test', json('POST', { endpointId: 'ep_nope' }))).status).toBe(404);
  });
});

describe('endpoints', () => {
  test('create shows the secret once; list, get, patch and delete never do', async () => {
    const r = await t.api('/api/webhook/endpoints', json('POST', { url: 'https://a.example/h', description: 'CRM', eventTypes: ['message.received', 'campaign.completed'] }));
    expect(r.status).toBe(201);
    const created = await r.json().then(asBody);
    expect(created).toMatchObject({ url: 'https://a.example/h', description: 'CRM', eventTypes: ['message.received', 'campaign.completed'], enabled: true, has_secret: true });
    expect(created.secret).toMatch(/^whsec_/);

    const got = await (await t.api(`/api/webhook/endpoints/${created.id}`)).json().then(asBody);
    expect(got).not.toHaveProperty('secret');
    expect(JSON.stringify(got)).not.toContain(created.secret);
    const listed = await (await t.api('/api/webhook/endpoints')).json().then(asBody);
    expect(listed.data.map((e: { id: string }) => e.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    const patched = await (await t.api(`/api/webhook/endpoints/${created.id}`, json('PATCH', { enabled: false, eventTypes: [] }))).json().then(asBody);
    expect(patched).toMatchObject({ enabled: false, eventTypes: [] });
    const badType = await t.api(`/api/webhook/endpoints/${created.id}`, json('PATCH', { eventTypes: ['message.nope'] }));
    expect(badType.status).toBe(400);
    expect(await badType.json().then(asBody)).toMatchObject({ fields: ['eventTypes'] });

    expect((await t.api(`/api/webhook/endpoints/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/api/webhook/endpoints/${created.id}`)).status).toBe(404);
    expect((await t.api(`/api/webhook/endpoints/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  test('enabling an endpoint the dispatcher disabled clears why', async () => {
    const created = await (await t.api('/api/webhook/endpoints', json('POST', { url: 'https://b.example/h' }))).json().then(asBody);
    await t.db.webhookEndpoint.update({ where: { id: created.id }, data: { enabled: false, disabledAt: new Date(), disabledReason: 'gone', failingSince: new Date() } });
    expect(await (await t.api(`/api/webhook/endpoints/${created.id}`)).json().then(asBody)).toMatchObject({ enabled: false, disabledReason: 'gone' });
    const patched = await (await t.api(`/api/webhook/endpoints/${created.id}`, json('PATCH', { enabled: true }))).json().then(asBody);
    expect(patched).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
  });

  test('rotate-secret shows the new secret once and keeps the old one signing for 24 h', async () => {
    const created = await (await t.api('/api/webhook/endpoints', json('POST', { url: 'https://c.example/h' }))).json().then(asBody);
    const r = await t.api(`/api/webhook/endpoints/${created.id}/rotate-secret`, json('POST', {}));
    expect(r.status).toBe(200);
    const rotated = await r.json().then(asBody);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const expires = Date.parse(rotated.previousSecretExpiresAt);
    expect(Math.abs(expires - Date.now() - 24 * 3_600_000)).toBeLessThan(60_000);
    const row = await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({ secret: rotated.secret, previousSecret: created.secret });
    expect((await (await t.api(`/api/webhook/endpoints/${created.id}`)).json().then(asBody)).previousSecretExpiresAt).toBe(rotated.previousSecretExpiresAt);
  });
});

describe('deliveries', () => {
  let endpointId: string;
  const ids: string[] = [];
  beforeAll(async () => {
    endpointId = (await (await t.api('/api/webhook/endpoints', json('POST', { url: 'https://d.example/h' }))).json().then(asBody)).id;
    for (let i = 0; i < 7; i++) {
      const id = newId();
      ids.push(id);
      await t.db.webhookDelivery.create({
        data: { id, endpointId, eventKey: `message.received:${id}`, type: i % 2 ? 'message.status' : 'message.received', payload: { type: 'message.received', timestamp: new Date().toISOString(), data: {} }, status: i < 3 ? 'failed' : 'delivered', attempts: 1 },
      });
    }
    await t.db.webhookAttempt.create({ data: { id: newId(), deliveryId: ids[0]!, attempt: 1, url: 'https://d.example/h', responseStatus: 500, responseBody: 'boom', durationMs: 12 } });
  });

  test('listed newest first with filters and a cursor', async () => {
    const all = await walk(t, `/api/webhook/deliveries?endpoint=${endpointId}&limit=3`);
    expect(all.ids).toEqual([...ids].reverse());
    expect(all.pages).toBe(3);
    expect((await walk(t, `/api/webhook/deliveries?endpoint=${endpointId}&status=failed`)).ids.sort()).toEqual(ids.slice(0, 3).sort());
    expect((await walk(t, `/api/webhook/deliveries?endpoint=${endpointId}&type=message.status`)).ids).toHaveLength(3);
    expect((await walk(t, `/api/webhook/deliveries?endpoint=${endpointId}&since=2999-01-01`)).ids).toEqual([]);
    const bad = await t.api('/api/webhook/deliveries?status=lost&since=yesterday');
    expect(bad.status).toBe(400);
    expect((await bad.json().then(asBody)).fields.sort()).toEqual(['since', 'status']);
  });

  test('one delivery with its attempts; retry queues its next attempt', async () => {
    const detail = await (await t.api(`/api/webhook/deliveries/${ids[0]}`)).json().then(asBody);
    expect(detail).toMatchObject({ id: ids[0], status: 'failed', attempts: 1, attemptLog: [{ attempt: 1, responseStatus: 500, responseBody: 'boom', durationMs: 12, error: null }] });
    expect((await t.api(`/api/webhook/deliveries/${newId()}`)).status).toBe(404);
    expect((await t.api('/api/webhook/deliveries/not-a-uuid')).status).toBe(400);

    expect((await t.api(`/api/webhook/deliveries/${ids[0]}/retry`, { method: 'POST' })).status).toBe(202);
    expect(await t.db.webhookDelivery.findUniqueOrThrow({ where: { id: ids[0]! } })).toMatchObject({ status: 'pending' });
    expect((await queue.getJob(`${ids[0]}.2`))?.data).toEqual({ deliveryId: ids[0], attempt: 2 });
  });

  test('recover resends the failed deliveries since a time', async () => {
    const r = await t.api(`/api/webhook/endpoints/${endpointId}/recover`, json('POST', { since: '2020-01-01T00:00:00Z' }));
    expect(r.status).toBe(202);
    // ids[0] is pending again since the retry above; the two other failed ones are recovered.
    expect(await r.json().then(asBody)).toEqual({ recovered: 2 });
    for (const id of ids.slice(1, 3)) expect(await queue.getJob(`${id}.2`)).toBeDefined();
    const missing = await t.api(`/api/webhook/endpoints/${endpointId}/recover`, json('POST', {}));
    expect(missing.status).toBe(400);
    expect(await missing.json().then(asBody)).toMatchObject({ fields: ['since'] });
  });
});


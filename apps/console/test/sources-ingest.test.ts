import { Webhook } from 'standardwebhooks';
import { startIngest, type IngestService } from '@switchboard/ingest';
import { createQueue, createRedis } from '@switchboard/queues';
import { testLogger, waitFor } from '@switchboard/testing';
import { startTestConsole, type TestConsole } from './helpers.ts';

// The console and ingest on one database and prefix: a source made in the console is what ingest verifies with.
let t: TestConsole;
let ingest: IngestService;
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
let inbound: ReturnType<typeof createQueue<'inbound'>>;

beforeAll(async () => {
  t = await startTestConsole();
  ingest = await startIngest(t.config, testLogger('ingest'));
  inbound = createQueue('inbound', { connection: redis, prefix: t.prefix });
});

afterAll(async () => {
  await ingest?.close();
  await inbound?.close();
  redis.disconnect();
  await t?.close();
});

/** Posts `body` to the source's ingest URL, signed by the standardwebhooks package with `secret`. */
async function deliver(sourceId: string, secret: string, id: string): Promise<number> {
  const body = JSON.stringify({ type: 'order.paid', data: { id } });
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  const response = await fetch(`${ingest.url}/webhooks/generic/${sourceId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('a source created in the console, at ingest', () => {
  test('ingest accepts events signed with the secret the console handed out, refuses other secrets, and stops once the source is deleted', async () => {
    const created = (await (await t.api('/api/sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'shop' }) })).json()) as {
      id: string;
      secret: string;
    };
    await waitFor(async () => (await deliver(created.id, created.secret, 'msg_first')) < 300, { what: 'ingest accepting the new source' });
    expect(await inbound.getJobCounts('waiting')).toEqual({ waiting: 1 });

    const other = `whsec_${Buffer.from('another-secret-another-secret-00').toString('base64')}`;
    const forged = await deliver(created.id, other, 'msg_forged');
    expect(forged).toBeGreaterThanOrEqual(400);
    expect(forged).toBeLessThan(500);

    expect((await t.api(`/api/sources/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    // Ingest reloads the registry every couple of seconds: until then the source still works.
    let n = 0;
    await waitFor(async () => (await deliver(created.id, created.secret, `msg_after_${++n}`)) === 404, { what: 'ingest refusing the deleted source', timeoutMs: 15_000 });
  });

  test('a secret given without the whsec_ prefix means what the standardwebhooks package makes of it: its base64 key, with or without the prefix', async () => {
    const key = Buffer.from('a-24-byte-key-0123456789').toString('base64');
    const response = await t.api('/api/sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'sender using the library', secret: key }) });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await waitFor(async () => (await deliver(id, key, 'msg_plain')) < 300, { what: 'ingest accepting a prefix-less secret' });
    expect(await deliver(id, `whsec_${key}`, 'msg_prefixed')).toBe(200);
  });
});

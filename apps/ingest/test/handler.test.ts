import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RawEventPayload } from '@switchboard/events';
import { UNKNOWN_SOURCE, type BodyRead, type BodyReadOptions, type IngestRequest, type Provider, type ProviderBinding } from '@switchboard/providers';
import { testLogger } from '@switchboard/testing';
import { createIngestApp } from '../src/app.ts';
import { WEBHOOK_ROUTES } from '../src/routes.ts';
import type { EventSink, SinkOutcome } from '../src/sink.ts';

type Secrets = { key: string };
type Fields = { id: string };

/** A provider that reads its own body (like Mailgun's multipart) and records what it was given. */
function streamingProvider(result: () => BodyRead) {
  const reads: BodyReadOptions[] = [];
  const secretsSeen: (Secrets | null)[] = [];
  const settled: boolean[] = [];
  const provider: Provider<Secrets, Fields> = {
    id: 'mailgun',
    contentTypes: ['multipart/form-data'],
    integration: 'email',
    bodyLimit: 'mailgun',
    async readBody(req, options, secrets) {
      reads.push(options);
      secretsSeen.push(secrets);
      for await (const _chunk of req) void _chunk; // drain the request
      const read = result();
      return read.ok ? { ...read, settle: async (keep) => void settled.push(keep) } : read;
    },
    accept(request: IngestRequest, secrets: Secrets) {
      if (request.headers['x-key'] !== secrets.key) return { ok: false, reason: 'forbidden', error: 'bad key' };
      return { ok: true, dedupKey: String(request.headers['x-id']), fields: { id: String(request.headers['x-id']) } };
    },
    acceptUnsigned: () => ({ ok: false, reason: 'unauthorized', error: 'unsigned' }),
    reply: (fields) => ({ contentType: 'application/json', body: JSON.stringify({ ok: fields.id }) }),
  };
  return { provider, reads, secretsSeen, settled };
}

function recordingSink(outcome: SinkOutcome | Error = 'queued'): EventSink & { events: RawEventPayload[] } {
  const events: RawEventPayload[] = [];
  return {
    events,
    async submit(event) {
      if (outcome instanceof Error) throw outcome;
      events.push(event);
      return outcome;
    },
    async close() {},
  };
}

async function serve(binding: ProviderBinding, sink: EventSink) {
  const app = createIngestApp({
    sink,
    logger: testLogger(),
    publicUrl: undefined,
    maxBodyBytes: 1_000,
    mailgunMaxBodyBytes: 5_000,
    mailgunMaxTextBytes: 2_000,
    attachmentsDir: '/tmp/attachments-here',
    insecureSkipSignatures: false,
    trustProxy: false,
    bindings: new Map<string, ProviderBinding>([
      ['mailgun', binding],
      ['generic', { provider: { ...binding.provider, id: 'generic' }, secrets: () => UNKNOWN_SOURCE }],
    ]),
    routes: WEBHOOK_ROUTES.filter((route) => route.provider === 'mailgun' || route.provider === 'generic'),
    readiness: async () => ({ ready: true, down: [], warnings: [] }),
  });
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

const attachment = { field: 'attachment-1', filename: 'a.pdf', contentType: 'application/pdf', size: 3, sha256: 'ab'.repeat(32), path: `ab/${'ab'.repeat(32)}` };
const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/webhooks/mailgun/inbound`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', 'x-key': 'k', 'x-id': 'M1', ...headers }, body: 'ignored' });

describe('the webhook handler with a provider that reads its own body', () => {
  test('the provider reads with the Mailgun limit and the attachments directory; the event keeps its body, type and attachments; attachments are kept once durable', async () => {
    const { provider, reads, secretsSeen, settled } = streamingProvider(() => ({ ok: true, body: Buffer.from('sender=a%40b.c'), contentType: 'application/x-www-form-urlencoded', attachments: [attachment], settle: async () => undefined }));
    const sink = recordingSink();
    const app = await serve({ provider, secrets: () => ({ key: 'k' }) }, sink);
    const response = await post(app.url);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: 'M1' });
    expect(reads).toEqual([{ maxBytes: 5_000, attachmentsDir: '/tmp/attachments-here', maxTextBytes: 2_000, now: expect.any(Date) }]);
    // The provider gets its secrets, to verify what it can while it reads.
    expect(secretsSeen).toEqual([{ key: 'k' }]);
    expect(sink.events).toEqual([expect.objectContaining({ provider: 'mailgun', dedupKey: 'M1', body: 'sender=a%40b.c', contentType: 'application/x-www-form-urlencoded', attachments: [attachment] })]);
    expect(settled).toEqual([true]);
    await app.close();
  });

  test('a refused request deletes its attachments and stores nothing', async () => {
    const { provider, settled } = streamingProvider(() => ({ ok: true, body: Buffer.from('x=1'), contentType: 'application/x-www-form-urlencoded', attachments: [attachment], settle: async () => undefined }));
    const sink = recordingSink();
    const app = await serve({ provider, secrets: () => ({ key: 'k' }) }, sink);
    const response = await post(app.url, { 'x-key': 'wrong' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'bad key' });
    expect(settled).toEqual([false]);
    expect(sink.events).toEqual([]);
    await app.close();
  });

  test('an event that can be neither queued nor spooled gets 503; its attachments were already stored by content hash, for the retry', async () => {
    const { provider, settled } = streamingProvider(() => ({ ok: true, body: Buffer.from('x=1'), contentType: 'application/x-www-form-urlencoded', attachments: [attachment], settle: async () => undefined }));
    const app = await serve({ provider, secrets: () => ({ key: 'k' }) }, recordingSink(new Error('ENOSPC')));
    const response = await post(app.url);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({ error: 'temporarily unable to accept events' });
    expect(settled).toEqual([true]);
    await app.close();
  });

  test('a body over a limit while streaming is 413, a malformed one 400, one refused while reading 401/403, each with the provider’s message and the connection closed', async () => {
    let next: BodyRead = { ok: false, reason: 'too_large', error: 'body exceeds 5000 bytes' };
    const { provider } = streamingProvider(() => next);
    const app = await serve({ provider, secrets: () => ({ key: 'k' }) }, recordingSink());
    try {
      const expectations: [BodyRead, number][] = [
        [next, 413],
        [{ ok: false, reason: 'too_large', error: 'text fields exceed 2000 bytes' }, 413],
        [{ ok: false, reason: 'malformed', error: 'multipart: missing boundary' }, 400],
        [{ ok: false, reason: 'forbidden', error: 'invalid Mailgun signature' }, 403],
        [{ ok: false, reason: 'unauthorized', error: 'missing timestamp, token, signature' }, 401],
      ];
      for (const [read, status] of expectations) {
        next = read;
        const response = await post(app.url);
        expect(response.status).toBe(status);
        expect(response.headers.get('connection')).toBe('close');
        expect(await response.json()).toEqual({ error: read.ok ? '' : read.error });
      }
    } finally {
      await app.close();
    }
  });

  test('an unconfigured provider is 503 before its body is read; an unknown source is 404', async () => {
    const { provider, reads } = streamingProvider(() => ({ ok: false, reason: 'aborted', error: '' }));
    const app = await serve({ provider, secrets: () => undefined }, recordingSink());
    const response = await post(app.url);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'source not configured' });
    expect(reads).toEqual([]);
    const unknown = await fetch(`${app.url}/webhooks/generic/src_nope`, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'unknown source' });
    await app.close();
  });
});

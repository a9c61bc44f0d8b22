import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RawEventPayload } from '@switchboard/events';
import { UNKNOWN_SOURCE, type IngestRequest, type Provider, type ProviderBinding } from '@switchboard/providers';
import { testLogger } from '@switchboard/testing';
import { createIngestApp, createIngestListener, type IngestAppDeps } from '../src/app.ts';
import type { FailureLimiter } from '../src/rate-limit.ts';
import type { WebhookRoute } from '../src/routes.ts';
import type { EventSink } from '../src/sink.ts';

type Secrets = { key: string };
type Fields = { id: string; body: string };

/** What the provider saw of each request it verified: the signed URL, the client's address, the source. */
type Seen = { url: string; remoteIp: string; sourceId: string | undefined };

/**
 * A provider like Twilio's: a signature header, a body, a TwiML answer. `x-throw` makes its
 * verification throw (a bug), with a status when it names one.
 */
function provider(seen: Seen[]): Provider<Secrets, Fields> {
  return {
    id: 'generic',
    contentTypes: ['application/x-www-form-urlencoded'],
    integration: 'webhook',
    accept(request: IngestRequest, secrets: Secrets) {
      seen.push({ url: request.url, remoteIp: request.remoteIp, sourceId: request.sourceId });
      const thrown = request.headers['x-throw'];
      if (typeof thrown === 'string') throw Object.assign(new Error(`thrown: ${thrown}`), thrown === 'bug' ? {} : { status: Number(thrown) });
      if (request.headers['x-key'] !== secrets.key) return { ok: false, reason: 'forbidden', error: 'bad key' };
      const body = request.body.toString();
      if (body === '') return { ok: false, reason: 'invalid', error: 'empty', fields: ['Body'] };
      return { ok: true, dedupKey: String(request.headers['x-id']), fields: { id: String(request.headers['x-id']), body } };
    },
    acceptUnsigned: () => ({ ok: false, reason: 'unauthorized', error: 'unsigned' }),
    reply: (fields) => ({ contentType: 'text/xml', body: fields.body === 'INFO' ? '<Response><Message>Bonjour</Message></Response>' : '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' }),
  };
}

const routes: WebhookRoute[] = [
  { method: 'POST', path: '/webhooks/generic/:sourceId', provider: 'generic' },
  { method: 'POST', path: '/webhooks/twilio/messages', provider: 'generic' },
  { method: 'POST', path: '/webhook/sms-response', provider: 'generic', alias: true },
];

type Server = { url: string; events: RawEventPayload[]; seen: Seen[]; close(): Promise<unknown> };

async function serve(kind: 'express' | 'fast', options: { trustProxy?: string | false; publicUrl?: string; sinkError?: Error } = {}): Promise<Server> {
  const events: RawEventPayload[] = [];
  const seen: Seen[] = [];
  const sink: EventSink = {
    async submit(event) {
      if (options.sinkError) throw options.sinkError;
      events.push(event);
      return 'queued';
    },
    async close() {},
  };
  const limiter: FailureLimiter = { retryAfter: (ip) => (ip === '203.0.113.66' ? 42 : 0), failed: () => undefined };
  const binding = {
    provider: provider(seen),
    secrets: ({ sourceId }: { sourceId?: string }) => (sourceId === 'src_unknown' ? UNKNOWN_SOURCE : { key: 'k' }),
  } as unknown as ProviderBinding;
  const deps: IngestAppDeps = {
    sink,
    logger: testLogger(),
    publicUrl: options.publicUrl,
    maxBodyBytes: 100,
    insecureSkipSignatures: false,
    trustProxy: options.trustProxy ?? false,
    limiter,
    bindings: new Map([['generic', binding]]),
    routes,
    readiness: async () => ({ ready: true, down: [], warnings: [] }),
  };
  const server = http.createServer(kind === 'express' ? createIngestApp(deps) : createIngestListener(deps)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, events, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

type Probe = { method: string; path: string; headers?: Record<string, string>; body?: string };
type Answer = { status: number; headers: Record<string, string | undefined>; body: string };

/** One request on a fresh connection, the answer as received (status, the headers that matter, the body). */
function probe(base: string, { method, path, headers = {}, body }: Probe): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // The path as given, byte for byte (a URL string would lose a fragment and normalize the rest).
    const { hostname, port } = new URL(base);
    const req = http.request({ hostname, port, path, method, headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const pick = ['content-type', 'content-length', 'transfer-encoding', 'retry-after', 'connection', 'x-powered-by', 'etag'];
        resolve({ status: res.statusCode!, headers: Object.fromEntries(pick.map((h) => [h, res.headers[h] as string | undefined])), body: Buffer.concat(chunks).toString() });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = { 'content-type': 'application/x-www-form-urlencoded', 'x-key': 'k' };
let n = 0;
/** A valid post: a distinct id every time. */
const ok = (path: string, extra: Record<string, string> = {}, body = 'Body=hello'): Probe => ({ method: 'POST', path, headers: { ...form, 'x-id': `M${++n}`, ...extra }, body });

/** Every probe goes to the Express-only app and to the fast path: the answers must be the same, byte for byte. */
async function sameAnswers(probes: Probe[], options: Parameters<typeof serve>[1] = {}) {
  const express = await serve('express', options);
  const fast = await serve('fast', options);
  try {
    for (const p of probes) {
      const [a, b] = [await probe(express.url, p), await probe(fast.url, p)];
      expect({ probe: `${p.method} ${p.path}`, ...b }).toEqual({ probe: `${p.method} ${p.path}`, ...a });
    }
    // The provider saw the same requests: the same signed URLs (up to the port), addresses and sources.
    const strip = (server: Server) => server.seen.map((s) => ({ ...s, url: s.url.replace(server.url, 'BASE') }));
    expect(strip(fast)).toEqual(strip(express));
    const events = (server: Server) => server.events.map((e) => ({ ...e, url: e.url.replace(server.url, 'BASE'), receivedAt: '' }));
    expect(events(fast)).toEqual(events(express));
    return { express, fast };
  } finally {
    await express.close();
    await fast.close();
  }
}

describe('the fast path answers every request as the Express app does', () => {
  test('webhook posts, with a query string, a source id, an alias; the reply and its headers', async () => {
    const { fast } = await sameAnswers([
      ok('/webhooks/twilio/messages'),
      ok('/webhooks/twilio/messages?a=1&b=%20x'),
      ok('/webhook/sms-response'),
      ok('/webhooks/twilio/messages', {}, 'INFO'),
      ok('/webhooks/generic/src_1'),
      ok('/webhooks/generic/src_1?x=y'),
    ]);
    expect(fast.events).toHaveLength(6);
    expect(fast.seen.map((s) => s.sourceId)).toEqual([undefined, undefined, undefined, undefined, 'src_1', 'src_1']);
  });

  test('paths the fast path leaves to Express: other case, trailing slash, percent-encoded or malformed params, a fragment', async () => {
    const { fast } = await sameAnswers([
      ok('/WEBHOOKS/twilio/messages'),
      ok('/webhooks/twilio/messages/'),
      ok('/webhooks/generic/src%5F2'),
      ok('/webhooks/generic/src%ZZ'),
      ok('/webhooks/generic/src_3/'),
      ok('/webhooks/generic/'),
      ok('/webhooks/generic/a#b'),
      ok('//webhooks/twilio/messages'),
    ]);
    expect(fast.seen.map((s) => s.sourceId)).toContain('src_2');
  });

  test('other methods and paths: 404 JSON, HEAD, GET of a POST route, health', async () => {
    await sameAnswers([
      { method: 'GET', path: '/webhooks/twilio/messages' },
      { method: 'HEAD', path: '/webhooks/twilio/messages' },
      { method: 'PUT', path: '/webhooks/twilio/messages', headers: form, body: 'Body=x' },
      { method: 'POST', path: '/nope', headers: form, body: 'Body=x' },
      { method: 'POST', path: '/webhooks/generic', headers: form, body: 'Body=x' },
      { method: 'GET', path: '/healthz' },
      { method: 'HEAD', path: '/healthz' },
      { method: 'OPTIONS', path: '/webhooks/twilio/messages' },
    ]);
  });

  test('refusals: 415, 413, 403, 400 with fields, an unknown source, a rate-limited address, a throwing provider (4xx and 500)', async () => {
    await sameAnswers([
      ok('/webhooks/twilio/messages', { 'content-type': 'application/json' }),
      ok('/webhooks/twilio/messages', {}, 'Body='.padEnd(200, 'x')),
      ok('/webhooks/twilio/messages', { 'x-key': 'wrong' }),
      ok('/webhooks/twilio/messages', {}, ''),
      ok('/webhooks/generic/src_unknown'),
      ok('/webhooks/twilio/messages', { 'x-throw': '422' }),
      ok('/webhooks/twilio/messages', { 'x-throw': 'bug' }),
    ]);
  });

  test('an event neither queued nor spooled: 503 with Retry-After', async () => {
    await sameAnswers([ok('/webhooks/twilio/messages')], { sinkError: new Error('ENOSPC') });
  });

  test('behind a trusted proxy without PUBLIC_URL: the client address and the signed URL from the forwarded headers; a limited address gets 429', async () => {
    const forwarded = { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' };
    const { fast } = await sameAnswers(
      [ok('/webhooks/twilio/messages?q=1', forwarded), ok('/webhooks/generic/src_9', forwarded), ok('/webhooks/twilio/messages', { 'x-forwarded-for': '203.0.113.66' })],
      { trustProxy: 'loopback' },
    );
    expect(fast.seen.slice(0, 2)).toEqual([
      { url: 'https://hooks.example.com/webhooks/twilio/messages?q=1', remoteIp: '198.51.100.7', sourceId: undefined },
      { url: 'https://hooks.example.com/webhooks/generic/src_9', remoteIp: '198.51.100.7', sourceId: 'src_9' },
    ]);
  });

  test('with PUBLIC_URL and no trusted proxy: the forwarded headers are ignored', async () => {
    const { fast } = await sameAnswers([ok('/webhooks/twilio/messages?q=1', { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-host': 'evil.example' })], { publicUrl: 'https://hooks.example.com' });
    expect(fast.seen).toEqual([{ url: 'https://hooks.example.com/webhooks/twilio/messages?q=1', remoteIp: '127.0.0.1', sourceId: undefined }]);
  });
});

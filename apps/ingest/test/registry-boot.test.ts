import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROVIDERS, genericSource, type GenericFields, type GenericSecrets, type Provider, type ProviderBinding, type ProviderPlugin } from '@switchboard/providers';
import { testConfig, testLogger } from '@switchboard/testing';
import { createIngestApp, startIngest } from '@switchboard/ingest';
import type { WebhookRoute } from '../src/routes.ts';
import type { EventSink } from '../src/sink.ts';

const sink: EventSink = {
  async submit() {
    throw new Error('a GET route stores nothing');
  },
  async close() {},
};

function app(bindings: [string, ProviderBinding][], routes: WebhookRoute[]) {
  return createIngestApp({
    sink,
    logger: testLogger(),
    publicUrl: undefined,
    maxBodyBytes: 1_000,
    insecureSkipSignatures: false,
    trustProxy: false,
    bindings: new Map(bindings),
    routes,
    readiness: async () => ({ ready: true, down: [], warnings: [] }),
  });
}

/** A subscription check in Meta's style: `hub.verify_token` must be the configured token, the answer is `hub.challenge`. */
function challenging(token: string | undefined): ProviderBinding {
  const provider: Provider<GenericSecrets, GenericFields> = {
    ...genericSource(),
    challenge(request, { secrets }) {
      const query = new URL(request.url).searchParams;
      if (query.get('hub.verify_token') !== secrets[0]) return { ok: false, reason: 'forbidden', error: 'hub.verify_token does not match' };
      return { ok: true, reply: { contentType: 'text/plain', body: query.get('hub.challenge') ?? '' } };
    },
  };
  return { provider, secrets: () => (token ? { secrets: [token] } : undefined) } as ProviderBinding;
}

async function listen(handler: http.RequestListener) {
  const server = http.createServer(handler).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

describe('ingest refuses to start with an inconsistent provider registry', () => {
  test('a provider id without its plug-in stops ingest before it opens anything, naming the id', async () => {
    const withoutGeneric = (PROVIDERS as readonly ProviderPlugin[]).filter((plugin) => plugin.name !== 'generic');
    // Nothing listens on this Redis or Postgres: reaching them would hang or fail differently.
    const config = testConfig({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' });
    await expect(startIngest(config, testLogger(), withoutGeneric)).rejects.toThrow(
      'provider registry: provider id "generic" has no plug-in (add its folder\'s plugin to PROVIDERS in packages/providers/src/registry.ts)',
    );
  });

  test('a route whose provider has no binding is an error, never a route silently left out', () => {
    const route: WebhookRoute = { method: 'POST', path: '/webhooks/generic/:sourceId', provider: 'generic' };
    expect(() => app([], [route])).toThrow('POST /webhooks/generic/:sourceId: no binding for provider "generic"');
  });

  test('a GET route whose provider has no challenge is an error', () => {
    const route: WebhookRoute = { method: 'GET', path: '/webhooks/example/verify', provider: 'generic' };
    expect(() => app([['generic', { provider: genericSource(), secrets: () => undefined }]], [route])).toThrow('GET /webhooks/example/verify: provider "generic" has no challenge for its GET route');
  });
});

describe('a GET route of a provider (a subscription check)', () => {
  const route: WebhookRoute = { method: 'GET', path: '/webhooks/example/verify', provider: 'generic' };

  test('answers the provider\'s challenge when the check passes, and refuses with its reason otherwise', async () => {
    const server = await listen(app([['generic', challenging('a-verify-token')]], [route]));
    const ok = await fetch(`${server.url}/webhooks/example/verify?hub.mode=subscribe&hub.verify_token=a-verify-token&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain');
    expect(await ok.text()).toBe('1158201444');
    const refused = await fetch(`${server.url}/webhooks/example/verify?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'hub.verify_token does not match' });
    // The route takes GET only: a POST there is no route.
    expect((await fetch(`${server.url}/webhooks/example/verify`, { method: 'POST' })).status).toBe(404);
    await server.close();
  });

  test('answers 503 "source not configured" while the provider has no secret, like a POST route', async () => {
    const server = await listen(app([['generic', challenging(undefined)]], [route]));
    const response = await fetch(`${server.url}/webhooks/example/verify?hub.verify_token=x&hub.challenge=1`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'source not configured' });
    await server.close();
  });
});

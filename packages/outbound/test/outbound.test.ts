import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { addressRefusal, createWebhookClient, MAX_ATTEMPTS, nextRetryDelay, parseAllowlist, parseRetryAfter, retrySchedule, signingSecrets, standardWebhookHeaders, type Resolver } from '../src/index.ts';

const HOUR = 3_600_000;

describe('the retry schedule', () => {
  test('from the default 5 s base it is Svix’s 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h and spans more than 24 h', () => {
    expect(retrySchedule(5_000)).toEqual([5_000, 300_000, 1_800_000, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
    expect(retrySchedule(5_000).reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * HOUR);
    expect(MAX_ATTEMPTS).toBe(8);
  });

  test('it scales from the base, ends after the last delay, and never retries before a Retry-After', () => {
    expect(nextRetryDelay(1, 100)).toBe(100);
    expect(nextRetryDelay(2, 100)).toBe(6_000);
    expect(nextRetryDelay(7, 100)).toBe(720_000);
    expect(nextRetryDelay(8, 100)).toBeUndefined();
    expect(nextRetryDelay(1, 100, 2_000)).toBe(2_000);
    expect(nextRetryDelay(2, 100, 10)).toBe(6_000);
    // A receiver cannot park a delivery for a week.
    expect(nextRetryDelay(1, 100, 7 * 24 * HOUR)).toBe(24 * HOUR);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    const now = new Date('2026-11-29T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('signing', () => {
  const current = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const previous = 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=';

  test('the headers verify with the standardwebhooks package, with the old and the new secret during a rotation', () => {
    const now = new Date();
    const endpoint = { secret: current, previousSecret: previous, previousSecretExpiresAt: new Date(now.getTime() + HOUR) };
    const body = JSON.stringify({ type: 'message.received', timestamp: now.toISOString(), data: { id: 1 } });
    const headers = standardWebhookHeaders({ id: 'msg_1', now, body, secrets: signingSecrets(endpoint, now) });
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook('whsec_b3RoZXJvdGhlcm90aGVyb3RoZXI=').verify(body, headers)).toThrow();
  });

  test('after the overlap only the new secret signs', () => {
    const now = new Date();
    expect(signingSecrets({ secret: current, previousSecret: previous, previousSecretExpiresAt: new Date(now.getTime() - 1) }, now)).toEqual([current]);
  });
});

describe('the target policy', () => {
  const none = parseAllowlist([]);
  test.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.100.100.200', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
  ])('%s is refused (%s)', (address, range) => {
    expect(addressRefusal(address, none)).toContain(range);
  });

  test('public addresses pass, and OUTBOUND_ALLOWLIST lets a private one through by address or CIDR', () => {
    expect(addressRefusal('93.184.215.14', none)).toBeUndefined();
    expect(addressRefusal('2606:4700::1111', none)).toBeUndefined();
    expect(addressRefusal('10.1.2.3', parseAllowlist(['10.0.0.0/8']))).toBeUndefined();
    expect(addressRefusal('192.168.1.1', parseAllowlist(['192.168.1.1']))).toBeUndefined();
  });
});

describe('the webhook client in production', () => {
  let hits = 0;
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits += 1;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/internal` });
        return void res.end();
      }
      if (req.url === '/hang') return;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.url === '/big' ? 'x'.repeat(10_000) : 'ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  // Names this test controls, as an attacker's DNS would answer them.
  const resolver: Resolver = async (hostname) => {
    if (hostname === 'evil.example') return [{ address: '10.0.0.7', family: 4 }];
    if (hostname === 'hooks.example') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  const post = (client: ReturnType<typeof createWebhookClient>, url: string) => client.post(url, { 'content-type': 'application/json' }, '{}');

  test('loopback, the metadata address, a name resolving to 10.x and plain http are refused before any request', async () => {
    const client = createWebhookClient({ enforce: true, allowlist: [], timeoutMs: 2_000, resolver });
    try {
      const before = hits;
      for (const url of [`https://127.0.0.1:${port}/`, 'https://169.254.169.254/latest/meta-data/', `https://evil.example:${port}/`, `http://127.0.0.1:${port}/`, 'http://93.184.215.14/']) {
        const result = await post(client, url);
        expect(result).toMatchObject({ refused: true });
        expect(result.status).toBeUndefined();
        expect(result.error).toMatch(/^refused: /);
      }
      expect((await post(client, `https://evil.example:${port}/`)).error).toContain('10.0.0.7');
      expect(hits).toBe(before);
    } finally {
      await client.close();
    }
  });

  test('an allowlisted name is reached; a redirect to a private address is not followed', async () => {
    const client = createWebhookClient({ enforce: true, allowlist: ['hooks.example'], timeoutMs: 2_000, resolver });
    try {
      expect(await post(client, `http://hooks.example:${port}/ok`)).toMatchObject({ status: 200, body: 'ok' });
      const before = hits;
      const redirected = await post(client, `http://hooks.example:${port}/redirect`);
      expect(redirected).toMatchObject({ status: 302 });
      // Only the redirecting request arrived: /internal was never asked for.
      expect(hits).toBe(before + 1);
    } finally {
      await client.close();
    }
  });

  test('a response body is kept to its first 4 KiB; a hanging endpoint times out', async () => {
    const client = createWebhookClient({ enforce: false, allowlist: [], timeoutMs: 300 });
    try {
      const big = await post(client, `http://127.0.0.1:${port}/big`);
      expect(big.body).toHaveLength(4_096);
      const hung = await post(client, `http://127.0.0.1:${port}/hang`);
      expect(hung.status).toBeUndefined();
      expect(hung.error).toBe('timeout after 300 ms');
    } finally {
      await client.close();
    }
  });
});

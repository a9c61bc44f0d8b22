import { ADMIN_TOKEN, startTestConsole, type TestConsole } from './helpers.ts';

let t: TestConsole;

beforeAll(async () => {
  t = await startTestConsole();
});

afterAll(async () => {
  await t?.close();
});

const GUARDED = [
  ['GET', '/api/events'],
  ['GET', '/api/events/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'],
  ['POST', '/api/events/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/replay'],
  ['POST', '/api/events/replay'],
  ['GET', '/api/messages'],
  ['GET', '/api/contacts/%2B33611111111'],
  ['GET', '/api/calls'],
  ['GET', '/api/sources'],
  ['POST', '/api/sources'],
  ['DELETE', '/api/sources/src_abc'],
  ['GET', '/api/does-not-exist'],
  ['GET', '/webhook/logs?type=sms'],
  ['GET', '/admin/queues/api/queues'],
] as const;

/** Logs in with JSON and returns the `name=value` of the session cookie. */
async function login(ip: string, token = ADMIN_TOKEN): Promise<{ status: number; cookie: string | undefined; setCookie: string | null }> {
  const response = await t.anon('/admin/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ token }) });
  const setCookie = response.headers.get('set-cookie');
  return { status: response.status, cookie: setCookie?.split(';')[0], setCookie };
}

describe('console authentication', () => {
  test('healthz answers without credentials', async () => {
    const response = await t.anon('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test.each(GUARDED)('%s %s answers 401 JSON without credentials', async (method, path) => {
    const response = await t.anon(path, { method });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="switchboard"');
    expect(await response.json()).toEqual({ error: 'missing bearer token' });
  });

  test.each(GUARDED.map(([method, path], i) => [method, path, i] as const))('%s %s answers 401 with a wrong bearer token', async (method, path, i) => {
    // Each from its own address: wrong tokens count toward the per-IP limit.
    const response = await t.anon(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}x`, 'x-forwarded-for': `203.0.113.${i + 1}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid bearer token' });
  });

  test('a token sent without the Bearer scheme is refused', async () => {
    const response = await t.anon('/api/events', { headers: { authorization: ADMIN_TOKEN, 'x-forwarded-for': '203.0.113.100' } });
    expect(response.status).toBe(401);
  });

  test('the right bearer token is accepted', async () => {
    const response = await t.api('/api/events');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: [], nextCursor: null });
  });

  test('browser pages without a session are redirected to the login form', async () => {
    for (const path of ['/admin', '/admin/queues']) {
      const response = await t.anon(path, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent(path)}`);
    }
  });

  test('the login page is a form that posts the token', async () => {
    const response = await t.anon('/admin/login');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<form method="post" action="/admin/login">');
    expect(html).toContain('name="token"');
  });

  test('a JSON login sets an HttpOnly, SameSite=Strict session cookie that is not the token, accepted in place of the header', async () => {
    const { status, cookie, setCookie } = await login('198.51.100.1');
    expect(status).toBe(200);
    expect(setCookie).toMatch(/^sb_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    for (const [path, accept] of [['/api/events', 'application/json'], ['/admin', 'text/html'], ['/webhook/logs?type=sms', 'application/json']] as const) {
      const response = await t.anon(path, { headers: { cookie: cookie!, accept } });
      expect(response.status).toBe(200);
    }
  });

  test('the cookie is Secure when the request came over https (behind a trusted proxy)', async () => {
    const response = await t.anon('/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.2', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ token: ADMIN_TOKEN }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  test('a form login redirects to the page asked for, never to another host', async () => {
    const form = (next: string) =>
      t.anon('/admin/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.3' },
        body: new URLSearchParams({ token: ADMIN_TOKEN, next }).toString(),
      });
    const ok = await form('/admin/queues');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin/queues');
    expect(ok.headers.get('set-cookie')).toMatch(/^sb_session=/);
    for (const evil of ['//evil.example/admin', 'https://evil.example/', '/\\evil.example']) {
      const response = await form(evil);
      expect(response.headers.get('location')).toBe('/admin');
    }
  });

  test('a wrong token at the login form gets 401 and no cookie', async () => {
    const json = await login('198.51.100.4', 'not-the-token');
    expect(json).toMatchObject({ status: 401, setCookie: null });
    const form = await t.anon('/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.4' },
      body: 'token=wrong',
    });
    expect(form.status).toBe(401);
    expect(form.headers.get('set-cookie')).toBeNull();
    expect(await form.text()).toContain('Wrong token.');
  });

  test('a login without a token is a 400 naming the field', async () => {
    const response = await t.anon('/admin/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.5' }, body: '{}' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid body: token is required (a string)', fields: ['token'] });
  });

  test('a made-up or tampered session cookie is refused', async () => {
    const { cookie } = await login('198.51.100.6');
    const tampered = `${cookie!.slice(0, -1)}${cookie!.endsWith('A') ? 'B' : 'A'}`;
    for (const value of [tampered, `sb_session=${ADMIN_TOKEN}`, 'sb_session=']) {
      const response = await t.anon('/api/events', { headers: { cookie: value } });
      expect(response.status).toBe(401);
    }
  });

  test('a wrong bearer token is refused even alongside a valid cookie', async () => {
    const { cookie } = await login('198.51.100.7');
    const response = await t.anon('/api/events', { headers: { cookie: cookie!, authorization: 'Bearer wrong', 'x-forwarded-for': '198.51.100.7' } });
    expect(response.status).toBe(401);
  });

  test('logout ends the session: the same cookie is refused afterwards', async () => {
    const { cookie } = await login('198.51.100.8');
    expect((await t.anon('/api/events', { headers: { cookie: cookie! } })).status).toBe(200);
    const out = await t.anon('/admin/logout', { method: 'POST', headers: { cookie: cookie!, 'sec-fetch-site': 'same-origin' } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^sb_session=; .*Expires=Thu, 01 Jan 1970/);
    expect((await t.anon('/api/events', { headers: { cookie: cookie! } })).status).toBe(401);
  });

  test('failed logins are limited per IP: after 10 failures even the right token gets 429, other IPs are unaffected', async () => {
    const ip = '192.0.2.50';
    for (let i = 0; i < 10; i++) expect((await login(ip, `wrong-${i}`)).status).toBe(401);
    const blocked = await t.anon('/admin/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.headers.get('set-cookie')).toBeNull();
    expect((await login('192.0.2.51')).status).toBe(200);
  });

  test('wrong bearer tokens count too: after 10 the IP gets 429 even with the right token, while other IPs are unaffected', async () => {
    const ip = '192.0.2.70';
    const bearer = (token: string) => t.anon('/api/events', { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip } });
    for (let i = 0; i < 10; i++) expect((await bearer(`guess-${i}`)).status).toBe(401);
    const blocked = await bearer(ADMIN_TOKEN);
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toEqual({ error: expect.stringMatching(/^too many failed logins; retry in \d+ s$/) });
    expect((await login(ip)).status).toBe(429);
    expect((await t.anon('/api/events', { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-forwarded-for': '192.0.2.71' } })).status).toBe(200);
  });

  test('a successful login clears the IP’s earlier failures', async () => {
    const ip = '192.0.2.60';
    for (let i = 0; i < 9; i++) expect((await login(ip, 'wrong')).status).toBe(401);
    expect((await login(ip)).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await login(ip, 'wrong')).status).toBe(401);
    expect((await login(ip)).status).toBe(200);
  });
});

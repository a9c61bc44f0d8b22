import { ADMIN_TOKEN, seedEvent, startTestConsole, type TestConsole } from './helpers.ts';

let t: TestConsole;
/** A console reached over TLS through a proxy Express does not trust: only CONSOLE_PUBLIC_URL says so. */
let tls: TestConsole;

beforeAll(async () => {
  t = await startTestConsole();
  tls = await startTestConsole({ TRUST_PROXY: '', CONSOLE_PUBLIC_URL: 'https://ops.example.com' });
});

afterAll(async () => {
  await Promise.all([t?.close(), tls?.close()]);
});

async function login(c: TestConsole): Promise<{ cookie: string; setCookie: string }> {
  const response = await c.anon('/admin/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
  expect(response.status).toBe(200);
  const setCookie = response.headers.get('set-cookie')!;
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

describe('cookie-authenticated writes come from the console itself (CSRF)', () => {
  test.each([
    ['another site\'s Origin', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['a same-origin Sec-Fetch-Site beside a foreign Origin', { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }],
    ['neither header (not a browser: scripts use the bearer token)', {}],
  ])('a replay with the session cookie and %s is 403 and replays nothing', async (_what, headers: Record<string, string>) => {
    const { cookie } = await login(t);
    const event = await seedEvent(t.db);
    const response = await t.anon(`/api/events/${event.id}/replay`, { method: 'POST', headers: { cookie, ...headers } });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/cross-site request refused|needs the browser's Origin/) });
    expect((await t.db.rawEvent.findUniqueOrThrow({ where: { id: event.id } })).replayCount).toBe(0);
  });

  test('from the console\'s own page (its Origin, or Sec-Fetch-Site: same-origin) the replay goes through', async () => {
    const { cookie } = await login(t);
    const event = await seedEvent(t.db);
    const own = new URL(t.console.url).origin;
    expect((await t.anon(`/api/events/${event.id}/replay`, { method: 'POST', headers: { cookie, origin: own } })).status).toBe(202);
    expect((await t.anon(`/api/events/${event.id}/replay`, { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin' } })).status).toBe(202);
    expect((await t.db.rawEvent.findUniqueOrThrow({ where: { id: event.id } })).replayCount).toBe(2);
  });

  test('reads with the cookie, and bearer-token writes, are not affected', async () => {
    const { cookie } = await login(t);
    expect((await t.anon('/api/events', { headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    const event = await seedEvent(t.db);
    expect((await t.api(`/api/events/${event.id}/replay`, { method: 'POST', headers: { origin: 'https://evil.example' } })).status).toBe(202);
  });

  test('another site cannot sign the operator out', async () => {
    const { cookie } = await login(t);
    expect((await t.anon('/admin/logout', { method: 'POST', headers: { cookie, origin: 'https://evil.example' } })).status).toBe(403);
    expect((await t.anon('/api/events', { headers: { cookie } })).status).toBe(200);
  });
});

describe('behind a TLS proxy that Express does not trust (CONSOLE_PUBLIC_URL=https://…)', () => {
  test('the session cookie is still Secure', async () => {
    const { setCookie } = await login(tls);
    expect(setCookie).toMatch(/; Secure/);
  });

  test('the Origin a write must carry is CONSOLE_PUBLIC_URL\'s', async () => {
    const { cookie } = await login(tls);
    const event = await seedEvent(tls.db);
    expect((await tls.anon(`/api/events/${event.id}/replay`, { method: 'POST', headers: { cookie, origin: new URL(tls.console.url).origin } })).status).toBe(403);
    expect((await tls.anon(`/api/events/${event.id}/replay`, { method: 'POST', headers: { cookie, origin: 'https://ops.example.com' } })).status).toBe(202);
  });
});

describe('errors are JSON with their own 4xx', () => {
  test('GET /api/events/%E0 (not valid percent-encoding) is a JSON 400, not a 500', async () => {
    const response = await t.api('/api/events/%E0');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: "Failed to decode param '%E0'" });
  });
});

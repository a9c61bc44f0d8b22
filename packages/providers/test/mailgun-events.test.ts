import { createHmac } from 'node:crypto';
import type { RawEventPayload } from '@switchboard/events';
import { emailEventSchema } from '@switchboard/events';
import { mailgunEvents, normalizeEvent, unsubscribe, unsubscribeToken, verifyUnsubscribeToken, type IngestRequest } from '@switchboard/providers';

const signingKey = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';

/** Mailgun's documented webhook example (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks). */
const DOCUMENTED = {
  signature: { timestamp: '1529006854', token: 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0', signature: 'd2271d12299f6592d9d44cd9d250f0704e4674c30d79d07c47a66f95ce71cf55' },
  'event-data': { event: 'opened', timestamp: 1529006854.329574, id: 'DACSsAdVSeGpLid7TN03WA' },
};
const documentedNow = new Date(1529006854 * 1000 + 30_000);

/** Mailgun's documented algorithm, written independently of the code under test. */
const sign = (timestamp: string, token: string, key = signingKey) => createHmac('sha256', key).update(timestamp + token).digest('hex');

function request(body: unknown, now = documentedNow, url = 'https://hooks.example.com/webhooks/mailgun/events'): IngestRequest {
  return { url, path: new URL(url).pathname, headers: { 'content-type': 'application/json' }, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), remoteIp: '127.0.0.1', now };
}

function stored(body: unknown, dedupKey = 'event.x', provider: RawEventPayload['provider'] = 'mailgun-events', url = 'https://hooks.example.com/webhooks/mailgun/events'): RawEventPayload {
  return {
    provider, dedupKey, route: '/webhooks/mailgun/events', url, receivedAt: '2026-11-29T10:00:00.000Z', remoteIp: '127.0.0.1', contentType: 'application/json', headers: {},
    body: typeof body === 'string' ? body : JSON.stringify(body), bodyEncoding: 'utf8',
  };
}

describe('Mailgun event webhooks: accept', () => {
  const provider = mailgunEvents();
  const secrets = { signingKey };

  test("Mailgun's documented example, signed as Mailgun signs, is accepted, keyed on its event id, its token single-use", () => {
    const body = { ...DOCUMENTED, signature: { ...DOCUMENTED.signature, signature: sign(DOCUMENTED.signature.timestamp, DOCUMENTED.signature.token) } };
    expect(provider.accept(request(body), secrets)).toEqual({
      ok: true, dedupKey: 'event.DACSsAdVSeGpLid7TN03WA', fields: { eventId: 'DACSsAdVSeGpLid7TN03WA' }, replayToken: DOCUMENTED.signature.token, bodyContentType: 'application/json',
    });
  });

  test("the documented signature is refused under any other key (Mailgun does not publish the key that made it)", () => {
    expect(provider.accept(request(DOCUMENTED), secrets)).toEqual({ ok: false, reason: 'forbidden', error: 'invalid Mailgun signature' });
  });

  test('an old timestamp is refused even with a good signature', () => {
    const body = { ...DOCUMENTED, signature: { ...DOCUMENTED.signature, signature: sign(DOCUMENTED.signature.timestamp, DOCUMENTED.signature.token) } };
    expect(provider.accept(request(body, new Date(1529006854 * 1000 + 6 * 60_000)), secrets)).toMatchObject({ ok: false, reason: 'forbidden', error: expect.stringMatching(/5 minutes/) });
  });

  test('a body that is not JSON, or lacks event-data, is 400 naming the fields; a missing signature is 401', () => {
    expect(provider.accept(request('not json'), secrets)).toMatchObject({ ok: false, reason: 'invalid', fields: ['signature', 'event-data'] });
    const signature = { timestamp: '1529006854', token: 't'.repeat(50), signature: sign('1529006854', 't'.repeat(50)) };
    expect(provider.accept(request({ signature, 'event-data': { event: 'opened' } }), secrets)).toMatchObject({ ok: false, reason: 'invalid', fields: ['event-data.id'] });
    expect(provider.accept(request({ 'event-data': DOCUMENTED['event-data'] }), secrets)).toMatchObject({ ok: false, reason: 'unauthorized' });
  });
});

describe('Mailgun event webhooks: normalize', () => {
  test('a permanent bounce: Message-Id without brackets, the user variable, the SMTP code and message', () => {
    const event = normalizeEvent(stored({
      signature: {},
      'event-data': {
        id: 'G9Bn5sl1TC6nu79C8C0bwg', event: 'failed', severity: 'permanent', reason: 'bounce', timestamp: 1764410400.5, recipient: 'Alice@Example.org',
        'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist', description: '' },
        message: { headers: { 'message-id': '<0192f0c4-0000-7000-8000-000000000001.0@mg.example.com>' } },
        'user-variables': { campaignId: 'x', campaignMessageId: '0192F0C4-0000-7000-8000-000000000001' },
      },
    }));
    expect(emailEventSchema.parse(event)).toEqual({
      kind: 'email-event', id: 'G9Bn5sl1TC6nu79C8C0bwg', event: 'failed', severity: 'permanent', recipient: 'alice@example.org',
      messageId: '0192f0c4-0000-7000-8000-000000000001.0@mg.example.com', campaignMessageId: '0192f0c4-0000-7000-8000-000000000001',
      errorCode: 550, errorMessage: '5.1.1 The email account that you tried to reach does not exist', occurredAt: new Date(1764410400500).toISOString(),
    });
  });

  test("the documented example normalizes; a user variable that is not a uuid is ignored", () => {
    const event = normalizeEvent(stored({ ...DOCUMENTED, 'event-data': { ...DOCUMENTED['event-data'], 'user-variables': { campaignMessageId: "1' OR 1=1" } } }));
    expect(event).toMatchObject({ kind: 'email-event', id: 'DACSsAdVSeGpLid7TN03WA', event: 'opened', messageId: null, campaignMessageId: null, occurredAt: '2018-06-14T20:07:34.329Z' });
  });
});

describe('one-click unsubscribe tokens', () => {
  const secret = 'unsubscribe-secret-for-tests-0123456789abcdef';
  const id = '0192f0c4-0000-7000-8000-00000000abcd';

  test('a token names its message and verifies; changed in any way, or under another secret, it does not', () => {
    const token = unsubscribeToken(secret, id);
    expect(token).toMatch(/^[0-9a-f]{32}\.[A-Za-z0-9_-]{22}$/);
    expect(verifyUnsubscribeToken(secret, token)).toEqual({ ok: true, campaignMessageId: id });
    const otherMessage = token.replace(/^./, token[0] === '0' ? '1' : '0');
    expect(verifyUnsubscribeToken(secret, otherMessage)).toEqual({ ok: false, error: 'invalid unsubscribe token' });
    expect(verifyUnsubscribeToken(`${secret}x`, token)).toEqual({ ok: false, error: 'invalid unsubscribe token' });
    expect(verifyUnsubscribeToken(secret, `${token}x`)).toEqual({ ok: false, error: 'malformed unsubscribe token' });
  });

  test('the route verifies the token from the URL it was posted to, and keys one opt-out per message', () => {
    const provider = unsubscribe();
    const url = `https://hooks.example.com/webhooks/unsubscribe/${unsubscribeToken(secret, id)}`;
    const accepted = provider.accept(request('List-Unsubscribe=One-Click', new Date(), url), { secret });
    expect(accepted).toEqual({ ok: true, dedupKey: `unsubscribe.${id}`, fields: { campaignMessageId: id } });
    expect(provider.accept(request('List-Unsubscribe=One-Click', new Date(), url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))), { secret })).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(provider.acceptUnsigned(request('', new Date(), url))).toMatchObject({ ok: false, reason: 'not_configured' });
    expect(normalizeEvent(stored('List-Unsubscribe=One-Click', `unsubscribe.${id}`, 'unsubscribe', url))).toMatchObject({ kind: 'email-event', id: `one-click.${id}`, event: 'unsubscribed', campaignMessageId: id });
  });
});

import type { RawEventPayload } from '@switchboard/events';
import { inboundMessageSchema } from '@switchboard/events';
import { ipAllowlist, normalizeBridgeMessage, normalizeEvent, parseBridgeTimestamp, signStandardWebhook, whatsappBridge, type IngestRequest } from '@switchboard/providers';

const secret = 'bridge-secret-7f3a9c';
const now = new Date('2026-11-23T10:00:00.000Z');
const nowSec = Math.floor(now.getTime() / 1000);

/** A message as the group bridge posts it. */
const bridgeEvent = {
  source: 'whatsapp-web.js',
  type: 'chat',
  group: 'Clients VIP',
  author: '33612345678@c.us',
  content: 'Bonjour à tous, la promo de ce week-end est toujours valable ? 🎉',
  timestamp: 1795424400,
  messageId: 'false_120363012345678901@g.us_3EB0C431C8A2F1D5B6E7',
};
const body = JSON.stringify(bridgeEvent);

function request(headers: Record<string, string>, payload: string = body, remoteIp = '10.0.0.5'): IngestRequest {
  return {
    url: 'https://hooks.example.com/webhooks/whatsapp-bridge',
    path: '/webhooks/whatsapp-bridge',
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(payload),
    remoteIp,
    now,
  };
}

const withSecret = { 'x-bridge-secret': secret };

describe('WhatsApp bridge: accept', () => {
  const provider = whatsappBridge({ allowedIps: ['10.0.0.0/8', '2001:db8::/32'] });
  const secrets = { secret };

  test('an event with the shared secret is accepted, its messageId the dedup key', () => {
    expect(provider.accept(request(withSecret), secrets)).toEqual({ ok: true, dedupKey: bridgeEvent.messageId, fields: { messageId: bridgeEvent.messageId } });
  });

  test('the same messageId sent again gets the same dedup key', () => {
    const again = request(withSecret, JSON.stringify({ ...bridgeEvent, content: 'edited' }));
    expect(provider.accept(again, secrets)).toMatchObject({ ok: true, dedupKey: bridgeEvent.messageId });
  });

  test('a wrong shared secret is forbidden; none at all is unauthorized', () => {
    expect(provider.accept(request({ 'x-bridge-secret': `${secret}-nope` }), secrets)).toEqual({ ok: false, reason: 'forbidden', error: 'invalid X-Bridge-Secret' });
    expect(provider.accept(request({}), secrets)).toMatchObject({ ok: false, reason: 'unauthorized' });
  });

  test('a Standard Webhooks signature made with the bridge secret is accepted; a tampered one is forbidden', () => {
    const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(nowSec), 'webhook-signature': signStandardWebhook({ secret, id: 'evt_1', timestamp: nowSec, body }) };
    expect(provider.accept(request(headers), secrets)).toMatchObject({ ok: true, dedupKey: bridgeEvent.messageId });
    expect(provider.accept(request(headers, body.replace('promo', 'PROMO')), secrets)).toMatchObject({ ok: false, reason: 'forbidden', error: 'invalid webhook-signature' });
    const stale = { ...headers, 'webhook-timestamp': String(nowSec - 600), 'webhook-signature': signStandardWebhook({ secret, id: 'evt_1', timestamp: nowSec - 600, body }) };
    expect(provider.accept(request(stale), secrets)).toMatchObject({ ok: false, reason: 'forbidden', error: 'webhook-timestamp is too old' });
  });

  test('an address outside the allowlist is forbidden, even with the right secret', () => {
    expect(provider.accept(request(withSecret, body, '192.0.2.10'), secrets)).toEqual({ ok: false, reason: 'forbidden', error: 'remote address not in WHATSAPP_BRIDGE_ALLOWED_IPS' });
  });

  test('the allowlist is enforced without signatures too (it is not a signature)', () => {
    expect(provider.acceptUnsigned(request({}, body, '192.0.2.10'))).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(provider.acceptUnsigned(request({}, body, '10.9.9.9'))).toMatchObject({ ok: true });
  });

  test('IPv4-mapped IPv6 and IPv6 addresses match their ranges', () => {
    expect(provider.accept(request(withSecret, body, '::ffff:10.0.0.5'), secrets)).toMatchObject({ ok: true });
    expect(provider.accept(request(withSecret, body, '2001:db8:1::7'), secrets)).toMatchObject({ ok: true });
    expect(provider.accept(request(withSecret, body, '2001:db9::7'), secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(provider.accept(request(withSecret, body, '::ffff:192.0.2.10'), secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  test('without an allowlist any address is accepted', () => {
    expect(whatsappBridge().accept(request(withSecret, body, '198.51.100.1'), secrets)).toMatchObject({ ok: true });
  });

  test('missing fields are named', () => {
    const { group: _g, messageId: _m, ...rest } = bridgeEvent;
    expect(provider.accept(request(withSecret, JSON.stringify({ ...rest, author: '' })), secrets)).toEqual({
      ok: false,
      reason: 'invalid',
      error: 'missing required fields: group, author, messageId',
      fields: ['group', 'author', 'messageId'],
    });
  });

  test('an empty content (a media-only message) is accepted', () => {
    expect(provider.accept(request(withSecret, JSON.stringify({ ...bridgeEvent, content: '' })), secrets)).toMatchObject({ ok: true });
  });

  test('a timestamp in none of the three formats is invalid', () => {
    for (const timestamp of ['yesterday', '2026-11-23 10:00', '2026-11-23T10:00:00', -5, true]) {
      expect(provider.accept(request(withSecret, JSON.stringify({ ...bridgeEvent, timestamp })), secrets)).toMatchObject({ ok: false, reason: 'invalid', fields: ['timestamp'] });
    }
  });

  test('fields of the wrong type are invalid, and so are bodies that are not JSON objects', () => {
    expect(provider.accept(request(withSecret, JSON.stringify({ ...bridgeEvent, content: { text: 'hi' } })), secrets)).toMatchObject({ ok: false, reason: 'invalid', fields: ['content'] });
    expect(provider.accept(request(withSecret, '{nope'), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'body is not valid JSON', fields: [] });
    expect(provider.accept(request(withSecret, '[1]'), secrets)).toMatchObject({ ok: false, reason: 'invalid', error: 'body is not a JSON object' });
  });

  test('an invalid allowlist entry stops the provider from being built', () => {
    expect(() => whatsappBridge({ allowedIps: ['10.0.0.0/33'] })).toThrow('invalid IP address or CIDR range in the allowlist: "10.0.0.0/33"');
    expect(() => ipAllowlist(['not-an-ip'])).toThrow(/not-an-ip/);
  });
});

describe('WhatsApp bridge: timestamps', () => {
  test('epoch seconds, epoch milliseconds and ISO 8601 give the same instant', () => {
    const expected = '2026-11-23T09:00:00.000Z';
    expect(parseBridgeTimestamp(1795424400)?.toISOString()).toBe(expected);
    expect(parseBridgeTimestamp('1795424400')?.toISOString()).toBe(expected);
    expect(parseBridgeTimestamp(1795424400000)?.toISOString()).toBe(expected);
    expect(parseBridgeTimestamp('2026-11-23T10:00:00+01:00')?.toISOString()).toBe(expected);
    expect(parseBridgeTimestamp('2026-11-23T09:00:00.000Z')?.toISOString()).toBe(expected);
  });
});

describe('WhatsApp bridge: normalize', () => {
  function rawEvent(payload: Record<string, unknown>): RawEventPayload {
    return {
      provider: 'whatsapp-bridge',
      dedupKey: String(payload.messageId),
      route: '/webhooks/whatsapp-bridge',
      url: 'https://hooks.example.com/webhooks/whatsapp-bridge',
      receivedAt: now.toISOString(),
      contentType: 'application/json',
      headers: {},
      body: JSON.stringify(payload),
      bodyEncoding: 'utf8',
    };
  }

  test('a group message becomes the seed shape: whatsapp-group source, E.164 author, group data, sentAt in ISO', () => {
    const message = normalizeBridgeMessage(rawEvent(bridgeEvent));
    expect(inboundMessageSchema.parse(message)).toEqual(message);
    expect(message).toEqual({
      kind: 'message',
      source: 'whatsapp-group',
      externalId: bridgeEvent.messageId,
      sender: '+33612345678',
      recipient: null,
      content: bridgeEvent.content,
      campaignId: null,
      receivedAt: now.toISOString(),
      extractedData: { group: 'Clients VIP', type: 'chat', bridgeSource: 'whatsapp-web.js', sentAt: '2026-11-23T09:00:00.000Z' },
      rawData: bridgeEvent,
    });
    expect(normalizeEvent(rawEvent(bridgeEvent))).toEqual(message);
  });

  test('a phone-number author is made E.164; a display name is kept as sent', () => {
    expect(normalizeBridgeMessage(rawEvent({ ...bridgeEvent, author: '+33 6 12 34 56 78' })).sender).toBe('+33612345678');
    expect(normalizeBridgeMessage(rawEvent({ ...bridgeEvent, author: '06 12 34 56 78' }), { defaultCountry: 'FR' }).sender).toBe('+33612345678');
    expect(normalizeBridgeMessage(rawEvent({ ...bridgeEvent, author: 'Élodie M.' })).sender).toBe('Élodie M.');
  });
});

import { createHash } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { verifySignature } from '@vonage/jwt';
import { inboundMessageSchema, statusUpdateSchema, type RawEventPayload } from '@switchboard/events';
import {
  normalizeEvent,
  verifyVonageRequest,
  verifyVonageToken,
  vonageInbound,
  vonageStatus,
  VONAGE_MAX_AGE_SEC,
  type IngestRequest,
} from '@switchboard/providers';
import { vonageWebhookToken } from '@switchboard/testing';
import { vonageInboundSms, vonageInboundWhatsapp, vonageStatusBody } from './fixtures/vonage.ts';

const secret = 'vonage-signature-secret-0123456789abcdef';
const now = new Date('2026-11-23T10:00:00.000Z');
const nowSec = Math.floor(now.getTime() / 1000);

function request(path: string, body: unknown, token?: string): IngestRequest {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    url: `https://hooks.example.com${path}`,
    path,
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: bytes,
    remoteIp: '127.0.0.1',
    now,
  };
}

const signed = (path: string, body: unknown, options: Parameters<typeof vonageWebhookToken>[2] = {}) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return request(path, text, vonageWebhookToken(secret, text, { iat: nowSec - 2, ...options }));
};

function rawEvent(provider: 'vonage-inbound' | 'vonage-status', body: unknown): RawEventPayload {
  return {
    provider,
    dedupKey: 'k',
    route: `/webhooks/${provider.replace('-', '/')}`,
    url: 'https://hooks.example.com/webhooks/vonage/inbound',
    receivedAt: now.toISOString(),
    contentType: 'application/json',
    headers: {},
    body: JSON.stringify(body),
    bodyEncoding: 'utf8',
  };
}

describe('Vonage signed webhooks: the token', () => {
  // The HS256 vector of Vonage's Python SDK (jwt/tests/test_verify_jwt.py): signed with this
  // secret by a third-party JWT builder, verified by Vonage's own verify_signature.
  const sdkToken =
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIiLCJpYXQiOjE2OTc2MzQ2ODAsImV4cCI6MzMyNTQ1NDA4MjgsImF1ZCI6IiIsInN1YiI6IiJ9.88vJc3I2HhuqEDixHXVhc9R30tA6U_HQHZTC29y6CGM';

  test("the Vonage SDK's test vector verifies with its secret and not with another", () => {
    expect(verifyVonageToken(sdkToken, 'qwertyuiopasdfghjklzxcvbnm123456', now)).toMatchObject({ ok: true, claims: { iat: 1697634680, iss: 'Online JWT Builder' } });
    expect(verifyVonageToken(sdkToken, 'asdf', now)).toEqual({ ok: false, error: 'invalid Vonage signature: invalid signature' });
  });

  test('the SDK vector is still refused as a webhook: it is years old and names no payload_hash', () => {
    const outcome = verifyVonageRequest(`Bearer ${sdkToken}`, Buffer.from('{}'), 'qwertyuiopasdfghjklzxcvbnm123456', now);
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/^stale Vonage signature: issued \d+ s ago/) });
  });

  test("our independent encoder's tokens verify with @vonage/jwt's verifySignature, and a tampered one does not", () => {
    const token = vonageWebhookToken(secret, '{"a":1}', { iat: nowSec });
    expect(verifySignature(token, secret)).toBe(true);
    expect(verifySignature(token, `${secret}x`)).toBe(false);
    const [header, , signature] = token.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ iat: nowSec, payload_hash: '0'.repeat(64) })).toString('base64url');
    expect(verifySignature(`${header}.${forgedClaims}.${signature}`, secret)).toBe(false);
  });

  test('a token signed by jsonwebtoken (the library under @vonage/jwt) verifies, like our own encoder', () => {
    const body = Buffer.from('{"message_uuid":"x"}');
    const payload_hash = createHash('sha256').update(body).digest('hex');
    const token = jsonwebtoken.sign({ iat: nowSec, jti: 'j', iss: 'Vonage', payload_hash, api_key: 'k', application_id: 'a' }, secret, { algorithm: 'HS256' });
    expect(verifyVonageRequest(`Bearer ${token}`, body, secret, now)).toMatchObject({ ok: true, claims: { payload_hash } });
  });

  test('a token with alg none, or signed HS512, is refused whatever it claims', () => {
    const body = Buffer.from('{}');
    const payload_hash = createHash('sha256').update(body).digest('hex');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iat: nowSec, payload_hash })).toString('base64url')}.`;
    expect(verifyVonageRequest(`Bearer ${none}`, body, secret, now)).toMatchObject({ ok: false });
    const hs512 = jsonwebtoken.sign({ iat: nowSec, payload_hash }, secret, { algorithm: 'HS512' });
    expect(verifyVonageRequest(`Bearer ${hs512}`, body, secret, now)).toEqual({ ok: false, error: 'invalid Vonage signature: invalid algorithm' });
  });

  test(`iat is fresh up to ${VONAGE_MAX_AGE_SEC} s old and 60 s ahead, and refused past either`, () => {
    const body = Buffer.from('{}');
    const at = (iat: number) => verifyVonageRequest(`Bearer ${vonageWebhookToken(secret, body, { iat })}`, body, secret, now);
    expect(at(nowSec - VONAGE_MAX_AGE_SEC)).toMatchObject({ ok: true });
    expect(at(nowSec + 60)).toMatchObject({ ok: true });
    expect(at(nowSec - VONAGE_MAX_AGE_SEC - 1)).toEqual({ ok: false, error: `stale Vonage signature: issued ${VONAGE_MAX_AGE_SEC + 1} s ago (at most ${VONAGE_MAX_AGE_SEC} s)` });
    expect(at(nowSec + 61)).toEqual({ ok: false, error: 'Vonage signature issued 61 s in the future' });
  });

  test('an expired token (exp before the injected clock) is refused', () => {
    const body = Buffer.from('{}');
    const token = vonageWebhookToken(secret, body, { iat: nowSec - 10, claims: { exp: nowSec - 1 } });
    expect(verifyVonageRequest(`Bearer ${token}`, body, secret, now)).toEqual({ ok: false, error: 'invalid Vonage signature: jwt expired' });
  });
});

describe('Vonage inbound: accept', () => {
  const provider = vonageInbound();
  const secrets = { signatureSecret: secret };
  const path = '/webhooks/vonage/inbound';

  test('a signed SMS is accepted, keyed by its message_uuid', () => {
    const body = vonageInboundSms();
    expect(provider.accept(signed(path, body), secrets)).toEqual({ ok: true, dedupKey: body.message_uuid, fields: { messageUuid: body.message_uuid }, bodyContentType: 'application/json' });
  });

  test('a body changed after signing (payload_hash no longer matches) is refused', () => {
    const text = JSON.stringify(vonageInboundSms());
    const token = vonageWebhookToken(secret, text, { iat: nowSec });
    const tampered = text.replace('Hello From Vonage!', 'STOP');
    expect(provider.accept(request(path, tampered, token), secrets)).toEqual({ ok: false, reason: 'unauthorized', error: 'payload_hash does not match the body' });
  });

  test('no token, another secret, or a token without payload_hash is refused as unauthorized', () => {
    const body = vonageInboundSms();
    expect(provider.accept(request(path, body), secrets)).toEqual({ ok: false, reason: 'unauthorized', error: 'missing Authorization: Bearer token' });
    const other = request(path, body, vonageWebhookToken('another-secret-another-secret-0000', JSON.stringify(body), { iat: nowSec }));
    expect(provider.accept(other, secrets)).toEqual({ ok: false, reason: 'unauthorized', error: 'invalid Vonage signature: invalid signature' });
    const noHash = request(path, body, vonageWebhookToken(secret, JSON.stringify(body), { iat: nowSec, claims: { payload_hash: undefined } }));
    expect(provider.accept(noHash, secrets)).toEqual({ ok: false, reason: 'unauthorized', error: 'invalid Vonage signature: the token has no payload_hash' });
  });

  test('a signed body without message_uuid, or of another channel, is refused naming the field', () => {
    const { message_uuid: _uuid, ...partial } = vonageInboundSms();
    expect(provider.accept(signed(path, partial), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'missing or invalid fields: message_uuid', fields: ['message_uuid'] });
    expect(provider.accept(signed(path, vonageInboundSms({ channel: 'viber_service' })), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'missing or invalid fields: channel', fields: ['channel'] });
    expect(provider.accept(signed(path, 'not json'), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'body is not valid JSON', fields: [] });
    expect(provider.accept(signed(path, '[1]'), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'body is not a JSON object', fields: [] });
  });
});

describe('Vonage status: accept', () => {
  const provider = vonageStatus();
  const secrets = { signatureSecret: secret };
  const path = '/webhooks/vonage/status';

  test('each status of a message is its own event: message_uuid.status', () => {
    const body = vonageStatusBody({ status: 'submitted' });
    expect(provider.accept(signed(path, body), secrets)).toMatchObject({ ok: true, dedupKey: `${body.message_uuid}.submitted` });
  });

  test('an unknown status is refused naming it', () => {
    expect(provider.accept(signed(path, vonageStatusBody({ status: 'teleported' })), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'missing or invalid fields: status', fields: ['status'] });
  });
});

describe('Vonage: normalize', () => {
  test('an inbound SMS: source sms, numbers in E.164, the text', () => {
    const message = normalizeEvent(rawEvent('vonage-inbound', vonageInboundSms()));
    expect(inboundMessageSchema.parse(message)).toMatchObject({
      kind: 'message',
      source: 'sms',
      externalId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab',
      sender: '+447700900001',
      recipient: '+447700900000',
      content: 'Hello From Vonage!',
      campaignId: null,
      receivedAt: now.toISOString(),
      extractedData: { channel: 'sms', messageType: 'text', sentAt: '2026-11-23T09:59:58Z', sms: { num_messages: '1', keyword: 'HELLO', count_total: '1' } },
    });
  });

  test('a WhatsApp image: source whatsapp, the caption as content, the media recorded by URL, the profile name', () => {
    const body = vonageInboundWhatsapp({ message_type: 'image', text: undefined, image: { url: 'https://api-eu.nexmo.com/v3/media/1234', caption: 'Mon devis signé' } });
    const message = normalizeEvent(rawEvent('vonage-inbound', body));
    expect(message).toMatchObject({
      source: 'whatsapp',
      sender: '+33612345678',
      content: 'Mon devis signé',
      extractedData: { channel: 'whatsapp', messageType: 'image', profileName: 'Jane Smith', media: [{ type: 'image', url: 'https://api-eu.nexmo.com/v3/media/1234', caption: 'Mon devis signé', name: null }] },
    });
  });

  test('a WhatsApp interactive reply and a quick-reply button read as what was tapped', () => {
    const reply = normalizeEvent(rawEvent('vonage-inbound', vonageInboundWhatsapp({ message_type: 'reply', text: undefined, reply: { id: 'row1', title: 'Rappelez-moi' }, context: { message_uuid: 'prev-uuid' } })));
    expect(reply).toMatchObject({ content: 'Rappelez-moi', extractedData: { reply: { id: 'row1', title: 'Rappelez-moi' }, inReplyTo: 'prev-uuid' } });
    const button = normalizeEvent(rawEvent('vonage-inbound', vonageInboundWhatsapp({ message_type: 'button', text: undefined, button: { payload: 'stop-payload', text: 'STOP' } })));
    expect(button).toMatchObject({ content: 'STOP' });
  });

  test('a WhatsApp location has no text and keeps its coordinates', () => {
    const message = normalizeEvent(rawEvent('vonage-inbound', vonageInboundWhatsapp({ message_type: 'location', text: undefined, location: { lat: 48.8584, long: 2.2945, name: 'Tour Eiffel' } })));
    expect(message).toMatchObject({ content: '', extractedData: { location: { latitude: 48.8584, longitude: 2.2945, name: 'Tour Eiffel' } } });
  });

  test.each([
    ['submitted', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['rejected', 'failed'],
    ['undeliverable', 'undelivered'],
  ])('status %s is %s on the status machine, keyed by message_uuid', (vonage, ours) => {
    const update = normalizeEvent(rawEvent('vonage-status', vonageStatusBody({ status: vonage })));
    expect(statusUpdateSchema.parse(update)).toEqual({
      kind: 'status',
      providerMessageId: 'cccccccc-dddd-4eee-8fff-0123456789ab',
      status: ours,
      errorCode: null,
      errorMessage: null,
      recipient: '+447700900001',
      channel: 'sms',
      receivedAt: now.toISOString(),
    });
  });

  test('a failed status carries the code from error.title (a number or digits), else from the type link', () => {
    const rejected = (error: Record<string, unknown>) => normalizeEvent(rawEvent('vonage-status', vonageStatusBody({ status: 'rejected', channel: 'whatsapp', error })));
    expect(rejected({ type: 'https://developer.vonage.com/api-errors/messages#1320', title: 1320, detail: 'Message failed because the recipient is not a WhatsApp user' })).toMatchObject({
      status: 'failed',
      channel: 'whatsapp',
      errorCode: 1320,
      errorMessage: 'Message failed because the recipient is not a WhatsApp user',
    });
    expect(rejected({ type: 'https://developer.vonage.com/api-errors/messages#1000', title: '1000' })).toMatchObject({ errorCode: 1000, errorMessage: null });
    expect(rejected({ type: 'https://developer.vonage.com/api-errors/messages#1170', title: 'Invalid or missing MSISDN' })).toMatchObject({ errorCode: 1170, errorMessage: 'Invalid or missing MSISDN' });
  });
});

import { createHash } from 'node:crypto';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import type { RawEventPayload } from '@switchboard/events';
import { statusUpdateSchema } from '@switchboard/events';
import { normalizeEvent, normalizeTwilioStatus, twilioStatus, type IngestRequest } from '@switchboard/providers';
import { formBody, twilioStatusCallback, twilioWhatsappFailed } from './fixtures/twilio.ts';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };
const token = 'f00dbabef00dbabef00dbabef00dbabe';
const url = 'https://hooks.example.com/webhooks/twilio/status';

function request(params: Record<string, string>, headers: Record<string, string> = {}): IngestRequest {
  return {
    url,
    path: '/webhooks/twilio/status',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(token, url, params), ...headers },
    body: Buffer.from(formBody(params)),
    remoteIp: '127.0.0.1',
    now: new Date('2026-11-23T10:00:00.000Z'),
  };
}

function rawEvent(params: Record<string, string>): RawEventPayload {
  return {
    provider: 'twilio-status',
    dedupKey: `${params.MessageSid}.${params.MessageStatus}`,
    route: '/webhooks/twilio/status',
    url,
    receivedAt: '2026-11-23T10:00:00.000Z',
    contentType: 'application/x-www-form-urlencoded',
    headers: {},
    body: formBody(params),
    bodyEncoding: 'utf8',
  };
}

describe('Twilio status: accept', () => {
  const provider = twilioStatus();
  const secrets = { authToken: token };

  test('a signed callback is accepted; its dedup key is MessageSid.MessageStatus', () => {
    expect(provider.accept(request(twilioStatusCallback), secrets)).toEqual({
      ok: true,
      dedupKey: `${twilioStatusCallback.MessageSid}.delivered`,
      fields: { messageSid: twilioStatusCallback.MessageSid, status: 'delivered' },
      bodyContentType: 'application/x-www-form-urlencoded',
    });
  });

  test('the same message with the next status is a new event, the same status again a duplicate', () => {
    const sent = provider.accept(request({ ...twilioStatusCallback, MessageStatus: 'sent' }), secrets);
    const delivered = provider.accept(request(twilioStatusCallback), secrets);
    const deliveredAgain = provider.accept(request(twilioStatusCallback), secrets);
    expect(sent.ok && delivered.ok && deliveredAgain.ok).toBe(true);
    if (sent.ok && delivered.ok && deliveredAgain.ok) {
      expect(sent.dedupKey).not.toBe(delivered.dedupKey);
      expect(deliveredAgain.dedupKey).toBe(delivered.dedupKey);
    }
  });

  test("Twilio's idempotency token (unsigned) does not change the dedup key", () => {
    expect(provider.accept(request(twilioStatusCallback, { 'i-twilio-idempotency-token': 'tok-42' }), secrets)).toMatchObject({ ok: true, dedupKey: `${twilioStatusCallback.MessageSid}.delivered` });
  });

  test('a missing signature is unauthorized, a tampered one forbidden', () => {
    const unsigned = request(twilioStatusCallback);
    delete unsigned.headers['x-twilio-signature'];
    expect(provider.accept(unsigned, secrets)).toMatchObject({ ok: false, reason: 'unauthorized' });
    const tampered = request(twilioStatusCallback);
    tampered.body = Buffer.from(formBody({ ...twilioStatusCallback, MessageStatus: 'read' }));
    expect(provider.accept(tampered, secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  test('missing MessageSid and MessageStatus are named', () => {
    const { MessageSid: _sid, MessageStatus: _status, ...rest } = twilioStatusCallback;
    expect(provider.accept(request(rest), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'missing required fields: MessageSid, MessageStatus', fields: ['MessageSid', 'MessageStatus'] });
  });

  test('the JSON-bodied variant (bodySHA256 in the URL) is verified and accepted', () => {
    const json = JSON.stringify(twilioStatusCallback);
    const jsonUrl = `${url}?bodySHA256=${createHash('sha256').update(json).digest('hex')}`;
    const req: IngestRequest = { ...request({}), url: jsonUrl, headers: { 'content-type': 'application/json', 'x-twilio-signature': getExpectedTwilioSignature(token, jsonUrl, {}) }, body: Buffer.from(json) };
    expect(provider.accept(req, secrets)).toMatchObject({ ok: true, dedupKey: `${twilioStatusCallback.MessageSid}.delivered` });
  });

  test('the reply is empty TwiML', () => {
    expect(provider.reply({ messageSid: 'SM1', status: 'sent' }, request(twilioStatusCallback))).toEqual({
      contentType: 'text/xml; charset=utf-8',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    });
  });
});

describe('Twilio status: normalize', () => {
  test('a delivered SMS becomes a status update with the recipient in E.164', () => {
    const update = normalizeTwilioStatus(rawEvent(twilioStatusCallback));
    expect(statusUpdateSchema.parse(update)).toEqual(update);
    expect(update).toEqual({
      kind: 'status',
      providerMessageId: twilioStatusCallback.MessageSid,
      status: 'delivered',
      errorCode: null,
      errorMessage: null,
      recipient: '+33612345678',
      channel: 'sms',
      receivedAt: '2026-11-23T10:00:00.000Z',
    });
    expect(normalizeEvent(rawEvent(twilioStatusCallback))).toEqual(update);
  });

  test('an undelivered WhatsApp message keeps its error code as a number and its channel', () => {
    expect(normalizeTwilioStatus(rawEvent(twilioWhatsappFailed))).toMatchObject({
      status: 'undelivered',
      errorCode: 63016,
      errorMessage: twilioWhatsappFailed.ErrorMessage,
      recipient: '+33612345678',
      channel: 'whatsapp',
    });
  });

  test('a status in capitals is lower-cased', () => {
    expect(normalizeTwilioStatus(rawEvent({ ...twilioStatusCallback, MessageStatus: 'READ' })).status).toBe('read');
  });

  test('an unknown status throws a clear error', () => {
    expect(() => normalizeTwilioStatus(rawEvent({ ...twilioStatusCallback, MessageStatus: 'teleported' }))).toThrow(
      `unknown Twilio message status "teleported" for ${twilioStatusCallback.MessageSid}`,
    );
  });

  test('an ErrorCode that is not a number is null', () => {
    expect(normalizeTwilioStatus(rawEvent({ ...twilioWhatsappFailed, ErrorCode: 'n/a' })).errorCode).toBeNull();
  });
});

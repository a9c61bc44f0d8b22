import webhooks from 'twilio/lib/webhooks/webhooks.js';
import type { RawEventPayload } from '@switchboard/events';
import { inboundMessageSchema } from '@switchboard/events';
import { createHash } from 'node:crypto';
import { parseTwilioBody, twilioMessaging, normalizeTwilioMessage, type IngestRequest } from '@switchboard/providers';
import { formBody, twilioMms, twilioSms, twilioWhatsapp } from './fixtures/twilio.ts';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };
const token = 'f00dbabef00dbabef00dbabef00dbabe';
const url = 'https://hooks.example.com/webhooks/twilio/messages';

function request(params: Record<string, string>, headers: Record<string, string> = {}, at = url): IngestRequest {
  return {
    url: at,
    path: '/webhooks/twilio/messages',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(token, at, params), ...headers },
    body: Buffer.from(formBody(params)),
    remoteIp: '127.0.0.1',
    now: new Date('2026-11-23T10:00:00.000Z'),
  };
}

function rawEvent(params: Record<string, string>, at = url): RawEventPayload {
  return {
    provider: 'twilio-messaging',
    dedupKey: params.MessageSid!,
    route: '/webhooks/twilio/messages',
    url: at,
    receivedAt: '2026-11-23T10:00:00.000Z',
    contentType: 'application/x-www-form-urlencoded',
    headers: {},
    body: formBody(params),
    bodyEncoding: 'utf8',
  };
}

describe('Twilio messaging: accept', () => {
  const provider = twilioMessaging();

  test('a signed SMS is accepted with MessageSid as its dedup key', () => {
    expect(provider.accept(request(twilioSms), { authToken: token })).toEqual({ ok: true, dedupKey: twilioSms.MessageSid, fields: { body: twilioSms.Body }, bodyContentType: 'application/x-www-form-urlencoded' });
  });

  test("Twilio's idempotency token is not signed: a request with a new one keeps the MessageSid key", () => {
    const outcome = provider.accept(request(twilioSms, { 'i-twilio-idempotency-token': 'b7c2f0e4-1d7a-4d0e-9a55-2c1f0e9f7a11' }), { authToken: token });
    expect(outcome).toMatchObject({ ok: true, dedupKey: twilioSms.MessageSid });
  });

  test('a missing signature header is unauthorized', () => {
    const req = request(twilioSms);
    delete req.headers['x-twilio-signature'];
    expect(provider.accept(req, { authToken: token })).toMatchObject({ ok: false, reason: 'unauthorized' });
  });

  test('a tampered body is forbidden', () => {
    const req = request(twilioSms);
    req.body = Buffer.from(formBody({ ...twilioSms, Body: 'tampered' }));
    expect(provider.accept(req, { authToken: token })).toMatchObject({ ok: false, reason: 'forbidden', error: 'invalid X-Twilio-Signature' });
  });

  test('missing required fields are named', () => {
    const { From: _from, MessageSid: _sid, ...rest } = twilioSms;
    expect(provider.accept(request(rest), { authToken: token })).toEqual({
      ok: false,
      reason: 'invalid',
      error: 'missing required fields: MessageSid, From',
      fields: ['MessageSid', 'From'],
    });
  });

  test('a configured keyword is answered in TwiML, case, accents and punctuation ignored', () => {
    expect(provider.reply({ body: ' horaires ! ' }, request(twilioSms)).body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>Nous sommes ouverts.*<\/Message><\/Response>$/);
    expect(provider.reply({ body: 'Aïde' }, request(twilioSms)).body).toContain('<Message>');
    expect(provider.reply({ body: 'info sur vos horaires svp' }, request(twilioSms)).body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });

  test('a keyword reply is XML-escaped', () => {
    const custom = twilioMessaging({ keywordReplies: { PROMO: 'Fish & <Chips> "today"' } });
    expect(custom.reply({ body: 'promo' }, request(twilioSms)).body).toContain('<Message>Fish &amp; &lt;Chips&gt; &quot;today&quot;</Message>');
  });
});

describe('Twilio messaging: parsed once, the way it is signed', () => {
  const provider = twilioMessaging();
  const secrets = { authToken: token };

  test('a form of more than 1,000 pairs is signed and read whole', () => {
    const padding = Object.fromEntries(Array.from({ length: 1_100 }, (_, i) => [`X${String(i).padStart(4, '0')}`, 'x']));
    const { Body, ...rest } = twilioSms;
    // Body after the 1,000th pair: querystring's default would drop it from both signing and reading.
    const params = { ...rest, ...padding, Body };
    const outcome = provider.accept(request(params), secrets);
    expect(outcome).toMatchObject({ ok: true, fields: { body: Body } });
    expect(normalizeTwilioMessage({ ...rawEvent(params) }).content).toBe(Body);
  });

  test('a name sent twice with different values is refused (400, named); with one value, it is that value', () => {
    const body = `${formBody(twilioSms)}&Body=${encodeURIComponent('autre texte')}`;
    const params = pairsAsTwilioSigns(body);
    const req: IngestRequest = { ...request(twilioSms), body: Buffer.from(body) };
    req.headers['x-twilio-signature'] = getExpectedTwilioSignature(token, url, params);
    expect(provider.accept(req, secrets)).toEqual({ ok: false, reason: 'invalid', error: 'fields sent more than once with different values: Body', fields: ['Body'] });
    const same = `${formBody(twilioSms)}&Body=${encodeURIComponent(twilioSms.Body)}`;
    const sameReq: IngestRequest = { ...request(twilioSms), body: Buffer.from(same) };
    sameReq.headers['x-twilio-signature'] = getExpectedTwilioSignature(token, url, pairsAsTwilioSigns(same));
    expect(provider.accept(sameReq, secrets)).toMatchObject({ ok: true, fields: { body: twilioSms.Body } });
    expect(parseTwilioBody(Buffer.from(same), 'application/x-www-form-urlencoded')).toEqual({ ok: true, params: twilioSms });
  });

  test('JSON or form comes from the signed URL (bodySHA256), never from the Content-Type header, and is stored with the event', () => {
    const json = JSON.stringify(twilioSms);
    const jsonUrl = `${url}?bodySHA256=${createHash('sha256').update(json).digest('hex')}`;
    const jsonReq: IngestRequest = {
      ...request({}, {}, jsonUrl),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(token, jsonUrl, {}) },
      body: Buffer.from(json),
    };
    expect(provider.accept(jsonReq, secrets)).toMatchObject({ ok: true, dedupKey: twilioSms.MessageSid, bodyContentType: 'application/json' });
    const formReq = request(twilioSms, { 'content-type': 'application/json' });
    expect(provider.accept(formReq, secrets)).toMatchObject({ ok: true, bodyContentType: 'application/x-www-form-urlencoded' });
    // The normalizer reads the body as stored with it.
    const stored = { ...rawEvent(twilioSms), url: jsonUrl, body: json, contentType: 'application/json' };
    expect(normalizeTwilioMessage(stored)).toMatchObject({ externalId: twilioSms.MessageSid, content: twilioSms.Body, sender: '+33612345678' });
  });

  test('a JSON body that is not an object is refused, naming no field', () => {
    expect(parseTwilioBody(Buffer.from('[1,2]'), 'application/json')).toEqual({ ok: false, error: 'body is not a JSON object', fields: [] });
    expect(parseTwilioBody(Buffer.from('{'), 'application/json')).toEqual({ ok: false, error: 'body is not valid JSON', fields: [] });
  });
});

/** A form parsed the way Twilio's own validator sees it (repeated names as arrays). */
function pairsAsTwilioSigns(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

describe('Twilio messaging: normalize', () => {
  test('an SMS becomes the seed shape: E.164 sender, UTF-8 content intact, every field kept raw', () => {
    const message = normalizeTwilioMessage(rawEvent(twilioSms));
    expect(inboundMessageSchema.parse(message)).toEqual(message);
    expect(message).toMatchObject({
      kind: 'message',
      source: 'sms',
      externalId: twilioSms.MessageSid,
      sender: '+33612345678',
      recipient: '+33757000000',
      content: 'Bonjour ! Ça m’intéresse beaucoup 😍 pouvez-vous me rappeler à 18h ?',
      campaignId: null,
      receivedAt: '2026-11-23T10:00:00.000Z',
      extractedData: { channel: 'sms', numSegments: 2, fromCountry: 'FR', messagingServiceSid: twilioSms.MessagingServiceSid, accountSid: twilioSms.AccountSid },
    });
    expect(Object.keys(message.rawData)).toHaveLength(20);
    expect(message.rawData).toEqual(twilioSms);
  });

  test('an MMS keeps its media URLs and types', () => {
    const message = normalizeTwilioMessage(rawEvent(twilioMms));
    expect(message.content).toBe('');
    expect(message.extractedData.media).toEqual([
      { url: twilioMms.MediaUrl0, contentType: 'image/jpeg' },
      { url: twilioMms.MediaUrl1, contentType: 'application/pdf' },
    ]);
  });

  test('a WhatsApp From is the whatsapp channel, the number without its prefix', () => {
    const message = normalizeTwilioMessage(rawEvent(twilioWhatsapp));
    expect(message).toMatchObject({ source: 'whatsapp', sender: '+33612345678', recipient: '+14155238886', content: 'STOP' });
    expect(message.extractedData).toMatchObject({ channel: 'whatsapp', profileName: 'Élodie 🌸', waId: '33612345678' });
  });

  test('the campaign named in the webhook URL is carried', () => {
    expect(normalizeTwilioMessage(rawEvent(twilioSms, `${url}?campaignId=0193a0b2-7c4d-7e00-8000-000000000001`)).campaignId).toBe('0193a0b2-7c4d-7e00-8000-000000000001');
  });

  test('a national-format sender is made E.164 with the FromCountry Twilio sent', () => {
    expect(normalizeTwilioMessage(rawEvent({ ...twilioSms, From: '06 12 34 56 78' })).sender).toBe('+33612345678');
  });

  test('a short code or alphanumeric sender is kept as sent', () => {
    expect(normalizeTwilioMessage(rawEvent({ ...twilioSms, From: '36179' })).sender).toBe('36179');
    expect(normalizeTwilioMessage(rawEvent({ ...twilioSms, From: 'MYSHOP' })).sender).toBe('MYSHOP');
  });
});

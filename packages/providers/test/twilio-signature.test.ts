import { createHash } from 'node:crypto';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import { twilioSignature, verifyTwilioForm, verifyTwilioJson, urlVariants } from '@switchboard/providers';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };

describe('Twilio request signature', () => {
  // Twilio's documented example (https://www.twilio.com/docs/usage/security#validating-requests).
  const docs = {
    authToken: '12345',
    url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
    params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
    signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
  };

  test("Twilio's documented example validates", () => {
    expect(twilioSignature(docs.authToken, docs.url, docs.params)).toBe(docs.signature);
    expect(verifyTwilioForm(docs.authToken, docs.signature, docs.url, docs.params)).toBe(true);
  });

  test('a tampered parameter fails', () => {
    expect(verifyTwilioForm(docs.authToken, docs.signature, docs.url, { ...docs.params, Digits: '1235' })).toBe(false);
  });

  test('an added parameter fails', () => {
    expect(verifyTwilioForm(docs.authToken, docs.signature, docs.url, { ...docs.params, Extra: '' })).toBe(false);
  });

  test('another auth token fails', () => {
    expect(verifyTwilioForm('54321', docs.signature, docs.url, docs.params)).toBe(false);
  });

  test('an empty or truncated signature fails', () => {
    expect(verifyTwilioForm(docs.authToken, '', docs.url, docs.params)).toBe(false);
    expect(verifyTwilioForm(docs.authToken, docs.signature.slice(0, -2), docs.url, docs.params)).toBe(false);
  });

  const token = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6';
  const params = { Body: 'Bonjour, je suis intéressé 😀', From: 'whatsapp:+33612345678', To: '+33700000000', MessageSid: 'SM0123456789abcdef0123456789abcdef' };

  test.each([
    ['a URL with a query string', 'https://hooks.example.com/webhooks/twilio/messages?campaignId=abc&x=1'],
    ['a URL with an explicit port', 'https://hooks.example.com:8443/webhooks/twilio/messages'],
    ['a plain http URL', 'http://127.0.0.1:3000/webhooks/twilio/messages'],
  ])('a request signed by the twilio package validates: %s', (_name, url) => {
    const signature = getExpectedTwilioSignature(token, url, params);
    expect(twilioSignature(token, url, params)).toBe(signature);
    expect(verifyTwilioForm(token, signature, url, params)).toBe(true);
  });

  test('Twilio signed the URL with the default port and we see it without, or the other way round', () => {
    const withPort = 'https://hooks.example.com:443/webhooks/twilio/messages';
    const withoutPort = 'https://hooks.example.com/webhooks/twilio/messages';
    expect(verifyTwilioForm(token, getExpectedTwilioSignature(token, withPort, params), withoutPort, params)).toBe(true);
    expect(verifyTwilioForm(token, getExpectedTwilioSignature(token, withoutPort, params), withPort, params)).toBe(true);
    // A non-default port is part of what was signed.
    expect(verifyTwilioForm(token, getExpectedTwilioSignature(token, 'https://hooks.example.com:8443/webhooks/twilio/messages', params), withoutPort, params)).toBe(false);
  });

  test('a repeated parameter signs its distinct values in order, as the twilio package does', () => {
    const repeated = { ...params, MediaUrl: ['https://b.example/2', 'https://a.example/1', 'https://b.example/2'] };
    const url = 'https://hooks.example.com/x';
    expect(twilioSignature(token, url, repeated)).toBe(getExpectedTwilioSignature(token, url, repeated));
  });

  test('url variants add or drop only the default port', () => {
    expect(urlVariants('https://h.example/p?q=1').sort()).toEqual(['https://h.example/p?q=1', 'https://h.example:443/p?q=1'].sort());
    expect(urlVariants('http://h.example:80/p').sort()).toEqual(['http://h.example/p', 'http://h.example:80/p'].sort());
  });

  test('a JSON body is checked against bodySHA256 in the signed URL', () => {
    const body = Buffer.from(JSON.stringify({ MessageSid: 'SM1', MessageStatus: 'delivered' }));
    const url = `https://hooks.example.com/webhooks/twilio/status?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const signature = getExpectedTwilioSignature(token, url, {});
    expect(verifyTwilioJson(token, signature, url, body)).toBe(true);
    expect(verifyTwilioJson(token, signature, url, Buffer.from(body.toString().replace('delivered', 'read')))).toBe(false);
  });
});

import { createHash, createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { RawEventPayload } from '@switchboard/events';
import { genericEventSchema } from '@switchboard/events';
import {
  genericSource,
  normalizeGenericEvent,
  normalizeEvent,
  secretWeakness,
  signStandardWebhook,
  standardWebhookKey,
  verificationKeys,
  verifyStandardWebhook,
  type IngestRequest,
} from '@switchboard/providers';

// The standardwebhooks libraries' own test vector (https://github.com/standard-webhooks/standard-webhooks).
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const vectorNow = new Date(vector.timestamp * 1000);

const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const now = new Date('2026-11-23T10:00:00.000Z');
const nowSec = Math.floor(now.getTime() / 1000);
const body = JSON.stringify({ type: 'order.paid', data: { orderId: 'A-1001', amount: 4200, note: 'Ça marche 👍' } });

function request(headers: Record<string, string>, payload: string | Buffer = body, sourceId = 'src_1'): IngestRequest {
  return {
    url: `https://hooks.example.com/webhooks/generic/${sourceId}`,
    path: '/webhooks/generic/:sourceId',
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(payload),
    remoteIp: '203.0.113.9',
    now,
    sourceId,
  };
}

function signed(id = 'msg_2a', timestamp = nowSec, payload = body, key = secret): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook({ secret: key, id, timestamp, body: payload }) };
}

describe('Standard Webhooks signature', () => {
  test('the published test vector signs and verifies', () => {
    expect(signStandardWebhook(vector)).toBe(vector.signature);
    expect(verifyStandardWebhook({ secrets: [vector.secret], id: vector.id, timestamp: String(vector.timestamp), signature: vector.signature, body: vector.body, now: vectorNow })).toEqual({ ok: true });
  });

  test('a message signed by the standardwebhooks package verifies, and ours verifies with it', () => {
    const wh = new Webhook(secret);
    const libSignature = wh.sign('msg_lib', new Date(nowSec * 1000), body);
    expect(verifyStandardWebhook({ secrets: [secret], id: 'msg_lib', timestamp: String(nowSec), signature: libSignature, body: Buffer.from(body), now })).toEqual({ ok: true });
    // The library checks the timestamp against the real clock: sign with the current time.
    const current = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_ours', 'webhook-timestamp': String(current), 'webhook-signature': signStandardWebhook({ secret, id: 'msg_ours', timestamp: current, body }) };
    expect(wh.verify(body, headers)).toEqual(JSON.parse(body));
  });

  test('any one of several signatures matching any one of several secrets is enough (rotation)', () => {
    const old = 'whsec_' + Buffer.from('old-secret-old-secret-old-secret').toString('base64');
    const id = 'msg_rot';
    const both = `v1,${Buffer.from('x'.repeat(32)).toString('base64')} ${signStandardWebhook({ secret: old, id, timestamp: nowSec, body })}`;
    expect(verifyStandardWebhook({ secrets: [secret, old], id, timestamp: String(nowSec), signature: both, body, now })).toEqual({ ok: true });
    expect(verifyStandardWebhook({ secrets: [secret], id, timestamp: String(nowSec), signature: both, body, now })).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  test('entries of another version (v1a) are ignored, not accepted', () => {
    const sig = signStandardWebhook({ secret, id: 'm', timestamp: nowSec, body }).replace('v1,', 'v1a,');
    expect(verifyStandardWebhook({ secrets: [secret], id: 'm', timestamp: String(nowSec), signature: sig, body, now })).toEqual({ ok: false, reason: 'forbidden', error: 'no v1 signature in webhook-signature' });
  });

  test('a timestamp five minutes off either way is accepted, one second more is stale', () => {
    for (const offset of [-300, 300]) {
      const h = signed('m', nowSec + offset);
      expect(verifyStandardWebhook({ secrets: [secret], id: 'm', timestamp: h['webhook-timestamp'], signature: h['webhook-signature'], body, now })).toEqual({ ok: true });
    }
    const old = signed('m', nowSec - 301);
    expect(verifyStandardWebhook({ secrets: [secret], id: 'm', timestamp: old['webhook-timestamp'], signature: old['webhook-signature'], body, now })).toEqual({ ok: false, reason: 'forbidden', error: 'webhook-timestamp is too old' });
    const future = signed('m', nowSec + 301);
    expect(verifyStandardWebhook({ secrets: [secret], id: 'm', timestamp: future['webhook-timestamp'], signature: future['webhook-signature'], body, now })).toEqual({ ok: false, reason: 'forbidden', error: 'webhook-timestamp is in the future' });
  });

  test('a prefix-less base64 secret is decoded as the standardwebhooks package decodes it: its signatures verify either way', () => {
    const plain = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const current = Math.floor(Date.now() / 1000);
    const at = new Date(current * 1000);
    const verify = (stored: string, signature: string) =>
      verifyStandardWebhook({ secrets: [stored], id: 'm', timestamp: String(current), signature, body, now: at });
    // The package signs with the same key whether the secret carries the prefix or not.
    for (const given of [plain, `whsec_${plain}`]) {
      const libSignature = new Webhook(given).sign('m', at, body);
      expect(verify(plain, libSignature)).toEqual({ ok: true });
      expect(verify(`whsec_${plain}`, libSignature)).toEqual({ ok: true });
      expect(signStandardWebhook({ secret: given, id: 'm', timestamp: current, body })).toBe(libSignature);
    }
  });

  test('a prefix-less secret keeps verifying signatures made with its UTF-8 bytes (sources stored before issue 15)', () => {
    for (const raw of ['plain-shared-secret-plain-shared-secret', 'abcdefghijklmnopqrstuvwxyz012345']) {
      const mac = createHmac('sha256', Buffer.from(raw, 'utf8')).update(`m.${nowSec}.${body}`).digest('base64');
      expect(verifyStandardWebhook({ secrets: [raw], id: 'm', timestamp: String(nowSec), signature: `v1,${mac}`, body, now })).toEqual({ ok: true });
    }
    // Not base64 ('-'): the libraries cannot sign with it, so its UTF-8 bytes are its only key.
    expect(verificationKeys('plain-shared-secret-plain-shared-secret')).toEqual([Buffer.from('plain-shared-secret-plain-shared-secret')]);
  });

  test('a whsec_ secret that is not base64 gives no key: a signature made with an empty key is refused', () => {
    const weak = 'whsec_!!!!!!!!!!!';
    expect(standardWebhookKey(weak)).toBeNull();
    expect(verificationKeys(weak)).toEqual([]);
    const emptyKeyMac = createHmac('sha256', Buffer.alloc(0)).update(`m.${nowSec}.${body}`).digest('base64');
    expect(verifyStandardWebhook({ secrets: [weak], id: 'm', timestamp: String(nowSec), signature: `v1,${emptyKeyMac}`, body, now })).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(() => new Webhook(weak)).toThrow();
  });

  test('the key is what the standardwebhooks package derives, or none exactly where the package refuses the secret', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ !.\n';
    let seed = 15;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const cases = [
      '', 'A', 'AAA', 'AAAA', 'AAAA=', 'AAAAB', 'AAAA!', 'AAAAAA', 'AAAAAAA', 'AA==', 'A===', '====', 'AA=A', 'QUJD', 'QUJD\n',
      'whsec_', 'whsec_AAAA', 'whsec_!!!!!!!!!!!', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw==', 'a-b_c-d_', 'YWJj ZGVm',
    ];
    for (let i = 0; i < 3000; i += 1) {
      const length = Math.floor(random() * 14);
      let value = '';
      for (let j = 0; j < length; j += 1) value += alphabet[Math.floor(random() * (j % 5 === 4 ? alphabet.length : 64))];
      cases.push(random() < 0.3 ? `whsec_${value}` : value);
    }
    for (const candidate of cases) {
      let expected: string | null;
      try {
        expected = new Webhook(candidate).sign('m', now, body);
      } catch {
        expected = null;
      }
      const key = standardWebhookKey(candidate);
      expect([candidate, key === null ? null : signStandardWebhook({ secret: candidate, id: 'm', timestamp: now, body })]).toEqual([candidate, expected]);
    }
  });
});

describe('secret strength', () => {
  test('whsec_ secrets need 24 bytes of key, plain ones 32 characters', () => {
    expect(secretWeakness('whsec_!!!!!!!!!!!')).toMatch(/base64/);
    expect(secretWeakness(`whsec_${Buffer.alloc(23, 7).toString('base64')}`)).toMatch(/at least 24 bytes \(this one gives 23\)/);
    expect(secretWeakness(`whsec_${Buffer.alloc(24, 7).toString('base64')}`)).toBeUndefined();
    expect(secretWeakness(vector.secret)).toBeUndefined();
    expect(secretWeakness('x'.repeat(31))).toMatch(/at least 32 characters/);
    expect(secretWeakness('x'.repeat(32))).toBeUndefined();
  });
});

describe('Generic source: accept', () => {
  const provider = genericSource();
  const secrets = { secrets: [secret] };

  test('a signed event is accepted, its webhook-id (scoped by source) the dedup key', () => {
    expect(provider.accept(request(signed('msg_2a')), secrets)).toEqual({ ok: true, dedupKey: 'src_1.msg_2a', fields: { sourceId: 'src_1' } });
  });

  test('a redelivery with the same webhook-id gets the same dedup key; another source does not collide', () => {
    const first = provider.accept(request(signed('msg_same', nowSec)), secrets);
    const again = provider.accept(request(signed('msg_same', nowSec + 60)), secrets);
    const other = provider.accept(request(signed('msg_same'), body, 'src_2'), secrets);
    expect(first).toMatchObject({ ok: true, dedupKey: 'src_1.msg_same' });
    expect(again).toMatchObject({ ok: true, dedupKey: 'src_1.msg_same' });
    expect(other).toMatchObject({ ok: true, dedupKey: 'src_2.msg_same' });
  });

  test('no signature headers and no legacy secret is unauthorized', () => {
    expect(provider.accept(request({}), secrets)).toMatchObject({ ok: false, reason: 'unauthorized', error: expect.stringContaining('missing webhook-id, webhook-timestamp, webhook-signature') });
  });

  test('a partial set of Standard Webhooks headers is unauthorized, naming what is missing', () => {
    const { 'webhook-signature': _s, ...partial } = signed();
    expect(provider.accept(request(partial), secrets)).toEqual({ ok: false, reason: 'unauthorized', error: 'missing webhook-signature header' });
  });

  test('a tampered body is forbidden', () => {
    expect(provider.accept(request(signed(), body.replace('4200', '1')), secrets)).toEqual({ ok: false, reason: 'forbidden', error: 'invalid webhook-signature' });
  });

  test('a stale timestamp is forbidden', () => {
    expect(provider.accept(request(signed('m', nowSec - 3600)), secrets)).toEqual({ ok: false, reason: 'forbidden', error: 'webhook-timestamp is too old' });
  });

  test('a non-numeric timestamp is forbidden', () => {
    expect(provider.accept(request({ ...signed(), 'webhook-timestamp': '2026-11-23T10:00:00Z' }), secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  test('the legacy X-Webhook-Secret header is accepted when equal to a secret, forbidden otherwise', () => {
    expect(provider.accept(request({ 'x-webhook-secret': secret }), secrets)).toMatchObject({ ok: true });
    expect(provider.accept(request({ 'x-webhook-secret': `${secret}x` }), secrets)).toEqual({ ok: false, reason: 'forbidden', error: 'invalid X-Webhook-Secret' });
  });

  test('a legacy request dedups on Idempotency-Key, then X-Webhook-Id, else the body sha256', () => {
    const legacy = { 'x-webhook-secret': secret };
    expect(provider.accept(request({ ...legacy, 'idempotency-key': 'k-1', 'x-webhook-id': 'w-1' }), secrets)).toMatchObject({ dedupKey: 'src_1.k-1' });
    expect(provider.accept(request({ ...legacy, 'x-webhook-id': 'w-1' }), secrets)).toMatchObject({ dedupKey: 'src_1.w-1' });
    const sha = createHash('sha256').update(body).digest('hex');
    expect(provider.accept(request(legacy), secrets)).toMatchObject({ dedupKey: `src_1.sha256.${sha}` });
  });

  test('Standard Webhooks headers take precedence: a bad signature is not rescued by a right legacy secret', () => {
    expect(provider.accept(request({ ...signed(), 'webhook-signature': 'v1,AAAA', 'x-webhook-secret': secret }), secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  test('during a rotation either secret verifies', () => {
    const next = 'whsec_' + Buffer.from('next-secret-next-secret-next-sec').toString('base64');
    expect(provider.accept(request(signed('m1', nowSec, body, next)), { secrets: [secret, next] })).toMatchObject({ ok: true });
    expect(provider.accept(request(signed('m1', nowSec, body, next)), { secrets: [secret] })).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  test('a source with no secret is not configured', () => {
    expect(provider.accept(request(signed()), { secrets: [] })).toMatchObject({ ok: false, reason: 'not_configured' });
  });

  test('a signed body that is not JSON is invalid', () => {
    const text = 'not json {';
    expect(provider.accept(request(signed('m', nowSec, text), text), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'body is not valid JSON', fields: [] });
  });

  test('unsigned acceptance still requires JSON', () => {
    expect(provider.acceptUnsigned(request({}))).toMatchObject({ ok: true });
    expect(provider.acceptUnsigned(request({}, '{'))).toMatchObject({ ok: false, reason: 'invalid' });
  });

});

describe('Generic source: normalize', () => {
  function rawEvent(payload: string): RawEventPayload {
    return {
      provider: 'generic',
      dedupKey: 'src_1.msg_2a',
      route: '/webhooks/generic/:sourceId',
      url: 'https://hooks.example.com/webhooks/generic/src_1',
      sourceId: 'src_1',
      receivedAt: now.toISOString(),
      contentType: 'application/json',
      headers: {},
      body: payload,
      bodyEncoding: 'utf8',
    };
  }

  test('an event keeps its parsed body and its type', () => {
    const event = normalizeGenericEvent(rawEvent(body));
    expect(genericEventSchema.parse(event)).toEqual(event);
    expect(event).toEqual({ kind: 'generic', sourceId: 'src_1', type: 'order.paid', data: JSON.parse(body), receivedAt: now.toISOString() });
    expect(normalizeEvent(rawEvent(body))).toEqual(event);
  });

  test('a body without a string type, or not an object, has a null type', () => {
    expect(normalizeGenericEvent(rawEvent('{"type": 3}')).type).toBeNull();
    expect(normalizeGenericEvent(rawEvent('[1,2]'))).toMatchObject({ type: null, data: [1, 2] });
  });

  test('NUL, which Postgres text and jsonb refuse, becomes U+FFFD everywhere in a normalized event, keys included', () => {
    const event = normalizeEvent(rawEvent('{"type":"a\\u0000b","data":{"k\\u0000":["x\\u0000", 1, null, {"n": "\\u0000"}]}}'));
    expect(event).toMatchObject({ type: 'a\uFFFDb', data: { type: 'a\uFFFDb', data: { 'k\uFFFD': ['x\uFFFD', 1, null, { n: '\uFFFD' }] } } });
    expect(JSON.stringify(event)).not.toContain('\\u0000');
  });
});

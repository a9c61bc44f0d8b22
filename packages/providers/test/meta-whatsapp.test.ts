import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inboundMessageSchema, statusUpdateSchema, type RawEventPayload } from '@switchboard/events';
import { answerMetaSubscription, metaSignature, metaWhatsapp, normalizeEvent, verifyMetaSignature, type IngestRequest } from '@switchboard/providers';

const appSecret = 'meta-app-secret-0123456789abcdef';
/** Meta's documented text message (messages webhook reference), with non-ASCII escaped as Meta sends it. */
const textBody = fs.readFileSync(path.join(import.meta.dirname, 'fixtures/meta-text-message.json'));
/** `openssl dgst -sha256 -hmac "$appSecret" fixtures/meta-text-message.json`: computed outside this code. */
const textSignature = 'sha256=0aa2110f47daf7705147e6b978be876883000bd4286ad29733818d2d299c60de';

const metadata = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
const change = (value: Record<string, unknown>) => ({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ value: { messaging_product: 'whatsapp', metadata, ...value }, field: 'messages' }] }] });

/** Shapes from Meta's messages webhook reference: interactive replies, a template button, media, a reaction. */
const messages = [
  { from: '33612345678', id: 'wamid.btn', timestamp: '1749416383', type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'stop-promos', title: 'STOP' } }, context: { from: '15550783881', id: 'wamid.campaign1' } },
  { from: '33612345678', id: 'wamid.list', timestamp: '1749416384', type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'rdv', title: 'Être rappelé', description: 'Un conseiller vous appelle' } } },
  { from: '33612345678', id: 'wamid.tpl', timestamp: '1749416385', type: 'button', button: { text: 'Oui, ça m’intéresse', payload: 'YES' } },
  { from: '33612345678', id: 'wamid.img', timestamp: '1749416386', type: 'image', image: { caption: 'Voici la facture', mime_type: 'image/jpeg', sha256: 'p9Vn2bX0yJ0=', id: '1003383421387256' } },
  { from: '33612345678', id: 'wamid.doc', timestamp: '1749416387', type: 'document', document: { filename: 'devis.pdf', mime_type: 'application/pdf', sha256: 'YmFzZTY0', id: '1003383421387257' } },
  { from: '33612345678', id: 'wamid.react', timestamp: '1749416388', type: 'reaction', reaction: { message_id: 'wamid.campaign1', emoji: '👍' } },
  { from: '33612345678', id: 'wamid.stk', timestamp: '1749416389', type: 'sticker', sticker: { mime_type: 'image/webp', sha256: 'c3RpY2tlcg==', id: '1003383421387258', animated: false } },
];
const statuses = [
  { id: 'wamid.out1', status: 'sent', timestamp: '1750263770', recipient_id: '33612345678', conversation: { id: 'c1', origin: { type: 'marketing' } }, pricing: { billable: true, pricing_model: 'PMP', category: 'marketing' } },
  { id: 'wamid.out1', status: 'delivered', timestamp: '1750263771', recipient_id: '33612345678' },
  { id: 'wamid.out1', status: 'read', timestamp: '1750263772', recipient_id: '33612345678' },
  {
    id: 'wamid.out2', status: 'failed', timestamp: '1750263773', recipient_id: '33698765432',
    errors: [{ code: 131050, title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business', message: 'Unable to deliver the message.', error_data: { details: 'Marketing messages opt-out' }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }],
  },
];
const mixedBody = Buffer.from(JSON.stringify(change({ contacts: [{ profile: { name: 'Marie' }, wa_id: '33612345678' }], messages, statuses })));

const now = new Date('2026-11-29T12:00:00.000Z');
function request(body: Buffer, headers: Record<string, string>): IngestRequest {
  return { url: 'https://hooks.example.com/webhooks/meta/whatsapp', path: '/webhooks/meta/whatsapp', headers: { 'content-type': 'application/json', ...headers }, body, remoteIp: '203.0.113.9', now };
}
const signed = (body: Buffer) => request(body, { 'x-hub-signature-256': metaSignature(appSecret, body) });

/** The raw events ingest would store for an accepted body. */
function rawEvents(body: Buffer): RawEventPayload[] {
  const outcome = metaWhatsapp().accept(signed(body), { appSecret });
  if (!outcome.ok) throw new Error(outcome.error);
  const base: RawEventPayload = { provider: 'meta-whatsapp', dedupKey: outcome.dedupKey, route: '/webhooks/meta/whatsapp', url: 'https://hooks.example.com/webhooks/meta/whatsapp', receivedAt: now.toISOString(), headers: {}, body: body.toString('utf8'), bodyEncoding: 'utf8' };
  return outcome.items ? outcome.items.map(({ dedupKey, item }) => ({ ...base, dedupKey, item })) : [base];
}

describe('Meta WhatsApp: X-Hub-Signature-256', () => {
  test('the documented text message verifies with a signature computed by openssl', () => {
    expect(verifyMetaSignature(appSecret, textSignature, textBody)).toEqual({ ok: true });
    expect(metaSignature(appSecret, textBody)).toBe(textSignature);
    expect(verifyMetaSignature(appSecret, textSignature.toUpperCase().replace('SHA256=', 'sha256='), textBody)).toEqual({ ok: true });
  });

  test('an independently computed HMAC (Node createHmac over the raw bytes) verifies', () => {
    const hex = createHmac('sha256', appSecret).update(mixedBody).digest('hex');
    expect(verifyMetaSignature(appSecret, `sha256=${hex}`, mixedBody)).toEqual({ ok: true });
  });

  test('the body re-serialized (unicode unescaped) does not verify: the raw bytes are what Meta signed', () => {
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(textBody.toString('utf8'))));
    expect(reserialized.equals(textBody)).toBe(false);
    expect(verifyMetaSignature(appSecret, textSignature, reserialized)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  test('a missing header is unauthorized; a wrong secret, a tampered body or a malformed header is forbidden', () => {
    const provider = metaWhatsapp();
    expect(provider.accept(request(textBody, {}), { appSecret })).toEqual({ ok: false, reason: 'unauthorized', error: 'missing X-Hub-Signature-256 header' });
    expect(provider.accept(request(textBody, { 'x-hub-signature-256': metaSignature('another-secret', textBody) }), { appSecret })).toEqual({ ok: false, reason: 'forbidden', error: 'invalid X-Hub-Signature-256' });
    const tampered = Buffer.from(textBody.toString('utf8').replace('bleu', 'rouge'));
    expect(provider.accept(request(tampered, { 'x-hub-signature-256': textSignature }), { appSecret })).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(provider.accept(request(textBody, { 'x-hub-signature-256': textSignature.slice('sha256='.length) }), { appSecret })).toMatchObject({ ok: false, reason: 'forbidden', error: expect.stringContaining('malformed') });
    expect(provider.accept(request(textBody, { 'x-hub-signature-256': 'sha1=0aa2110f47daf7705147e6b978be876883000bd4' }), { appSecret })).toMatchObject({ ok: false, reason: 'forbidden' });
  });
});

describe('Meta WhatsApp: GET verification request', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'meta-verify-token', 'hub.challenge': '1158201444' };

  test('the right token echoes hub.challenge as text', () => {
    expect(answerMetaSubscription(query, 'meta-verify-token')).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: '1158201444' });
  });

  test('a wrong token, another mode or no token is 403; no challenge is 400; no META_VERIFY_TOKEN is 503', () => {
    expect(answerMetaSubscription({ ...query, 'hub.verify_token': 'guess' }, 'meta-verify-token').status).toBe(403);
    expect(answerMetaSubscription({ ...query, 'hub.mode': 'unsubscribe' }, 'meta-verify-token').status).toBe(403);
    expect(answerMetaSubscription({ 'hub.mode': 'subscribe', 'hub.challenge': '1' }, 'meta-verify-token').status).toBe(403);
    expect(answerMetaSubscription({ ...query, 'hub.verify_token': ['meta-verify-token', 'x'] }, 'meta-verify-token').status).toBe(403);
    expect(answerMetaSubscription({ 'hub.mode': 'subscribe', 'hub.verify_token': 'meta-verify-token' }, 'meta-verify-token').status).toBe(400);
    expect(answerMetaSubscription(query, undefined)).toMatchObject({ status: 503, body: '{"error":"source not configured"}' });
  });
});

describe('Meta WhatsApp: one event per message and status', () => {
  test('each message is keyed by its wamid and each status by wamid.status, pointing at its item', () => {
    const outcome = metaWhatsapp().accept(signed(mixedBody), { appSecret });
    expect(outcome).toMatchObject({ ok: true, dedupKey: 'wamid.btn', fields: { items: 11 } });
    if (!outcome.ok) return;
    expect(outcome.items?.map((i) => i.dedupKey)).toEqual([...messages.map((m) => m.id), 'wamid.out1.sent', 'wamid.out1.delivered', 'wamid.out1.read', 'wamid.out2.failed']);
    expect(outcome.items?.[8]).toEqual({ dedupKey: 'wamid.out1.delivered', item: { entry: 0, change: 0, field: 'statuses', index: 1 } });
  });

  test('a body with no message or status (contacts alone, another field) is one event keyed by its hash, kept as a generic event', () => {
    const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }] }] }));
    const [event, ...rest] = rawEvents(body);
    expect(rest).toHaveLength(0);
    expect(event!.dedupKey).toMatch(/^body\.[0-9a-f]{64}$/);
    expect(event!.item).toBeUndefined();
    expect(normalizeEvent(event!)).toMatchObject({ kind: 'generic', sourceId: 'meta-whatsapp', type: 'account_update' });
  });

  test('a body that is not Meta\'s, or an item without its id, is refused naming the field', () => {
    const provider = metaWhatsapp();
    expect(provider.accept(signed(Buffer.from('{"entry":')), { appSecret })).toMatchObject({ ok: false, reason: 'invalid', error: 'body is not valid JSON' });
    expect(provider.accept(signed(Buffer.from('{"object":"page"}')), { appSecret })).toMatchObject({ ok: false, reason: 'invalid', fields: ['entry'] });
    const noId = Buffer.from(JSON.stringify(change({ messages: [{ from: '33612345678', type: 'text', text: { body: 'x' } }] })));
    expect(provider.accept(signed(noId), { appSecret })).toMatchObject({ ok: false, reason: 'invalid', fields: ['entry[0].changes[0].value.messages[0]'] });
  });
});

describe('Meta WhatsApp: normalize', () => {
  const normalized = rawEvents(mixedBody).map((e) => normalizeEvent(e));
  const byId = (id: string) => normalized.find((n) => n.kind === 'message' && n.externalId === id);

  test('the documented text message: source whatsapp, sender and recipient in E.164, the text as content', () => {
    const [event] = rawEvents(textBody);
    const message = inboundMessageSchema.parse(normalizeEvent(event!));
    expect(message).toMatchObject({
      source: 'whatsapp', externalId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=', sender: '+16505551234', recipient: '+15550783881',
      content: "Est-ce qu'il existe en bleu ? 💙", extractedData: { provider: 'meta', type: 'text', profileName: 'Sheena Nelson', phoneNumberId: '106540352242922', sentAt: '2025-06-08T20:59:43.000Z' },
    });
  });

  test('an interactive reply, a list row, a template button: the title chosen is the content to classify', () => {
    expect(byId('wamid.btn')).toMatchObject({ sender: '+33612345678', content: 'STOP', extractedData: { interactive: { kind: 'button_reply', id: 'stop-promos', title: 'STOP' }, replyTo: 'wamid.campaign1', profileName: 'Marie' } });
    expect(byId('wamid.list')).toMatchObject({ content: 'Être rappelé', extractedData: { interactive: { kind: 'list_reply', id: 'rdv' } } });
    expect(byId('wamid.tpl')).toMatchObject({ content: 'Oui, ça m’intéresse', extractedData: { interactive: { kind: 'button', id: 'YES' } } });
  });

  test('media is recorded (id, type, caption), not downloaded; a reaction\'s emoji is its content', () => {
    expect(byId('wamid.img')).toMatchObject({ content: 'Voici la facture', extractedData: { media: { kind: 'image', id: '1003383421387256', mimeType: 'image/jpeg', caption: 'Voici la facture' } } });
    expect(byId('wamid.doc')).toMatchObject({ content: '', extractedData: { media: { kind: 'document', filename: 'devis.pdf', mimeType: 'application/pdf' } } });
    expect(byId('wamid.stk')).toMatchObject({ content: '', extractedData: { media: { kind: 'sticker', mimeType: 'image/webp' } } });
    expect(byId('wamid.react')).toMatchObject({ content: '👍', extractedData: { reaction: { messageId: 'wamid.campaign1', emoji: '👍' } } });
  });

  test('statuses feed the status machine: wamid as the provider message id, the first error\'s code', () => {
    const updates = normalized.filter((n) => n.kind === 'status').map((n) => statusUpdateSchema.parse(n));
    expect(updates.map((u) => [u.providerMessageId, u.status])).toEqual([['wamid.out1', 'sent'], ['wamid.out1', 'delivered'], ['wamid.out1', 'read'], ['wamid.out2', 'failed']]);
    expect(updates[3]).toMatchObject({ channel: 'whatsapp', recipient: '+33698765432', errorCode: 131050, errorMessage: expect.stringContaining('stop receiving marketing messages') });
    expect(updates[0]).toMatchObject({ errorCode: null, errorMessage: null, recipient: '+33612345678' });
  });

  test('an unknown status is an error, not a guess', () => {
    const body = Buffer.from(JSON.stringify(change({ statuses: [{ id: 'wamid.x', status: 'teleported', recipient_id: '33612345678' }] })));
    expect(() => normalizeEvent(rawEvents(body)[0]!)).toThrow('unknown Meta message status "teleported"');
  });
});

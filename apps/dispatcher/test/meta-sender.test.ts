import { classifySendAnswer } from '@switchboard/campaigns';
import type { ClaimedSend } from '@switchboard/db';
import { startMetaFake, type MetaFake, type MetaFakeAnswer } from '@switchboard/testing';
import { createMetaClient } from '../src/meta-client.ts';
import { createMetaSender } from '../src/meta-sender.ts';

const ACCESS_TOKEN = 'EAAG-meta-sender-test';
const PHONE_NUMBER_ID = '106540352242922';
let meta: MetaFake;
let next: MetaFakeAnswer | undefined;

beforeAll(async () => {
  meta = await startMetaFake({ phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN, appSecret: 'unused-here', answer: () => next ?? { kind: 'create' } });
});
afterAll(() => meta.close());

const send: ClaimedSend = {
  id: '01a22749-e717-70d5-a60c-cbee0971c7ed', campaignId: '01a22749-e717-70d5-a60c-cbee0971c7ee', recipient: '+33612345678', channel: 'whatsapp', provider: 'meta',
  body: 'Bonjour {{firstName}}', subject: null, html: null, variables: { firstName: 'Marie' }, retries: 2, claimedAt: new Date(),
};
const sender = () => createMetaSender({ meta: createMetaClient({ baseUrl: meta.url, phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN }) });
const answer = async (given: MetaFakeAnswer | undefined) => {
  next = given;
  const got = await sender().send(send);
  return { ...got, kind: classifySendAnswer(got.status) };
};

describe('campaign sends through Meta\'s Graph API', () => {
  test('a text message with the Bearer token; the wamid answered is the id; the send is tagged with the message and send number', async () => {
    const got = await answer(undefined);
    expect(got).toMatchObject({ status: 200, kind: 'created', id: expect.stringMatching(/^wamid\./) });
    const request = meta.requests.at(-1)!;
    expect(request).toMatchObject({ authOk: true, to: '+33612345678', body: 'Bonjour Marie', tracking: `${send.id}.2` });
    expect(request.json).toMatchObject({ messaging_product: 'whatsapp', recipient_type: 'individual', type: 'text', text: { body: 'Bonjour Marie', preview_url: false } });
  });

  test.each([
    [130429, '1'],
    [131056, '5'],
    [131048, '60'],
    [80007, '60'],
    [4, '60'],
  ])('rate limit code %i (HTTP 400) pauses the sender for %s s', async (code, pause) => {
    expect(await answer({ kind: 'error', status: 400, code, message: 'Rate limit hit' })).toMatchObject({ status: 429, kind: 'throttled', retryAfter: pause, code });
  });

  test('other refusals fail the message with Meta\'s code and message; 5xx is ambiguous', async () => {
    expect(await answer({ kind: 'error', status: 400, code: 131026, message: 'Message undeliverable' })).toMatchObject({ kind: 'refused', code: 131026, message: 'Message undeliverable: Message undeliverable' });
    expect(await answer({ kind: 'error', status: 500, code: 131000, message: 'Something went wrong' })).toMatchObject({ kind: 'ambiguous', code: 131000 });
    expect(await answer({ kind: 'error', status: 503, code: 130429, message: 'Rate limit hit' })).toMatchObject({ kind: 'ambiguous' });
  });

  test('a refused access token fails no message: the send waits (transient) until the token is replaced', async () => {
    const badToken = createMetaSender({ meta: createMetaClient({ baseUrl: meta.url, phoneNumberId: PHONE_NUMBER_ID, accessToken: 'wrong' }) });
    await expect(badToken.send(send)).rejects.toMatchObject({ name: 'TransientError', code: 'UNAUTHORIZED', message: expect.stringContaining('META_ACCESS_TOKEN') });
    expect(meta.requests.at(-1)).toMatchObject({ authOk: false });
  });

  test('no answer at all is ambiguous; reconciliation finds nothing (the Graph API has no lookup), so the claim is sent again', async () => {
    const unreachable = createMetaSender({ meta: createMetaClient({ baseUrl: 'http://127.0.0.1:9/v21.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN, timeoutMs: 2_000 }) });
    const got = await unreachable.send(send);
    expect(got.status).toBeUndefined();
    expect(classifySendAnswer(got.status)).toBe('ambiguous');
    expect(await sender().reconcile(send)).toBeUndefined();
  });
});

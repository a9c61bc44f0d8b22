import { randomUUID } from 'node:crypto';
import { createDb, storeRawEvent, type ClaimedSend, type Db } from '@switchboard/db';
import { TransientError } from '@switchboard/queues';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import { createVonageSender, VONAGE_RECONCILE_GRACE_MS, vonageClientRef, vonageNumber, vonageStatusByClientRef } from '../src/vonage-sender.ts';
import type { VonageClient } from '../src/vonage-client.ts';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const claimedAt = new Date('2026-11-23T10:00:00.000Z');
const claim = (overrides: Partial<ClaimedSend> = {}): ClaimedSend => ({
  id: randomUUID(), campaignId: randomUUID(), recipient: '+33612345678', channel: 'sms', provider: 'vonage', body: 'Bonjour {{firstName}}',
  subject: null, html: null, variables: { firstName: 'Léa' }, retries: 0, claimedAt, ...overrides,
});

/** A Vonage status as ingest stores it (the raw event of `POST /webhooks/vonage/status`). */
async function storeStatus(messageUuid: string, clientRef: string, receivedAt: Date) {
  const body = JSON.stringify({ message_uuid: messageUuid, to: '33612345678', from: '33757000000', timestamp: receivedAt.toISOString(), status: 'submitted', channel: 'sms', client_ref: clientRef });
  await storeRawEvent(db, {
    provider: 'vonage-status', dedupKey: `${messageUuid}.submitted`, route: '/webhooks/vonage/status', url: 'http://127.0.0.1/webhooks/vonage/status',
    receivedAt: receivedAt.toISOString(), contentType: 'application/json', headers: {}, body, bodyEncoding: 'utf8',
  });
}

describe('Vonage sender', () => {
  test('a send is a text message from the channel’s sender, numbers as digits, the client_ref naming the message and its send number', async () => {
    const sent: Parameters<VonageClient['sendText']>[0][] = [];
    const sender = createVonageSender({
      vonage: { sendText: async (m) => (sent.push(m), { status: 202, messageUuid: 'uuid-1', code: null }) },
      smsFrom: '+33757000000', whatsappFrom: '14157386102', findByClientRef: async () => undefined,
    });
    const sms = claim();
    const whatsapp = claim({ channel: 'whatsapp', recipient: 'whatsapp:+33698765432', retries: 2 });
    expect(await sender.send(sms)).toEqual({ status: 202, id: 'uuid-1', code: null, message: undefined, retryAfter: undefined });
    await sender.send(whatsapp);
    expect(sent).toEqual([
      { channel: 'sms', to: '33612345678', from: '33757000000', text: 'Bonjour Léa', clientRef: `${sms.id}.0` },
      { channel: 'whatsapp', to: '33698765432', from: '14157386102', text: 'Bonjour Léa', clientRef: `${whatsapp.id}.2` },
    ]);
    expect(vonageNumber('Acme')).toBe('Acme');
  });

  test('reconcile adopts the message_uuid of a stored status with exactly this client_ref, not a later send’s', async () => {
    const send = claim({ retries: 1 });
    // `<id>.10` contains `<id>.1`: only the exact client_ref counts.
    await storeStatus('uuid-of-send-10', `${send.id}.10`, new Date(claimedAt.getTime() + 1_000));
    await storeStatus('uuid-of-send-1', vonageClientRef(send), new Date(claimedAt.getTime() + 2_000));
    await storeStatus('uuid-before-claim', vonageClientRef(send), new Date(claimedAt.getTime() - 60_000));
    expect(await vonageStatusByClientRef(db, vonageClientRef(send), claimedAt)).toBe('uuid-of-send-1');
    expect(await vonageStatusByClientRef(db, `${send.id}.2`, claimedAt)).toBeUndefined();
  });

  test('with no status yet, reconcile waits (transient) until the grace period after the claim, then answers none', async () => {
    let now = new Date(claimedAt.getTime() + 10_000);
    const sender = createVonageSender({
      vonage: { sendText: async () => ({ status: 202, messageUuid: 'x', code: null }) },
      smsFrom: '33757000000', whatsappFrom: '33757000000', findByClientRef: async () => undefined, now: () => now,
    });
    await expect(sender.reconcile(claim())).rejects.toBeInstanceOf(TransientError);
    now = new Date(claimedAt.getTime() + VONAGE_RECONCILE_GRACE_MS);
    await expect(sender.reconcile(claim())).resolves.toBeUndefined();
  });
});

import { createDb, isOptedOut, persistInterpretedMessages, storeRawEvent, type Db } from '@switchboard/db';
import { createClassifier } from '@switchboard/intent';
import { normalizeEvent } from '@switchboard/providers';
import { createQueue, createRedis } from '@switchboard/queues';
import { createTestDatabase, testLogger, uniquePrefix, type TestDatabase } from '@switchboard/testing';
import { rawSms } from '../../../test/e2e/workers-fixtures.ts';
import { createInterpretProcessor } from '../src/index.ts';

// INTENTS.md rule 8: a lone YES is opt_in from a contact who is opted out, interested otherwise.
// The classifier cannot know the contact's state; the interpreter resolves it when it persists.

let database: TestDatabase;
let db: Db;
const prefix = uniquePrefix();
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
const deliveryQueue = createQueue('delivery', { connection: redis, prefix });
let interpret: ReturnType<typeof createInterpretProcessor>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  interpret = createInterpretProcessor({
    db, classifier: createClassifier({ kind: 'builtin', serviceKeywords: [] }), deliveryQueue, logger: testLogger('interpreter'), batchSize: 8, attributionWindowMs: 0,
  });
});

afterAll(async () => {
  await deliveryQueue.obliterate({ force: true });
  await deliveryQueue.close();
  redis.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, s));

const classifier = createClassifier({ kind: 'builtin', serviceKeywords: [] });

/** The interpret job of one inbound SMS, as the listener would enqueue it. */
async function job(body: string, from: string, s: number) {
  const event = rawSms({ Body: body, From: from }, at(s));
  const { id } = await storeRawEvent(db, event);
  const message = normalizeEvent(event);
  if (message.kind !== 'message') throw new Error('not a message');
  return { eventId: id, message, replay: false };
}

const storedLabel = async (messageId: string) => (await db.messageIntent.findUniqueOrThrow({ where: { messageId } })).label;

describe('a lone YES (INTENTS.md rule 8)', () => {
  test('from a contact who is not opted out, YES answers the offer: interested, and the contact stays opted in', async () => {
    const from = '+33640000001';
    const outcome = await interpret(await job('YES', from, 1));
    expect(outcome).toMatchObject({ status: 'created', intent: 'interested' });
    expect(await storedLabel((outcome as { messageId: string }).messageId)).toBe('interested');
    expect(await db.contact.findUniqueOrThrow({ where: { address: from } })).toMatchObject({ optedOut: false, optedInAt: null, leadStatus: 'interested' });
  });

  test('from a contact who sent STOP, YES opts back in', async () => {
    const from = '+33640000002';
    expect(await interpret(await job('STOP', from, 1))).toMatchObject({ intent: 'opt_out' });
    expect(await isOptedOut(db, from)).toBe(true);
    const outcome = await interpret(await job('Yes!', from, 2));
    expect(outcome).toMatchObject({ status: 'created', intent: 'opt_in' });
    expect(await storedLabel((outcome as { messageId: string }).messageId)).toBe('opt_in');
    expect(await db.contact.findUniqueOrThrow({ where: { address: from } })).toMatchObject({ optedOut: false, optedInAt: at(2) });
  });

  test('a STOP and a later YES in one batch, in any order: the YES sees the STOP', async () => {
    const from = '+33640000003';
    const items = await Promise.all(
      [['yes', 2], ['STOP', 1]].map(async ([body, s]) => {
        const j = await job(body as string, from, s as number);
        return { ...j, intent: await classifier.classify({ text: j.message.content, channel: j.message.source }) };
      }),
    );
    expect(items.map((i) => i.intent)).toEqual([
      { label: 'interested', confidence: 1, classifier: 'keyword', whenOptedOut: 'opt_in' },
      { label: 'opt_out', confidence: 1, classifier: 'keyword' },
    ]);
    const outcomes = await persistInterpretedMessages(db, items, { attributionWindowMs: 0 });
    expect(outcomes.map((o) => ('intent' in o ? o.intent.label : o.status))).toEqual(['opt_in', 'opt_out']);
    expect(await db.contact.findUniqueOrThrow({ where: { address: from } })).toMatchObject({ optedOut: false, optedInAt: at(2) });
  });

  test('a lone "oui" from an opted-out contact is interested and does not opt back in', async () => {
    const from = '+33640000004';
    await interpret(await job('STOP', from, 1));
    expect(await interpret(await job('oui', from, 2))).toMatchObject({ intent: 'interested' });
    expect(await isOptedOut(db, from)).toBe(true);
  });

  test('a replayed YES keeps the label it was stored with, although its own opt-in changed the state since', async () => {
    const from = '+33640000005';
    await interpret(await job('STOP', from, 1));
    const yes = await job('YES', from, 2);
    const first = (await interpret(yes)) as { messageId: string; intent: string };
    expect(first.intent).toBe('opt_in');
    const replayed = await interpret({ ...yes, replay: true });
    expect(replayed).toMatchObject({ status: 'replayed', intent: 'opt_in' });
    expect(await storedLabel(first.messageId)).toBe('opt_in');
    expect(await isOptedOut(db, from)).toBe(false);
  });
});

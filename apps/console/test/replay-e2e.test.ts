import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { createQueue, createRedis } from '@switchboard/queues';
import { testLogger, waitFor } from '@switchboard/testing';
import { seedEvent, startTestConsole, type TestConsole } from './helpers.ts';

// The console with the real listener and interpreter in-process, on this file's database and prefix.
let t: TestConsole;
let listener: ListenerService;
let interpreter: InterpreterService;
const redis = createRedis('redis://127.0.0.1:6379', 'worker');
let interpret: ReturnType<typeof createQueue<'interpret'>>;
let inbound: ReturnType<typeof createQueue<'inbound'>>;

beforeAll(async () => {
  t = await startTestConsole({ LISTENER_CONCURRENCY: '4', INTERPRETER_CONCURRENCY: '4' });
  listener = await startListener(t.config, testLogger('listener'));
  interpreter = await startInterpreter(t.config, testLogger('interpreter'));
  interpret = createQueue('interpret', { connection: redis, prefix: t.prefix });
  inbound = createQueue('inbound', { connection: redis, prefix: t.prefix });
});

afterAll(async () => {
  await Promise.all([listener?.close(), interpreter?.close()]);
  await Promise.all([interpret?.close(), inbound?.close()]);
  redis.disconnect();
  await t?.close();
});

function smsBody(sid: string, from: string, text: string): string {
  return new URLSearchParams({
    ToCountry: 'FR', SmsMessageSid: sid, NumMedia: '0', SmsSid: sid, SmsStatus: 'received', Body: text, FromCountry: 'FR',
    To: '+33757000000', NumSegments: '1', MessageSid: sid, AccountSid: 'AC0123456789abcdef0123456789abcdef', From: from, ApiVersion: '2010-04-01',
  }).toString();
}

/** Interpret jobs of this event that have completed (the replay's end: the interpreter's writes are committed). */
async function completedInterpretJobs(eventId: string): Promise<number> {
  const done = await interpret.getJobs(['completed'], 0, -1);
  const failed = await interpret.getJobs(['failed'], 0, -1);
  const mine = failed.filter((j) => j.data.eventId === eventId);
  if (mine.length > 0) throw new Error(`interpret job failed: ${mine[0]!.failedReason}`);
  return done.filter((j) => j.data.eventId === eventId).length;
}

describe('replaying a stored SMS through the workers', () => {
  test('replaying an SMS event twice leaves exactly one message row with its intent', async () => {
    const sid = 'SM00000000000000000000000000c0ffee';
    const event = await seedEvent(t.db, { dedupKey: sid, body: smsBody(sid, '+33612121212', 'Oui ça m’intéresse') });

    // The first replay is the event's first processing here (it was only stored); the second repeats it.
    for (let i = 1; i <= 2; i++) {
      const response = await t.api(`/api/events/${event.id}/replay`, { method: 'POST' });
      expect(response.status).toBe(202);
      const { jobId } = (await response.json()) as { jobId: string };
      await waitFor(async () => (await inbound.getJob(jobId))?.isCompleted(), { what: `inbound job ${jobId}` });
      await waitFor(async () => (await completedInterpretJobs(event.id)) >= i, { what: `interpret job ${i} of ${event.id}`, timeoutMs: 20_000 });
    }

    const messages = await t.db.message.findMany({ where: { eventId: event.id }, include: { intent: true } });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ source: 'sms', sender: '+33612121212', externalId: sid, content: 'Oui ça m’intéresse' });
    expect(messages[0]!.intent).toMatchObject({ label: 'interested' });
    expect(await t.db.message.count({ where: { externalId: sid } })).toBe(1);
    expect(await t.db.rawEvent.count({ where: { dedupKey: sid } })).toBe(1);
    expect((await t.db.rawEvent.findUniqueOrThrow({ where: { id: event.id } })).replayCount).toBe(2);

    // The API shows the one message, tied to its event.
    const listed = (await (await t.api('/api/messages?sender=%2B33612121212')).json()) as { data: { eventId: string; intent: { label: string } }[] };
    expect(listed.data).toEqual([expect.objectContaining({ eventId: event.id, intent: expect.objectContaining({ label: 'interested' }) })]);
  });
});

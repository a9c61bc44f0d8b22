import { createRawEventBatchProcessor, type RawEventResult } from '@switchboard/listener';
import { UnrecoverableError } from '@switchboard/queues';
import type { RawEventPayload } from '@switchboard/events';

const event = (dedupKey: string): RawEventPayload => ({
  provider: 'twilio-messaging', dedupKey, route: '/webhooks/twilio/messages', url: 'http://127.0.0.1/webhooks/twilio/messages',
  receivedAt: new Date(0).toISOString(), headers: {}, body: `MessageSid=${dedupKey}`, bodyEncoding: 'utf8',
});
const done = (e: RawEventPayload): RawEventResult => ({ eventId: e.dedupKey, kind: 'generic' });

describe('a batch of raw events', () => {
  test('an event failing for a transient reason fails the whole batch with that error, so it waits out the outage and reruns', async () => {
    const outage = Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: 'P1001' });
    const run = createRawEventBatchProcessor(async (e) => {
      if (e.dedupKey === 'b') throw outage;
      if (e.dedupKey === 'c') throw new UnrecoverableError('cannot normalize twilio-messaging event c: no From');
      return done(e);
    });
    await expect(run({ events: [event('a'), event('b'), event('c')] })).rejects.toBe(outage);
  });

  test('an unexpected error spends an attempt of the whole batch (not made permanent by a bad neighbour)', async () => {
    const bug = new TypeError('x is undefined');
    const run = createRawEventBatchProcessor(async (e) => {
      if (e.dedupKey === 'a') throw new UnrecoverableError('cannot normalize twilio-messaging event a: no From');
      if (e.dedupKey === 'b') throw bug;
      return done(e);
    });
    await expect(run({ events: [event('a'), event('b')] })).rejects.toBe(bug);
  });

  test('each distinct event runs once, all of them together', async () => {
    const seen: string[] = [];
    const run = createRawEventBatchProcessor(async (e) => (seen.push(e.dedupKey), done(e)));
    expect(await run({ events: [event('a'), event('b'), event('a')] })).toEqual({ events: 2, results: [done(event('a')), done(event('b'))] });
    expect(seen).toEqual(['a', 'b']);
  });
});

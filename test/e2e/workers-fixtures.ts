import { randomUUID } from 'node:crypto';
import type { Db } from '@switchboard/db';
import type { NormalizedEvent, RawEventPayload } from '@switchboard/events';
import { startInterpreter, type InterpreterService } from '@switchboard/interpreter';
import { startListener, type ListenerService } from '@switchboard/listener';
import { normalizeEvent } from '@switchboard/providers';
import { testConfig, testLogger, waitFor } from '@switchboard/testing';
import { inboundSms, messageSid, openTestBed, type TestBed } from './helpers.ts';
import type { StackOptions } from './stack.ts';

/** The listener and the interpreter in this process, on a test bed of their own. */
export type Workers = TestBed & {
  listener: ListenerService;
  interpreter: InterpreterService;
  /** Stops both workers, removes every queue of the prefix and drops the database. */
  close(): Promise<void>;
};

/**
 * Starts the listener and the interpreter with `env` (concurrency, attribution window…; the
 * database and the queue prefix are the bed's), as `startStack` starts the whole system.
 */
export async function startWorkers(env: Record<string, string>, options: Pick<StackOptions, 'prefix' | 'beforeStart'> = {}): Promise<Workers> {
  const bed = await openTestBed({ prefix: options.prefix });
  await options.beforeStart?.(bed.db);
  const config = testConfig({ ...env, DATABASE_URL: bed.database.url, QUEUE_PREFIX: bed.prefix });
  const listener = await startListener(config, testLogger('listener'));
  const interpreter = await startInterpreter(config, testLogger('interpreter'));
  return {
    ...bed, listener, interpreter,
    async close() {
      await Promise.all([listener.close(), interpreter.close()]);
      await bed.close();
    },
  };
}

/** A raw inbound SMS event as ingest puts it on the inbound queue. */
export function rawSms(overrides: Record<string, string> = {}, receivedAt = new Date()): RawEventPayload {
  const params = inboundSms(overrides);
  return {
    provider: 'twilio-messaging',
    dedupKey: params.MessageSid!,
    route: '/webhooks/twilio/messages',
    url: 'http://127.0.0.1/webhooks/twilio/messages',
    receivedAt: receivedAt.toISOString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: {},
    body: new URLSearchParams(params).toString(),
    bodyEncoding: 'utf8',
  };
}

/** A raw Twilio status callback (the provider's field names: MessageSid, MessageStatus, ErrorCode, To). */
export function rawStatus(sid: string, status: string, options: { errorCode?: number; receivedAt?: Date; to?: string } = {}): RawEventPayload {
  const params: Record<string, string> = { MessageSid: sid, MessageStatus: status, To: options.to ?? '+33611111111', AccountSid: 'AC0123456789abcdef0123456789abcdef' };
  if (options.errorCode !== undefined) params.ErrorCode = String(options.errorCode);
  return {
    provider: 'twilio-status',
    dedupKey: `${sid}.${status}`,
    route: '/webhooks/twilio/status',
    url: 'http://127.0.0.1/webhooks/twilio/status',
    receivedAt: (options.receivedAt ?? new Date()).toISOString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: {},
    body: new URLSearchParams(params).toString(),
    bodyEncoding: 'utf8',
  };
}

/** A raw Twilio voice event (CallSid, From, To, CallStatus, Digits) or recording callback. */
export function rawVoice(params: Record<string, string>, receivedAt = new Date()): RawEventPayload {
  return {
    provider: 'twilio-voice',
    dedupKey: params.RecordingSid ?? `${params.CallSid}.${params.Digits ?? params.CallStatus}`,
    route: params.RecordingSid ? '/webhooks/twilio/voice/recording' : params.Digits ? '/webhooks/twilio/voice/menu' : '/webhooks/twilio/voice',
    url: 'http://127.0.0.1/webhooks/twilio/voice',
    receivedAt: receivedAt.toISOString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: {},
    body: new URLSearchParams(params).toString(),
    bodyEncoding: 'utf8',
  };
}

/** The providers' normalizers, as the listener runs them (injected so a test can see what the processor gets). */
export function workersNormalize(event: RawEventPayload): NormalizedEvent {
  return normalizeEvent(event);
}

/** A campaign being sent, with one queued message per recipient (no SID yet). */
export async function seedCampaign(db: Db, recipients: string[], channel: 'sms' | 'whatsapp' = 'sms') {
  const campaign = await db.campaign.create({
    data: { id: randomUUID(), name: 'Relance', channel, body: 'Bonjour', status: 'sending', maxRetries: 0, total: recipients.length, queued: recipients.length, startedAt: new Date() },
  });
  const messages = [];
  for (const recipient of recipients) {
    messages.push(await db.campaignMessage.create({ data: { id: randomUUID(), campaignId: campaign.id, recipient, channel, status: 'queued' } }));
  }
  return { campaign, messages };
}

/** Enables the default webhook endpoint (the seed's subscriber), so deliveries are written. */
export async function enableSubscriber(db: Db): Promise<void> {
  await db.webhookEndpoint.upsert({
    where: { id: 'default' },
    create: { id: 'default', enabled: true, url: 'http://127.0.0.1:9/hook', secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=', eventTypes: [] },
    update: { enabled: true },
  });
}

/** A fresh Twilio message SID for an outbound message. */
export const outboundSid = () => messageSid().replace(/^SM/, 'SM0');

/** Counts the rows an effect could have doubled. */
export async function rowCounts(db: Db) {
  const [rawEvents, messages, intents, contacts, deliveries, statuses, pending, callbacks, calls, steps, recordings] = await Promise.all([
    db.rawEvent.count(), db.message.count(), db.messageIntent.count(), db.contact.count(), db.webhookDelivery.count(),
    db.messageStatus.count(), db.pendingStatus.count(), db.callbackRequest.count(), db.call.count(), db.callStep.count(), db.recording.count(),
  ]);
  return { rawEvents, messages, intents, contacts, deliveries, statuses, pending, callbacks, calls, steps, recordings };
}

/** Waits until the queues (inbound and interpret) have nothing left to do. */
export function queuesDrained(queues: { getJobCountByTypes(...types: string[]): Promise<number> }[]): Promise<unknown> {
  return waitFor(async () => {
    const counts = await Promise.all(queues.map((q) => q.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')));
    return counts.every((c) => c === 0);
  }, { what: 'the queues to drain', timeoutMs: 20_000 });
}

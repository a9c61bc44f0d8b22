import { Worker, type Queue } from 'bullmq';
import { transportRetryDelayMs, type CampaignProvider } from '@switchboard/campaigns';
import type { AppConfig } from '@switchboard/config';
import { takeDueSends, type Db, type DeliveryQueue } from '@switchboard/db';
import type { WorkerProcess } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
import { enqueueBulk, type JobInput } from '@switchboard/queues';
import { createMailgunClient } from './mailgun-client.ts';
import { createMailgunSender } from './mailgun-sender.ts';
import { createMetaClient } from './meta-client.ts';
import { createMetaSender } from './meta-sender.ts';
import { createSendProcessor, TransientSendError, type ChannelSender, type SendResult } from './send.processor.ts';
import { createTwilioClient } from './twilio-client.ts';
import { createTwilioSender } from './twilio-sender.ts';
import { createVonageClient } from './vonage-client.ts';
import { createVonageSender, vonageStatusByClientRef } from './vonage-sender.ts';

export type CampaignSenderDeps = {
  config: AppConfig<'dispatcher'>;
  logger: Logger;
  /** The dispatcher process: its database, outage monitor (Postgres or Redis down defers sends without spending attempts), metrics and shutdown steps. */
  proc: WorkerProcess;
  deliveryQueue: DeliveryQueue;
  /** How often the sweeper looks for due messages (ms). */
  sweepIntervalMs?: number;
};

/** The ingest's status route, which Twilio calls back (docs/contract.md). */
export const STATUS_CALLBACK_PATH = '/webhooks/twilio/status';

/** With the rate limit off, the limiter still exists (for a 429's pause) with a ceiling nothing reaches. */
const UNLIMITED_PER_SECOND = 1_000_000;

/** The ingest's one-click unsubscribe route (RFC 8058), followed by the signed token. */
export const UNSUBSCRIBE_PATH = '/webhooks/unsubscribe/';

/** The campaign providers that are configured: Twilio and Vonage (SMS and WhatsApp), Meta (WhatsApp), Mailgun (email). */
export function providerSenders(config: AppConfig<'dispatcher'>, logger: Logger, db: Db): Partial<Record<CampaignProvider, ChannelSender>> {
  const senders: Partial<Record<CampaignProvider, ChannelSender>> = {};
  const publicUrl = config.publicUrl;
  const { accountSid, authToken, from, apiBaseUrl } = config.twilio;
  if (accountSid && authToken && from && publicUrl) {
    const twilio = createTwilioSender({ twilio: createTwilioClient({ baseUrl: apiBaseUrl, accountSid, authToken }), from, statusCallbackUrl: `${publicUrl}${STATUS_CALLBACK_PATH}` });
    senders.twilio = twilio;
  } else {
    logger.warn('SMS and WhatsApp campaign sends are off: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM and PUBLIC_URL are all needed');
  }
  const { accessToken, phoneNumberId, apiBaseUrl: metaBaseUrl } = config.meta;
  if (accessToken && phoneNumberId) {
    // Meta posts statuses to the webhook URL set in the app's settings: no callback URL per send.
    senders.meta = createMetaSender({ meta: createMetaClient({ baseUrl: metaBaseUrl, phoneNumberId, accessToken }) });
  } else if (accessToken || phoneNumberId) {
    logger.warn('WhatsApp campaign sends through Meta are off: META_ACCESS_TOKEN and META_PHONE_NUMBER_ID are both needed');
  }
  const mg = config.mailgun;
  if (mg.apiKey && mg.domain && mg.from && mg.unsubscribeSecret && publicUrl) {
    senders.mailgun = createMailgunSender({
      mailgun: createMailgunClient({ baseUrl: mg.apiBaseUrl, apiKey: mg.apiKey, domain: mg.domain }),
      domain: mg.domain,
      from: mg.from,
      unsubscribeUrl: `${publicUrl}${UNSUBSCRIBE_PATH}`,
      unsubscribeSecret: mg.unsubscribeSecret,
    });
  } else if (mg.apiKey || mg.domain || mg.from) {
    logger.warn('email campaign sends are off: MAILGUN_API_KEY, MAILGUN_DOMAIN, MAILGUN_FROM, UNSUBSCRIBE_SECRET and PUBLIC_URL are all needed');
  }
  const vonage = config.vonage;
  if (vonage.apiKey && vonage.apiSecret && vonage.from) {
    senders.vonage = createVonageSender({
      vonage: createVonageClient({ baseUrl: vonage.apiBaseUrl, apiKey: vonage.apiKey, apiSecret: vonage.apiSecret }),
      smsFrom: vonage.from,
      whatsappFrom: vonage.whatsappFrom ?? vonage.from,
      findByClientRef: (clientRef, since) => vonageStatusByClientRef(db, clientRef, since),
    });
  } else if (vonage.apiKey || vonage.apiSecret || vonage.from) {
    logger.warn('Vonage campaign sends are off: VONAGE_API_KEY, VONAGE_API_SECRET and VONAGE_FROM are all needed');
  }
  return senders;
}

/**
 * Campaign sends: the send worker (one job per message, BullMQ's rate limiter shared by every
 * replica through Redis) and the sweeper that adds the jobs of due messages (launches, scheduled
 * sends, resends), stopped with the process. Does nothing, with a warning, when no channel's
 * provider is configured.
 */
export function startCampaignSender(deps: CampaignSenderDeps): void {
  const { config, logger, proc } = deps;
  const senders = providerSenders(config, logger, proc.db);
  if (Object.keys(senders).length === 0) {
    logger.warn('campaign sends are off: none of Twilio, Meta, Vonage and Mailgun is configured');
    return;
  }
  const rate = config.dispatcher.sendRatePerSecond;
  const sendQueue: Queue<JobInput<'send'>> = proc.queue('send');

  const processor = createSendProcessor({
    db: proc.db,
    senders,
    deliveryQueue: deps.deliveryQueue,
    logger,
    async throttle(ms) {
      // `worker` is set below, before any job can run.
      await worker.rateLimit(ms);
      return Worker.RateLimitError();
    },
  });
  const worker = proc.worker('sends', { send: (payload, job) => processor(payload, job) }, {
    label: 'send',
    onCompleted: (result) => proc.metrics.campaignSend((result as SendResult | undefined)?.outcome ?? 'unknown'),
    concurrency: config.dispatcher.concurrency,
    // One limit for every provider's sends (one send queue), kept in Redis for every replica.
    limiter: { max: rate > 0 ? rate : UNLIMITED_PER_SECOND, duration: 1_000 },
    lockDuration: config.workers.stalledIntervalMs,
    stalledInterval: config.workers.stalledIntervalMs,
    // A crashed dispatcher's send comes back to reconcile; it must not be failed for stalling.
    maxStalledCount: 10,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => transportRetryDelayMs(attemptsMade, err instanceof TransientSendError ? err.retryAfterMs : undefined),
    },
  });

  // Jobs wait in Redis up to about a minute of sends (at least 500): a cancel leaves at most that
  // many no-op jobs, and 100,000 recipients never sit in Redis at once.
  const window = rate > 0 ? Math.max(500, rate * 60) : 5_000;
  const sweepIntervalMs = deps.sweepIntervalMs ?? 250;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> = Promise.resolve();
  const sweep = async () => {
    let room = window - (await sendQueue.getJobCountByTypes('wait', 'prioritized', 'delayed'));
    while (room > 0 && !stopped) {
      const added = await takeDueSends(proc.db, Math.min(room, 1_000), async (sends) => {
        await enqueueBulk(sendQueue, 'send', sends.map((s) => ({ payload: { campaignMessageId: s.id }, options: { retries: s.retries } })));
      });
      if (added === 0) break;
      room -= added;
    }
  };
  const loop = () => {
    if (stopped) return;
    sweeping = sweep()
      .catch((err: Error) => void logger.warn('campaign sweep failed', { error: err.message }))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, sweepIntervalMs);
      });
  };
  loop();
  proc.onStop('campaign sweeper', async () => {
    stopped = true;
    clearTimeout(timer);
    await sweeping;
  });
  logger.info('campaign sender started', { ratePerSecond: rate || 'off', providers: Object.keys(senders) });
}

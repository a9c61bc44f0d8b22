import { z } from 'zod';
import { envOptional, envUrl } from '@switchboard/env';
import { configuredSecrets, type ProviderPlugin } from '../plugin.ts';
import { mailgunEvents, normalizeMailgunEvent } from './events.ts';
import { mailgun, normalizeMailgunMessage } from './index.ts';
import { normalizeUnsubscribe, unsubscribe } from './unsubscribe-route.ts';

const env = z.object({
  MAILGUN_WEBHOOK_SIGNING_KEY: envOptional().describe('Mailgun webhook signing key (inbound routes and event webhooks)'),
  MAILGUN_API_KEY: envOptional().describe('Mailgun private API key: email campaigns are sent with it'),
  MAILGUN_DOMAIN: envOptional().describe('the Mailgun sending domain'),
  MAILGUN_FROM: envOptional().describe("the campaigns' sender"),
  MAILGUN_API_BASE_URL: envUrl(['http:', 'https:']).default('https://api.mailgun.net').describe('Mailgun API base'),
  UNSUBSCRIBE_SECRET: envOptional()
    .pipe(z.string().min(32, 'at least 32 characters (it signs the one-click unsubscribe links)').optional())
    .describe('signs the one-click unsubscribe links of campaign emails'),
});

/** `config.mailgun`. */
export type MailgunConfig = { signingKey?: string; apiKey?: string; domain?: string; from?: string; apiBaseUrl: string; unsubscribeSecret?: string };

/** Mailgun: inbound mail, event webhooks, and the one-click unsubscribe links of campaign emails. */
export const mailgunPlugin = {
  name: 'mailgun',
  config: {
    key: 'mailgun',
    env,
    section: (vars: z.output<typeof env>): MailgunConfig => ({
      signingKey: vars.MAILGUN_WEBHOOK_SIGNING_KEY,
      apiKey: vars.MAILGUN_API_KEY,
      domain: vars.MAILGUN_DOMAIN,
      from: vars.MAILGUN_FROM,
      apiBaseUrl: vars.MAILGUN_API_BASE_URL.replace(/\/+$/, ''),
      unsubscribeSecret: vars.UNSUBSCRIBE_SECRET,
    }),
  },
  endpoints: [
    {
      id: 'mailgun',
      routes: [
        { method: 'POST', path: '/webhooks/mailgun/inbound' },
        { method: 'POST', path: '/webhook/email-response', alias: true },
      ],
      bind: (config) => ({ provider: mailgun(), secrets: configuredSecrets(config.signingKey ? { signingKey: config.signingKey } : undefined) }),
      normalize: normalizeMailgunMessage,
    },
    {
      id: 'mailgun-events',
      routes: [{ method: 'POST', path: '/webhooks/mailgun/events' }],
      bind: (config) => ({ provider: mailgunEvents(), secrets: configuredSecrets(config.signingKey ? { signingKey: config.signingKey } : undefined) }),
      normalize: normalizeMailgunEvent,
    },
    {
      id: 'unsubscribe',
      routes: [{ method: 'POST', path: '/webhooks/unsubscribe/:token' }],
      bind: (config) => ({ provider: unsubscribe(), secrets: configuredSecrets(config.unsubscribeSecret ? { secret: config.unsubscribeSecret } : undefined) }),
      normalize: normalizeUnsubscribe,
    },
  ],
} as const satisfies ProviderPlugin<MailgunConfig>;

import { z } from 'zod';
import { envOptional, envUrl } from '@switchboard/env';
import { configuredSecrets, type ProviderPlugin } from '../plugin.ts';
import { normalizeTwilioMessage, twilioMessaging } from './messaging/index.ts';
import { loadKeywordReplies } from './messaging/keywords-file.ts';
import { normalizeTwilioStatus, twilioStatus } from './status/index.ts';
import { loadIvrMenu } from './voice/ivr-menu.ts';
import { normalizeTwilioVoice, twilioVoice } from './voice/index.ts';

const env = z.object({
  TWILIO_ACCOUNT_SID: envOptional().describe('Twilio account SID: campaigns are sent with it'),
  TWILIO_AUTH_TOKEN: envOptional().describe('Twilio auth token: it signs Twilio webhooks (routes answer 503 without it) and authenticates sends'),
  TWILIO_FROM: envOptional().describe('sender of outbound SMS/WhatsApp (a number or an MG… messaging service)'),
  TWILIO_API_BASE_URL: envUrl(['http:', 'https:']).default('https://api.twilio.com').describe('Twilio REST base'),
});

/** `config.twilio`. */
export type TwilioConfig = { accountSid?: string; authToken?: string; from?: string; apiBaseUrl: string };

/** The auth token signs every Twilio webhook. */
const secrets = (twilio: TwilioConfig) => configuredSecrets(twilio.authToken ? { authToken: twilio.authToken } : undefined);

/** Twilio: inbound messages, status callbacks and voice, signed with the account's auth token. */
export const twilioPlugin = {
  name: 'twilio',
  config: {
    key: 'twilio',
    env,
    section: (vars: z.output<typeof env>): TwilioConfig => ({
      accountSid: vars.TWILIO_ACCOUNT_SID,
      authToken: vars.TWILIO_AUTH_TOKEN,
      from: vars.TWILIO_FROM,
      apiBaseUrl: vars.TWILIO_API_BASE_URL.replace(/\/+$/, ''),
    }),
  },
  endpoints: [
    {
      id: 'twilio-messaging',
      routes: [
        { method: 'POST', path: '/webhooks/twilio/messages' },
        { method: 'POST', path: '/webhook/sms-response', alias: true },
        { method: 'POST', path: '/api/webhook/twilio/incoming', alias: true },
      ],
      bind: (twilio, ingest) => ({ provider: twilioMessaging({ keywordReplies: loadKeywordReplies(ingest.keywordsFile) }), secrets: secrets(twilio) }),
      normalize: normalizeTwilioMessage,
    },
    {
      id: 'twilio-status',
      routes: [
        { method: 'POST', path: '/webhooks/twilio/status' },
        { method: 'POST', path: '/api/webhook/twilio/status', alias: true },
      ],
      bind: (twilio) => ({ provider: twilioStatus(), secrets: secrets(twilio) }),
      normalize: normalizeTwilioStatus,
    },
    {
      id: 'twilio-voice',
      routes: [
        { method: 'POST', path: '/webhooks/twilio/voice' },
        { method: 'POST', path: '/webhooks/twilio/voice/menu' },
        { method: 'POST', path: '/webhooks/twilio/voice/recording' },
      ],
      bind: (twilio, ingest) => ({
        provider: twilioVoice({ menu: loadIvrMenu(ingest.ivrFile), operatorPhone: ingest.operatorPhone, language: ingest.voice.language, voice: ingest.voice.voice }),
        secrets: secrets(twilio),
      }),
      normalize: normalizeTwilioVoice,
    },
  ],
} as const satisfies ProviderPlugin<TwilioConfig>;

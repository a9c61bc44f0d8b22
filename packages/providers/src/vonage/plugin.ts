import { z } from 'zod';
import { envOptional, envUrl } from '@switchboard/env';
import { configuredSecrets, type ProviderPlugin } from '../plugin.ts';
import { normalizeVonageInbound, vonageInbound } from './inbound.ts';
import { normalizeVonageStatus, vonageStatus } from './status.ts';

const env = z.object({
  VONAGE_SIGNATURE_SECRET: envOptional().describe("signs Vonage's Messages API webhooks (JWT HS256)"),
  VONAGE_API_KEY: envOptional().describe('Vonage API key: campaigns with provider vonage are sent with it'),
  VONAGE_API_SECRET: envOptional().describe('Vonage API secret (basic auth of the Messages API)'),
  VONAGE_FROM: envOptional().describe('the SMS sender of Vonage campaigns (a number or an alphanumeric sender id)'),
  VONAGE_WHATSAPP_FROM: envOptional().describe('the WhatsApp Business number of Vonage campaigns (VONAGE_FROM when unset)'),
  VONAGE_API_BASE_URL: envUrl(['http:', 'https:']).default('https://api.nexmo.com').describe('Vonage API base'),
});

/** `config.vonage`. */
export type VonageConfig = { signatureSecret?: string; apiKey?: string; apiSecret?: string; from?: string; whatsappFrom?: string; apiBaseUrl: string };

/** Vonage's Messages API: inbound SMS and WhatsApp, and their statuses (JWT-signed webhooks). */
export const vonagePlugin = {
  name: 'vonage',
  config: {
    key: 'vonage',
    env,
    section: (vars: z.output<typeof env>): VonageConfig => ({
      signatureSecret: vars.VONAGE_SIGNATURE_SECRET,
      apiKey: vars.VONAGE_API_KEY,
      apiSecret: vars.VONAGE_API_SECRET,
      from: vars.VONAGE_FROM,
      whatsappFrom: vars.VONAGE_WHATSAPP_FROM ?? vars.VONAGE_FROM,
      apiBaseUrl: vars.VONAGE_API_BASE_URL.replace(/\/+$/, ''),
    }),
  },
  endpoints: [
    {
      id: 'vonage-inbound',
      routes: [{ method: 'POST', path: '/webhooks/vonage/inbound' }],
      bind: (config) => ({ provider: vonageInbound(), secrets: configuredSecrets(config.signatureSecret ? { signatureSecret: config.signatureSecret } : undefined) }),
      normalize: normalizeVonageInbound,
    },
    {
      id: 'vonage-status',
      routes: [{ method: 'POST', path: '/webhooks/vonage/status' }],
      bind: (config) => ({ provider: vonageStatus(), secrets: configuredSecrets(config.signatureSecret ? { signatureSecret: config.signatureSecret } : undefined) }),
      normalize: normalizeVonageStatus,
    },
  ],
} as const satisfies ProviderPlugin<VonageConfig>;

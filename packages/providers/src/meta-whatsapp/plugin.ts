import { z } from 'zod';
import { envOptional, envUrl } from '@switchboard/env';
import { configuredSecrets, type ProviderPlugin } from '../plugin.ts';
import { metaWhatsapp, normalizeMetaWhatsapp } from './index.ts';

const env = z.object({
  META_APP_SECRET: envOptional().describe("Meta app secret: the key of the webhooks' X-Hub-Signature-256"),
  META_VERIFY_TOKEN: envOptional().describe("the token typed into Meta's webhook settings, checked by the GET verification request"),
  META_ACCESS_TOKEN: envOptional().describe('a system user access token: WhatsApp campaigns with provider meta are sent with it'),
  META_PHONE_NUMBER_ID: envOptional()
    .pipe(z.string().regex(/^\d+$/, 'the phone number id: digits only (not the phone number)').optional())
    .describe("the business phone number's id in the Graph API (not the number itself)"),
  META_API_BASE_URL: envUrl(['http:', 'https:']).default('https://graph.facebook.com/v21.0').describe('Graph API base, version included'),
});

/** `config.meta`. */
export type MetaConfig = { appSecret?: string; verifyToken?: string; accessToken?: string; phoneNumberId?: string; apiBaseUrl: string };

/**
 * Meta's WhatsApp Cloud API: one path, `POST` for the signed events and `GET` for the
 * subscription check. Each half answers 503 while its own variable is unset.
 */
export const metaWhatsappPlugin = {
  name: 'meta-whatsapp',
  config: {
    key: 'meta',
    env,
    section: (vars: z.output<typeof env>): MetaConfig => ({
      appSecret: vars.META_APP_SECRET,
      verifyToken: vars.META_VERIFY_TOKEN,
      accessToken: vars.META_ACCESS_TOKEN,
      phoneNumberId: vars.META_PHONE_NUMBER_ID,
      apiBaseUrl: vars.META_API_BASE_URL.replace(/\/+$/, ''),
    }),
  },
  endpoints: [
    {
      id: 'meta-whatsapp',
      routes: [
        { method: 'POST', path: '/webhooks/meta/whatsapp' },
        { method: 'GET', path: '/webhooks/meta/whatsapp' },
      ],
      bind: (config) => ({
        provider: metaWhatsapp(),
        secrets: configuredSecrets(config.appSecret || config.verifyToken ? { appSecret: config.appSecret, verifyToken: config.verifyToken } : undefined),
      }),
      normalize: normalizeMetaWhatsapp,
    },
  ],
} as const satisfies ProviderPlugin<MetaConfig>;

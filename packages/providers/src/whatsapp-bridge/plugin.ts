import { z } from 'zod';
import { envList, envOptional } from '@switchboard/env';
import { secretWeakness } from '../generic/secret.ts';
import { configuredSecrets, type ProviderPlugin } from '../plugin.ts';
import { normalizeBridgeMessage, whatsappBridge } from './index.ts';

const env = z.object({
  WHATSAPP_BRIDGE_SECRET: envOptional()
    .pipe(
      z
        .string()
        .superRefine((secret, ctx) => {
          // The same rule as a generic source's secret: it is an HMAC key too (Standard Webhooks).
          const weakness = secretWeakness(secret);
          if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
        })
        .optional(),
    )
    .describe('the WhatsApp group bridge shared secret'),
  WHATSAPP_BRIDGE_ALLOWED_IPS: envList().describe('comma-separated IPs/CIDRs allowed to post bridge events'),
});

/** `config.whatsappBridge`. */
export type WhatsappBridgeConfig = { secret?: string; allowedIps: string[] };

/** The WhatsApp group bridge: JSON events with a shared secret or a Standard Webhooks signature. */
export const whatsappBridgePlugin = {
  name: 'whatsapp-bridge',
  config: {
    key: 'whatsappBridge',
    env,
    section: (vars: z.output<typeof env>): WhatsappBridgeConfig => ({ secret: vars.WHATSAPP_BRIDGE_SECRET, allowedIps: vars.WHATSAPP_BRIDGE_ALLOWED_IPS }),
  },
  endpoints: [
    {
      id: 'whatsapp-bridge',
      routes: [
        { method: 'POST', path: '/webhooks/whatsapp-bridge' },
        { method: 'POST', path: '/webhook/whatsapp', alias: true },
      ],
      bind: (config) => ({ provider: whatsappBridge({ allowedIps: config.allowedIps }), secrets: configuredSecrets(config.secret ? { secret: config.secret } : undefined) }),
      normalize: normalizeBridgeMessage,
    },
  ],
} as const satisfies ProviderPlugin<WhatsappBridgeConfig>;

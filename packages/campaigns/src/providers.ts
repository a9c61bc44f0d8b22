/**
 * Who can send a campaign of each channel, the first being the default. A campaign keeps its
 * provider: the dispatcher sends through it, and its status callbacks move the campaign's
 * messages (each message keeps the id the provider gave it).
 */
export const CAMPAIGN_PROVIDERS = {
  sms: ['twilio', 'vonage'],
  whatsapp: ['twilio', 'meta', 'vonage'],
  email: ['mailgun'],
} as const satisfies Record<string, readonly string[]>;

export type CampaignChannel = keyof typeof CAMPAIGN_PROVIDERS;
export type CampaignProvider = (typeof CAMPAIGN_PROVIDERS)[CampaignChannel][number];

/** The provider of a new campaign: the one asked for if the channel allows it, else the channel's default; `null` when refused. */
export function campaignProvider(channel: CampaignChannel, asked: unknown): CampaignProvider | null {
  const allowed: readonly string[] = CAMPAIGN_PROVIDERS[channel];
  if (asked === undefined || asked === null) return CAMPAIGN_PROVIDERS[channel][0];
  return typeof asked === 'string' && allowed.includes(asked) ? (asked as CampaignProvider) : null;
}

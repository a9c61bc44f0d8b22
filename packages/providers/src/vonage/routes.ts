/** Vonage's public routes (the ingest table): one per Messages API webhook, set in the Vonage application's settings. */
export const VONAGE_ROUTES = [
  { path: '/webhooks/vonage/inbound', provider: 'vonage-inbound' },
  { path: '/webhooks/vonage/status', provider: 'vonage-status' },
] as const;

import { webhookRoutes } from '@switchboard/providers';

export type { WebhookRoute } from '@switchboard/providers';

/**
 * docs/contract.md's ingest table, as the registered providers declare it (`PROVIDERS` in
 * @switchboard/providers). An alias verifies signatures against its own URL, like any route.
 */
export const WEBHOOK_ROUTES = webhookRoutes();

export { startIngest } from './service.ts';
export type { IngestService } from './service.ts';
export { createIngestApp, createIngestListener } from './app.ts';
export { WEBHOOK_ROUTES } from './routes.ts';
export type { WebhookRoute } from './routes.ts';
export { createMetrics } from './metrics.ts';
export type { IngestMetrics } from './metrics.ts';

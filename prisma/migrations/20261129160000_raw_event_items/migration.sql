-- A raw event may be one item of a body that carries several (Meta's WhatsApp webhooks: each
-- message and each status of one POST is its own event, with its own dedup key).
ALTER TABLE "raw_events" ADD COLUMN     "item" JSONB;

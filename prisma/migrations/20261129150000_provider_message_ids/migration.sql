-- The id of a message at its provider (Twilio SID, Mailgun Message-Id, Meta wamid, Vonage
-- message_uuid), not only at Twilio: the columns and their indexes are renamed, no data changes.
ALTER TABLE "campaign_messages" RENAME COLUMN "twilio_sid" TO "provider_message_id";
ALTER TABLE "campaign_messages" RENAME COLUMN "previous_sids" TO "previous_message_ids";
ALTER INDEX "campaign_messages_twilio_sid_key" RENAME TO "campaign_messages_provider_message_id_key";
ALTER TABLE "pending_statuses" RENAME COLUMN "twilio_sid" TO "provider_message_id";
ALTER INDEX "pending_statuses_twilio_sid_status_key" RENAME TO "pending_statuses_provider_message_id_status_key";
ALTER TABLE "message_statuses" RENAME COLUMN "twilio_sid" TO "provider_message_id";
ALTER INDEX "message_statuses_twilio_sid_status_key" RENAME TO "message_statuses_provider_message_id_status_key";

-- Who sends a campaign and reports its statuses. Existing email campaigns went through Mailgun.
ALTER TABLE "campaigns" ADD COLUMN "provider" TEXT NOT NULL DEFAULT 'twilio';
UPDATE "campaigns" SET "provider" = 'mailgun' WHERE "channel" = 'email';

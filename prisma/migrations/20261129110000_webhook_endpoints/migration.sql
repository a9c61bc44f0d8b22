-- Several webhook endpoints replace the seed's single subscriber, which becomes the endpoint 'default'.
CREATE TABLE "webhook_endpoints" (
    "id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "event_types" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "environment" TEXT NOT NULL DEFAULT 'development',
    "secret" TEXT NOT NULL,
    "previous_secret" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "failing_since" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "webhook_endpoints_created_at_idx" ON "webhook_endpoints"("created_at");

INSERT INTO "webhook_endpoints" ("id", "url", "description", "event_types", "enabled", "environment", "secret", "updated_at")
SELECT "id", "url", 'seed subscriber', '{}', "enabled", "environment", "secret", "updated_at" FROM "webhook_subscribers";

DROP TABLE "webhook_subscribers";

-- Deliveries written so far were for the single subscriber.
ALTER TABLE "webhook_deliveries" ADD COLUMN "endpoint_id" TEXT,
ADD COLUMN "last_error" TEXT;
UPDATE "webhook_deliveries" SET "endpoint_id" = 'default';
DELETE FROM "webhook_attempts" a WHERE NOT EXISTS (SELECT 1 FROM "webhook_endpoints" e WHERE e."id" = 'default');
DELETE FROM "webhook_deliveries" WHERE NOT EXISTS (SELECT 1 FROM "webhook_endpoints" e WHERE e."id" = 'default');
UPDATE "webhook_deliveries" SET "next_attempt_at" = "created_at" WHERE "next_attempt_at" IS NULL;
ALTER TABLE "webhook_deliveries" ALTER COLUMN "endpoint_id" SET NOT NULL,
ALTER COLUMN "next_attempt_at" SET NOT NULL,
ALTER COLUMN "next_attempt_at" SET DEFAULT CURRENT_TIMESTAMP;

ALTER TABLE "webhook_attempts" ADD COLUMN "response_body" TEXT;

DROP INDEX "webhook_deliveries_event_key_key";
DROP INDEX "webhook_deliveries_status_next_attempt_at_idx";
CREATE INDEX "webhook_deliveries_status_next_attempt_at_id_idx" ON "webhook_deliveries"("status", "next_attempt_at", "id");
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at");
CREATE UNIQUE INDEX "webhook_deliveries_event_key_endpoint_id_key" ON "webhook_deliveries"("event_key", "endpoint_id");

ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "campaign_messages" ADD COLUMN     "recipient_hash" TEXT;

-- CreateTable
CREATE TABLE "consent_events" (
    "id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cause" TEXT NOT NULL,
    "message_id" UUID,
    "actor" TEXT,
    "wording" TEXT,
    "decided_by" TEXT NOT NULL,
    "source_key" TEXT NOT NULL,

    CONSTRAINT "consent_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "suppressions" (
    "address_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppressions_pkey" PRIMARY KEY ("address_hash")
);

-- CreateTable
CREATE TABLE "erasures" (
    "id" UUID NOT NULL,
    "address_hash" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "counts" JSONB NOT NULL,

    CONSTRAINT "erasures_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "consent_events_source_key_key" ON "consent_events"("source_key");

-- CreateIndex
CREATE INDEX "consent_events_address_occurred_at_idx" ON "consent_events"("address", "occurred_at");

-- CreateIndex
CREATE INDEX "consent_events_recorded_at_id_idx" ON "consent_events"("recorded_at", "id");

-- CreateIndex
CREATE INDEX "erasures_at_idx" ON "erasures"("at");


-- The ledger is append-only: an UPDATE or DELETE of its rows does nothing, except an UPDATE inside
-- an erasure's transaction (SET LOCAL switchboard.erasure = 'on'), which pseudonymizes the
-- person's rows. Rules, not a trigger: Prisma's migration engine splits scripts on every
-- semicolon, so a PL/pgSQL body cannot be written here.
CREATE RULE consent_events_no_delete AS ON DELETE TO "consent_events" DO INSTEAD NOTHING;
CREATE RULE consent_events_no_update AS ON UPDATE TO "consent_events"
  WHERE current_setting('switchboard.erasure', true) IS DISTINCT FROM 'on' DO INSTEAD NOTHING;

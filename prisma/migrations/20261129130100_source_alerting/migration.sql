-- CreateTable
CREATE TABLE "source_alerting" (
    "source_id" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "silence_minutes" INTEGER NOT NULL,
    "days" INTEGER[],
    "start_time" TEXT NOT NULL,
    "end_time" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'active',
    "silent_since" TIMESTAMPTZ(3),
    "silent_last_event_at" TIMESTAMPTZ(3),
    "last_event_at" TIMESTAMPTZ(3),
    "checked_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "source_alerting_pkey" PRIMARY KEY ("source_id")
);

-- CreateIndex
CREATE INDEX "raw_events_source_id_received_at_idx" ON "raw_events"("source_id", "received_at");


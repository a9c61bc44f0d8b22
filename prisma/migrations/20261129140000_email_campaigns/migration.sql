-- AlterTable
ALTER TABLE "contacts" ADD COLUMN     "undeliverable_at" TIMESTAMPTZ(3),
ADD COLUMN     "undeliverable_reason" TEXT;

-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "clicked" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "complained" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "html" TEXT,
ADD COLUMN     "opened" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "subject" TEXT;

-- AlterTable
ALTER TABLE "campaign_messages" ADD COLUMN     "clicks" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "complained_at" TIMESTAMPTZ(3),
ADD COLUMN     "opens" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "email_events" (
    "id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "message_id" TEXT,
    "campaign_message_id" UUID,
    "recipient" TEXT,
    "severity" TEXT,
    "event_id" UUID NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "email_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "email_events_campaign_message_id_idx" ON "email_events"("campaign_message_id");


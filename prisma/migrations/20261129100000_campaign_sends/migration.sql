-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "alert_failure_rate" DOUBLE PRECISION NOT NULL DEFAULT 0.2,
ADD COLUMN     "alerted_at" TIMESTAMPTZ(3),
ADD COLUMN     "canceled" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "canceled_at" TIMESTAMPTZ(3),
ADD COLUMN     "max_retries" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "retry_base_ms" INTEGER NOT NULL DEFAULT 5000,
ADD COLUMN     "send_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "campaign_messages" ADD COLUMN     "claimed_at" TIMESTAMPTZ(3),
ADD COLUMN     "next_send_at" TIMESTAMPTZ(3),
ADD COLUMN     "previous_sids" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "retries" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "send_state" TEXT NOT NULL DEFAULT 'pending';

-- CreateIndex
CREATE INDEX "campaign_messages_send_state_next_send_at_idx" ON "campaign_messages"("send_state", "next_send_at");


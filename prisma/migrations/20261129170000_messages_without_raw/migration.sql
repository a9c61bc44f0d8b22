-- A message no longer keeps a copy of its provider payload: the raw event it came from
-- (messages.event_id → raw_events) holds the request byte for byte, and nothing read the copy.
ALTER TABLE "messages" DROP COLUMN "raw";

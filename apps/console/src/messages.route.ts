import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '@switchboard/db';
import { MESSAGE_SOURCES } from '@switchboard/events';
import { INTENT_LABELS } from '@switchboard/intent';
import { listMessages } from './messages.ts';
import { cursorSchema, limitSchema, timeSchema } from './pagination.ts';
import { parseOr400 } from './validation.ts';
import { contactAddress } from './contacts.ts';

const query = z.object({
  // Senders are stored without `whatsapp:`; accept it as Twilio writes it.
  sender: z.string().trim().min(1).max(320).transform(contactAddress).optional(),
  intent: z.enum(INTENT_LABELS as [string, ...string[]], { error: `must be one of ${INTENT_LABELS.join(', ')}` }).optional(),
  campaignId: z.uuid({ error: 'must be a campaign id (a UUID)' }).optional(),
  source: z.enum(MESSAGE_SOURCES, { error: `must be one of ${MESSAGE_SOURCES.join(', ')}` }).optional(),
  since: timeSchema.optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

/** `GET /api/messages`: normalized, interpreted messages. */
export function messagesRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.get('/api/messages', async (req, res) => {
    const q = parseOr400(res, query, req.query, 'query');
    if (!q) return;
    res.json(await listMessages(deps.db, q));
  });
  return router;
}

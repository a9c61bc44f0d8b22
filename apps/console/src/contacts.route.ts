import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '@switchboard/db';
import { getContact } from './contacts.ts';
import { parseOr400 } from './validation.ts';

const params = z.object({ address: z.string().trim().min(1).max(320, 'at most 320 characters') });

/** `GET /api/contacts/:address`: opt-out state and last activity of one contact. */
export function contactsRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.get('/api/contacts/:address', async (req, res) => {
    const p = parseOr400(res, params, req.params, 'address');
    if (!p) return;
    const contact = await getContact(deps.db, p.address);
    if (!contact) {
      res.status(404).json({ error: 'no contact with this address' });
      return;
    }
    res.json(contact);
  });
  return router;
}

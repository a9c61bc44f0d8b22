import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '@switchboard/db';
import { secretWeakness } from '@switchboard/providers/secret';
import { cursorSchema, limitSchema } from './pagination.ts';
import { createSource, deleteSource, listSources } from './sources.ts';
import { parseOr400 } from './validation.ts';

const listQuery = z.object({ limit: limitSchema, cursor: cursorSchema });

const createBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters'),
    // A secret of the caller's (a legacy shared secret, or a whsec_ one made elsewhere): an HMAC
    // key nobody can guess. `whsec_!!!!` would decode to no key at all, and anyone could sign.
    secret: z
      .string()
      .max(1024, 'at most 1024 characters')
      .regex(/^\S+$/, 'no spaces')
      .superRefine((secret, ctx) => {
        const weakness = secretWeakness(secret);
        if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
      })
      .optional(),
  })
  .strict();

const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a source id') });

/** `/api/sources`: generic inbound sources (Standard Webhooks) that `/webhooks/generic/:id` verifies. */
export function sourcesRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get('/api/sources', async (req, res) => {
    const q = parseOr400(res, listQuery, req.query, 'query');
    if (!q) return;
    res.json(await listSources(deps.db, q));
  });

  router.post('/api/sources', express.json({ limit: '16kb' }), async (req, res) => {
    const body = parseOr400(res, createBody, req.body ?? {}, 'body');
    if (!body) return;
    res.status(201).json(await createSource(deps.db, body));
  });

  router.delete('/api/sources/:id', async (req, res) => {
    const p = parseOr400(res, idParams, req.params, 'source id');
    if (!p) return;
    if (!(await deleteSource(deps.db, p.id))) {
      res.status(404).json({ error: `no source ${p.id}` });
      return;
    }
    res.status(204).end();
  });

  return router;
}

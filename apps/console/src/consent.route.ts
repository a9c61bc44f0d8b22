import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Queue } from 'bullmq';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { consentCsv, eraseContactEverywhere, listConsent, recordOperatorConsent } from './consent.ts';
import { parseOr400 } from './validation.ts';

const params = z.object({ address: z.string().trim().min(1).max(320, 'at most 320 characters') });

const consentBody = z
  .object({
    action: z.enum(['opt_out', 'opt_in']),
    channel: z.string().trim().min(1).max(40).default('any'),
    /** The proof or the words the person used ("signed form 12", "said yes on the phone"). */
    wording: z.string().max(2_000, 'at most 2000 characters').optional(),
    occurredAt: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  })
  .strict();

const exportQuery = z.object({ since: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional() });

export type ConsentRoutesDeps = {
  db: Db;
  logger: Logger;
  erasureHashKey?: string | undefined;
  attachmentsDir: string;
  /** The queues whose jobs carry personal data (inbound raw events, interpret messages). */
  jobQueues?: Queue[];
};

/**
 * The consent ledger (`/api/contacts/:address/consent`, `/api/consent/export`) and erasure
 * (`DELETE /api/contacts/:address`). No log line names the address: erasure logs its hash.
 */
export function consentRoutes(deps: ConsentRoutesDeps): Router {
  const router = Router();

  router.get('/api/contacts/:address/consent', async (req, res) => {
    const p = parseOr400(res, params, req.params, 'address');
    if (!p) return;
    res.json({ data: await listConsent(deps.db, p.address), nextCursor: null });
  });

  router.post('/api/contacts/:address/consent', express.json({ limit: '16kb' }), async (req, res) => {
    const p = parseOr400(res, params, req.params, 'address');
    if (!p) return;
    const body = parseOr400(res, consentBody, req.body ?? {}, 'body');
    if (!body) return;
    const entry = await recordOperatorConsent(deps.db, p.address, body, `operator via POST /api/contacts/:address/consent from ${req.ip ?? 'unknown'}`);
    res.status(201).json(entry);
  });

  router.get('/api/consent/export', async (req, res) => {
    const q = parseOr400(res, exportQuery, req.query, 'query');
    if (!q) return;
    res.status(200).setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="consent-ledger.csv"');
    // Streamed a page at a time, with back-pressure: the export never sits whole in memory.
    await pipeline(Readable.from(consentCsv(deps.db, q.since ?? new Date(0))), res);
  });

  router.delete('/api/contacts/:address', async (req, res) => {
    const p = parseOr400(res, params, req.params, 'address');
    if (!p) return;
    if (!deps.erasureHashKey) {
      res.status(503).json({ error: 'erasure needs ERASURE_HASH_KEY: set it (and never change it) to keep erased addresses out of campaigns' });
      return;
    }
    const result = await eraseContactEverywhere(deps.db, p.address, {
      hashKey: deps.erasureHashKey,
      attachmentsDir: deps.attachmentsDir,
      requestedBy: `operator from ${req.ip ?? 'unknown'}`,
      jobQueues: deps.jobQueues,
    });
    deps.logger.info('contact erased', { erasureId: result.erasureId, addressHash: result.addressHash.slice(0, 16), counts: result.counts, filesDeleted: result.filesDeleted, jobsRemoved: result.jobsRemoved });
    res.json({ erasureId: result.erasureId, addressHash: result.addressHash, counts: result.counts, filesDeleted: result.filesDeleted, jobsRemoved: result.jobsRemoved });
  });

  return router;
}

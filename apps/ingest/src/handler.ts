import { isUtf8 } from 'node:buffer';
import type { Request, Response } from 'express';
import type { RawEventPayload } from '@switchboard/events';
import type { Logger } from '@switchboard/logger';
import type { IngestRequest, Provider, Rejection } from '@switchboard/providers';
import { readRawBody } from './body.ts';
import type { EventSink } from './sink.ts';
import type { WebhookRoute } from './routes.ts';

/** A provider wired to its secrets: `undefined` means the route is not configured (503). */
export type ProviderBinding<S = unknown, F = unknown> = {
  provider: Provider<S, F>;
  secrets(request: Pick<IngestRequest, 'sourceId'>): S | undefined | Promise<S | undefined>;
};

export type HandlerDeps = {
  sink: EventSink;
  logger: Logger;
  publicUrl: string | undefined;
  maxBodyBytes: number;
  insecureSkipSignatures: boolean;
  /** Called on every rejected request (rate limiting counts these). */
  onRejected?: (req: Request, status: number) => void;
};

/** Headers kept with the raw event: what re-verification and dedup need. Shared secrets are not kept. */
const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'x-twilio-signature',
  'i-twilio-idempotency-token',
  'x-home-region',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
];

const STATUS: Record<Rejection['reason'], number> = { unauthorized: 401, forbidden: 403, invalid: 400, not_configured: 503 };

/** The URL a provider signed: PUBLIC_URL + path + query, or the request's own (proxy-aware) origin. */
export function signedUrl(req: Request, publicUrl: string | undefined): string {
  const base = publicUrl ?? `${req.protocol}://${req.host}`;
  return base + req.originalUrl;
}

function keptHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * The HTTP side of every webhook route: cheap rejections first (content type, configuration,
 * size), then the provider's pure verification, then the durable hand-off, then the answer.
 */
export function webhookHandler(route: WebhookRoute, binding: ProviderBinding, deps: HandlerDeps) {
  const { provider } = binding;
  const log = deps.logger.child({ integration: provider.integration, provider: provider.id });

  const reject = (req: Request, res: Response, status: number, body: Record<string, unknown>) => {
    deps.onRejected?.(req, status);
    log.info('webhook rejected', { route: route.path, status, error: body.error, remoteIp: req.ip });
    res.status(status).json(body);
  };

  return async (req: Request, res: Response): Promise<void> => {
    const contentType = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (!provider.contentTypes.includes(contentType)) {
      return reject(req, res, 415, { error: `unsupported content type "${contentType || '(none)'}"`, expected: provider.contentTypes });
    }
    const sourceId = typeof req.params.sourceId === 'string' ? req.params.sourceId : undefined;
    const secrets = await binding.secrets({ sourceId });
    if (secrets === undefined && !deps.insecureSkipSignatures) {
      return reject(req, res, 503, { error: 'source not configured' });
    }
    const read = await readRawBody(req, deps.maxBodyBytes);
    if (!read.ok) {
      if (read.reason === 'aborted') return;
      res.setHeader('Connection', 'close');
      return reject(req, res, 413, { error: `body exceeds ${deps.maxBodyBytes} bytes` });
    }
    const request: IngestRequest = {
      url: signedUrl(req, deps.publicUrl),
      path: route.path,
      headers: req.headers,
      body: read.body,
      remoteIp: req.ip ?? '',
      now: new Date(),
      sourceId,
    };
    if (secrets === undefined) log.warn('INSECURE_SKIP_SIGNATURES: accepting a request without checking its signature', { route: route.path });
    const outcome = secrets === undefined ? provider.acceptUnsigned(request) : provider.accept(request, secrets);
    if (!outcome.ok) {
      const body: Record<string, unknown> = { error: outcome.error };
      if (outcome.reason === 'invalid' && outcome.fields.length > 0) body.fields = outcome.fields;
      return reject(req, res, STATUS[outcome.reason], body);
    }
    const utf8 = isUtf8(read.body);
    const event: RawEventPayload = {
      provider: provider.id,
      dedupKey: outcome.dedupKey,
      route: route.path,
      url: request.url,
      sourceId,
      receivedAt: request.now.toISOString(),
      remoteIp: request.remoteIp,
      contentType,
      headers: keptHeaders(req),
      body: read.body.toString(utf8 ? 'utf8' : 'base64'),
      bodyEncoding: utf8 ? 'utf8' : 'base64',
    };
    try {
      await deps.sink.submit(event);
    } catch (err) {
      log.error('event could be neither queued nor spooled', { route: route.path, error: (err as Error).message });
      res.status(503).setHeader('Retry-After', '5').json({ error: 'temporarily unable to accept events' });
      return;
    }
    const reply = provider.reply(outcome.fields, request);
    res.status(200).setHeader('Content-Type', reply.contentType).end(reply.body);
  };
}


import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import type { Attachment, RawEventPayload } from '@switchboard/events';
import type { Logger } from '@switchboard/logger';
import { REGISTRY_UNAVAILABLE, UNKNOWN_SOURCE, type Acceptance, type BodyRead, type IngestRequest, type ProviderBinding, type RefusedWebhook, type Rejection, type SignatureDiagnosis } from '@switchboard/providers';
import type { RejectionLog } from '@switchboard/queues';
import { readRawBody } from './body.ts';
import type { IngestMetrics } from './metrics.ts';
import type { FailureLimiter } from './rate-limit.ts';
import type { ReplayGuard } from './replay-guard.ts';
import type { EventSink } from './sink.ts';
import type { WebhookRoute } from './routes.ts';

export type HandlerDeps = {
  sink: EventSink;
  /** Express's `trust proxy` setting: when it trusts nothing, the client is the socket's peer. */
  trustProxy?: boolean | number | string;
  logger: Logger;
  publicUrl: string | undefined;
  maxBodyBytes: number;
  /** The limit of providers with `bodyLimit: 'mailgun'`. */
  mailgunMaxBodyBytes?: number;
  /** MAILGUN_MAX_TEXT_BYTES: a Mailgun post's text fields, as stored. */
  mailgunMaxTextBytes?: number;
  /** Where providers that read their own body stream attachments. */
  attachmentsDir?: string;
  insecureSkipSignatures: boolean;
  metrics?: IngestMetrics;
  limiter?: FailureLimiter;
  /** Single-use tokens (Mailgun's); without it a token is only as single-use as its dedup key. */
  replayGuard?: ReplayGuard;
  /** Where refused signatures are recorded with their diagnosis, after the answer is sent. */
  rejections?: RejectionLog<RefusedWebhook>;
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
  'idempotency-key',
  'x-webhook-id',
  'x-hub-signature-256',
];

export const STATUS: Record<Rejection['reason'], number> = { unauthorized: 401, forbidden: 403, invalid: 400, not_configured: 503 };
/** The rejections that count toward the per-IP rate limit: failed verification or validation. */
const COUNTED = new Set([400, 401, 403, 413, 415]);

/** The URL a provider signed: PUBLIC_URL + path + query, or the request's own (proxy-aware) origin. */
export function signedUrl(req: Request, publicUrl: string | undefined): string {
  const base = publicUrl ?? `${req.protocol}://${req.host}`;
  return base + req.originalUrl;
}

/**
 * Where a webhook request came from and what it asked for, as the route's caller determined it:
 * Express (`expressSite`) or the fast path, which hands Express every request it cannot answer
 * exactly as Express would (see fast-path.ts).
 */
export type RequestSite = {
  /** The client's address (`req.ip` when a proxy is trusted, else the socket's peer). */
  ip: string;
  /** The URL the provider signed (`signedUrl`). */
  url: string;
  /** The path and query as received (`req.originalUrl`). */
  pathAndQuery: string;
  /** The route's `:sourceId`, decoded, if it has one. */
  sourceId: string | undefined;
};

/** The JSON answer of every refusal and error, as Express's `res.status(status).json(body)` writes it. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

/**
 * A provider's answer, written at once: the status line and its two headers in one `writeHead`,
 * with the headers of the route's last answer kept (the usual one, Twilio's empty TwiML or
 * `{"ok":true}`, is the same every time). The body stays a string: Node then sends the head and
 * the body as one string write, where a Buffer body costs a second chunk and a `writev`.
 */
function replyWriter(): (res: ServerResponse, reply: { contentType: string; body: string }) => void {
  let lastType = '';
  let lastBody: string | undefined;
  let headers: Record<string, string | number> = {};
  return (res, reply) => {
    if (reply.body !== lastBody || reply.contentType !== lastType) {
      lastType = reply.contentType;
      lastBody = reply.body;
      headers = { 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) };
    }
    res.writeHead(200, headers);
    res.end(reply.body);
  };
}

function keptHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * The raw events of one accepted request: itself, or one per item of a body that carries several
 * (Meta), each with the whole signed body, its own dedup key and a pointer to its item. They are
 * submitted together and the 2xx waits for all: a failure answers 503, and the provider's retry
 * finds the items already durable by their keys.
 */
function eventsOf(event: RawEventPayload, items: Acceptance<unknown>['items']): RawEventPayload[] {
  return items && items.length > 0 ? items.map(({ dedupKey, item }) => ({ ...event, dedupKey, item })) : [event];
}

type Body = { body: Buffer; contentType: string; attachments?: Attachment[]; settle?: (keep: boolean) => Promise<void> };

/**
 * The HTTP side of every webhook route: cheap rejections first (rate limit, content type,
 * configuration, size), then the provider's pure verification, then the durable hand-off, then
 * the answer.
 */
export function webhookHandler(route: WebhookRoute, binding: ProviderBinding, deps: HandlerDeps) {
  const { provider } = binding;
  const log = deps.logger.child({ integration: provider.integration, provider: provider.id });
  const maxBytes = provider.bodyLimit === 'mailgun' ? (deps.mailgunMaxBodyBytes ?? deps.maxBodyBytes) : deps.maxBodyBytes;
  const attachmentsDir = deps.attachmentsDir ?? './var/attachments';

  const reject = (ip: string, res: ServerResponse, status: number, body: Record<string, unknown>) => {
    if (COUNTED.has(status)) deps.limiter?.failed(ip);
    deps.metrics?.rejected(provider.id, status);
    log.info('webhook rejected', { route: route.path, status, error: body.error, remoteIp: ip });
    sendJson(res, status, body);
  };
  const writeReply = replyWriter();

  /**
   * Records a refused signature once the answer is on its way: the caller never waits for it
   * and never sees it, and an accepted request never runs it. `diagnose` (a few HMACs over
   * nearby URLs) runs then too.
   */
  const recordRefusal = (res: ServerResponse, ip: string, status: number, error: string, diagnose?: () => SignatureDiagnosis) => {
    const rejections = deps.rejections;
    if (!rejections) return;
    const at = new Date().toISOString();
    res.once('finish', () => {
      setImmediate(() => {
        let diagnosis: SignatureDiagnosis | undefined;
        try {
          diagnosis = diagnose?.();
        } catch (err) {
          log.warn('could not diagnose a refused signature', { route: route.path, error: (err as Error).message });
        }
        const entry: RefusedWebhook = { at, route: route.path, provider: provider.id, status, reason: diagnosis?.verdict ?? error, error, remoteIp: ip };
        if (diagnosis) {
          entry.diagnosis = diagnosis;
          log.info('refused signature diagnosed', { route: route.path, verdict: diagnosis.verdict, checkedUrl: diagnosis.checkedUrl, verifiedBy: diagnosis.verifiedBy.map((v) => v.url) });
        }
        rejections.record(entry).catch((err: Error) => log.warn('could not record a refused webhook', { route: route.path, error: err.message }));
      });
    });
  };

  const readBody = async (req: IncomingMessage, res: ServerResponse, ip: string, contentType: string, secrets: unknown): Promise<Body | undefined> => {
    if (provider.readBody) {
      const read: BodyRead = await provider.readBody(req, { maxBytes, attachmentsDir, maxTextBytes: deps.mailgunMaxTextBytes, now: new Date() }, secrets ?? null);
      if (read.ok) return { body: read.body, contentType: read.contentType, attachments: read.attachments, settle: read.settle };
      if (read.reason === 'aborted') return undefined;
      // Refused before the body was read whole: what remains of it is not read, the connection goes.
      res.setHeader('Connection', 'close');
      if (read.reason === 'too_large') reject(ip, res, 413, { error: read.error });
      else if (read.reason === 'malformed') reject(ip, res, 400, { error: read.error });
      else {
        if (read.reason !== 'not_configured') recordRefusal(res, ip, STATUS[read.reason], read.error);
        reject(ip, res, STATUS[read.reason], { error: read.error });
      }
      return undefined;
    }
    const read = await readRawBody(req, maxBytes);
    if (read.ok) return { body: read.body, contentType };
    if (read.reason === 'too_large') {
      res.setHeader('Connection', 'close');
      reject(ip, res, 413, { error: `body exceeds ${maxBytes} bytes` });
    }
    return undefined;
  };

  const settle = async (body: Body, keep: boolean) => {
    if (!body.settle) return;
    try {
      await body.settle(keep);
    } catch (err) {
      log.error(keep ? 'could not move attachments into place' : 'could not delete refused attachments', { route: route.path, error: (err as Error).message });
    }
  };

  return async (req: IncomingMessage, res: ServerResponse, site: RequestSite): Promise<void> => {
    const { ip, sourceId } = site;
    // Before anything is read: an address over its failure budget is turned away cheaply.
    const retryAfter = deps.limiter?.retryAfter(ip) ?? 0;
    if (retryAfter > 0) {
      deps.metrics?.rejected(provider.id, 429);
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', String(retryAfter));
      sendJson(res, 429, { error: 'too many failed requests from this address', retryAfter });
      return;
    }
    const contentType = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (!provider.contentTypes.includes(contentType)) {
      return reject(ip, res, 415, { error: `unsupported content type "${contentType || '(none)'}"`, expected: provider.contentTypes });
    }
    const secrets = await binding.secrets({ sourceId });
    if (secrets === UNKNOWN_SOURCE) return reject(ip, res, 404, { error: 'unknown source' });
    if (secrets === REGISTRY_UNAVAILABLE) {
      res.setHeader('Retry-After', '5');
      return reject(ip, res, 503, { error: 'source registry unavailable' });
    }
    if (secrets === undefined && !deps.insecureSkipSignatures) {
      return reject(ip, res, 503, { error: 'source not configured' });
    }
    const read = await readBody(req, res, ip, contentType, secrets);
    if (!read) return;
    const request: IngestRequest = {
      url: site.url,
      path: route.path,
      headers: req.headers,
      body: read.body,
      remoteIp: ip,
      now: new Date(),
      sourceId,
    };
    if (secrets === undefined) log.warn('INSECURE_SKIP_SIGNATURES: accepting a request without checking its signature', { route: route.path });
    const outcome = secrets === undefined ? provider.acceptUnsigned(request) : provider.accept(request, secrets);
    if (!outcome.ok) {
      await settle(read, false);
      const body: Record<string, unknown> = { error: outcome.error };
      if (outcome.reason === 'invalid' && outcome.fields.length > 0) body.fields = outcome.fields;
      if ((outcome.reason === 'unauthorized' || outcome.reason === 'forbidden') && secrets !== undefined) {
        const context = { checkedUrl: request.url, pathAndQuery: site.pathAndQuery, publicUrl: deps.publicUrl, encrypted: Boolean((req.socket as TLSSocket).encrypted), headers: req.headers };
        const diagnose = provider.diagnose ? () => provider.diagnose!(request, secrets, context) : undefined;
        recordRefusal(res, ip, STATUS[outcome.reason], outcome.error, diagnose);
      }
      return reject(ip, res, STATUS[outcome.reason], body);
    }
    if (outcome.replayToken && deps.replayGuard) {
      const seen = await deps.replayGuard.check(provider.id, outcome.replayToken, outcome.dedupKey);
      if (seen === 'replayed') {
        await settle(read, false);
        return reject(ip, res, 403, { error: 'token already used by another event (replay)' });
      }
      // Redis down: the event goes to the spool, and its dedup key (the event id) still keeps its
      // effects single; only the token's single use goes unchecked for the outage.
      if (seen === 'unavailable') log.warn('replay check unavailable (Redis): token not checked', { route: route.path });
    }
    // Postgres text cannot hold NUL: a body with a NUL byte is kept as base64, like one that is not UTF-8.
    const utf8 = isUtf8(read.body) && !read.body.includes(0);
    const event: RawEventPayload = {
      provider: provider.id,
      dedupKey: outcome.dedupKey,
      route: route.path,
      url: request.url,
      sourceId,
      receivedAt: request.now.toISOString(),
      remoteIp: request.remoteIp,
      // How the provider verified and read the body (Twilio: from the signed URL), else the request's.
      contentType: outcome.bodyContentType ?? read.contentType,
      headers: keptHeaders(req),
      body: read.body.toString(utf8 ? 'utf8' : 'base64'),
      bodyEncoding: utf8 ? 'utf8' : 'base64',
    };
    if (read.attachments && read.attachments.length > 0) event.attachments = read.attachments;
    // Attachments are moved to their content-addressed names before the event that names them is
    // made durable: a crash in between leaves at worst an unreferenced file, never an acknowledged
    // event whose attachment is missing. A provider's retry of a refused post finds the same names.
    if (read.settle) await settle(read, true);
    const started = performance.now();
    try {
      for (const durable of await Promise.all(eventsOf(event, outcome.items).map((e) => deps.sink.submit(e)))) {
        deps.metrics?.durableWrite(durable, (performance.now() - started) / 1_000);
        deps.metrics?.accepted(provider.id, durable);
      }
    } catch (err) {
      deps.metrics?.rejected(provider.id, 503);
      log.error('event could be neither queued nor spooled', { route: route.path, error: (err as Error).message });
      res.setHeader('Retry-After', '5');
      sendJson(res, 503, { error: 'temporarily unable to accept events' });
      return;
    }
    writeReply(res, provider.reply(outcome.fields, request));
  };
}

/**
 * A webhook request's site as Express sees it: `req.ip` (proxy-aware) when a proxy is trusted,
 * else the socket's peer (proxy-addr's parse of X-Forwarded-For skipped); the decoded `:sourceId`.
 */
export function expressSite(req: Request, deps: Pick<HandlerDeps, 'trustProxy' | 'publicUrl'>): RequestSite {
  return {
    // req.ip is recomputed on every read (and unreadable once the socket is gone): read it once.
    ip: (deps.trustProxy ? req.ip : req.socket.remoteAddress) ?? '',
    url: signedUrl(req, deps.publicUrl),
    pathAndQuery: req.originalUrl,
    sourceId: typeof req.params.sourceId === 'string' ? req.params.sourceId : undefined,
  };
}

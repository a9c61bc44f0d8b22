import type { Request, Response } from 'express';
import type { IngestRequest, ProviderBinding } from '@switchboard/providers';
import { signedUrl, STATUS, type HandlerDeps } from './handler.ts';
import type { WebhookRoute } from './routes.ts';

/**
 * A provider's GET route (a subscription check such as Meta's `hub.verify_token` and
 * `hub.challenge`): the provider's pure `challenge` decides, and nothing is stored. Like a POST
 * route it answers 503 while the provider is not configured, and a refusal counts toward the
 * address's failure budget. There is no unsigned mode: without its secret nothing can be checked.
 */
export function challengeHandler(route: WebhookRoute, binding: ProviderBinding, deps: Pick<HandlerDeps, 'logger' | 'publicUrl' | 'metrics' | 'limiter'>) {
  const { provider } = binding;
  const challenge = provider.challenge;
  if (!challenge) throw new Error(`GET ${route.path}: provider "${provider.id}" has no challenge for its GET route`);
  const log = deps.logger.child({ integration: provider.integration, provider: provider.id });
  const reject = (ip: string, res: Response, status: number, body: Record<string, unknown>) => {
    if (status === 400 || status === 401 || status === 403) deps.limiter?.failed(ip);
    deps.metrics?.rejected(provider.id, status);
    log.info('webhook challenge rejected', { route: route.path, status, error: body.error, remoteIp: ip });
    res.status(status).json(body);
  };
  return async (req: Request, res: Response): Promise<void> => {
    const ip = req.ip ?? '';
    const retryAfter = deps.limiter?.retryAfter(ip) ?? 0;
    if (retryAfter > 0) {
      deps.metrics?.rejected(provider.id, 429);
      res.status(429).setHeader('Retry-After', String(retryAfter)).json({ error: 'too many failed requests from this address', retryAfter });
      return;
    }
    // A GET route names no source id: its secrets come from the configuration alone.
    const secrets = await binding.secrets({});
    if (secrets === undefined || typeof secrets === 'symbol') return reject(ip, res, 503, { error: 'source not configured' });
    const request: IngestRequest = { url: signedUrl(req, deps.publicUrl), path: route.path, headers: req.headers, body: Buffer.alloc(0), remoteIp: ip, now: new Date() };
    const outcome = challenge(request, secrets);
    if (!outcome.ok) {
      const body: Record<string, unknown> = { error: outcome.error };
      if (outcome.reason === 'invalid' && outcome.fields.length > 0) body.fields = outcome.fields;
      return reject(ip, res, STATUS[outcome.reason], body);
    }
    res.status(200).setHeader('Content-Type', outcome.reply.contentType).end(outcome.reply.body);
  };
}

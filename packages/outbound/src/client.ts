import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { Agent, request } from 'undici';
import { addressRefusal, checkUrl, parseAllowlist, TargetRefusedError, type TargetPolicy } from './guard.ts';

/** Resolves a host name to every address it has (tests inject one that answers what they need). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export type WebhookClientOptions = TargetPolicy & {
  /** Connect and total time of one attempt (30 s in production). */
  timeoutMs: number;
  /** Keep at most this many bytes of a response body. */
  maxResponseBytes?: number;
  resolver?: Resolver;
};

/** The outcome of one HTTP attempt: a response (any status), or an error before one arrived. */
export type AttemptResult = {
  status?: number;
  /** The first bytes of the response body (UTF-8, 4 KiB by default). */
  body?: string;
  /** Retry-After as received. */
  retryAfter?: string;
  error?: string;
  /** The policy refused the target (no connection was made). */
  refused?: boolean;
  durationMs: number;
};

export type WebhookClient = {
  post(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult>;
  close(): Promise<void>;
};

const defaultResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The HTTP client of the deliveries: undici with keep-alive, no redirects followed (a 3xx is a
 * failed attempt like any non-2xx), and a DNS lookup that checks every address a name resolves to
 * and hands the socket only checked addresses, so the connection is pinned to what was checked
 * (no second resolution an attacker's DNS could answer differently).
 */
export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const allow = parseAllowlist(options.allowlist);
  const resolver = options.resolver ?? defaultResolver;
  const maxBytes = options.maxResponseBytes ?? 4_096;

  const lookup = (hostname: string, lookupOptions: { family?: number | string; all?: boolean }, callback: LookupCallback) => {
    resolver(hostname).then(
      (found) => {
        if (options.enforce && !allow.hosts.has(hostname.toLowerCase())) {
          for (const a of found) {
            const why = addressRefusal(a.address, allow);
            if (why) return callback(new TargetRefusedError(`${hostname} resolves to ${why.replace(/^\S+ is /, `${a.address}, `)}`), []);
          }
        }
        const family = lookupOptions.family === 4 || lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 6 || lookupOptions.family === 'IPv6' ? 6 : 0;
        const usable = family ? found.filter((a) => a.family === family) : found;
        if (usable.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          return callback(err, []);
        }
        if (lookupOptions.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };

  const agent = new Agent({
    connect: { lookup: lookup as never, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 10_000,
  });

  return {
    async post(url, headers, body) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        checkUrl(new URL(url), options, allow);
        const signal = AbortSignal.timeout(options.timeoutMs);
        const response = await request(url, { method: 'POST', headers, body, dispatcher: agent, signal });
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          chunks.push(chunk);
          size += chunk.length;
          // Enough kept: stop reading (the connection is closed rather than drained).
          if (size >= maxBytes) {
            response.body.destroy();
            break;
          }
        }
        const retryAfter = response.headers['retry-after'];
        return {
          status: response.statusCode,
          // Postgres text refuses NUL: a binary body is kept readable, not exact.
          body: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8').replace(/\0/g, '\uFFFD'),
          ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
          durationMs: elapsed(),
        };
      } catch (err) {
        return { ...describe(err, options.timeoutMs), durationMs: elapsed() };
      }
    },
    close: () => agent.close(),
  };
}

/** A readable error for the attempts log; a refusal is told apart. */
function describe(err: unknown, timeoutMs: number): { error: string; refused?: boolean } {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof TargetRefusedError) return { error: e.message, refused: true };
  }
  if (err instanceof TypeError && /Invalid URL/i.test(err.message)) return { error: 'refused: invalid URL', refused: true };
  const e = err as Error & { code?: string; name?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || /Timeout/.test(e.code ?? '') || /Timeout/.test(e.name ?? '')) return { error: `timeout after ${timeoutMs} ms` };
  return { error: e.code ? `${e.code}: ${e.message}` : e.message || String(err) };
}

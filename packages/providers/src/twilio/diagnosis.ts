import type { IncomingHttpHeaders } from 'node:http';
import { parseForm } from './form.ts';
import type { IngestRequest } from '../types.ts';
import { FORM, twilioBodyType, type TwilioSecrets } from './common.ts';
import { safeEqual, twilioSignature } from './signature.ts';

/** What ingest knows about where a refused request came from, to rebuild the URLs it may have been signed for. */
export type SignedUrlContext = {
  /** The URL the signature was checked against (PUBLIC_URL or the proxy-aware origin, + path + query). */
  checkedUrl: string;
  /** The path and query as received (`req.originalUrl`). */
  pathAndQuery: string;
  publicUrl?: string | undefined;
  /** Whether the connection itself was TLS (the request's own scheme, before any proxy header). */
  encrypted: boolean;
  headers: IncomingHttpHeaders;
};

/** One URL a refused request might have been signed for, and how it differs from the one checked. */
export type UrlCandidate = { url: string; changes: string[] };

/**
 * Why a signature was refused. `url_mismatch`: a nearby URL verifies, so the secret is right and
 * the URL ingest rebuilt is not the one configured at the provider; `secret_mismatch`: no
 * variant verifies (a wrong auth token, or a body altered on the way); `missing_signature`.
 */
export type SignatureDiagnosis = {
  verdict: 'url_mismatch' | 'secret_mismatch' | 'missing_signature';
  checkedUrl: string;
  /** The variants that would have verified (reported only: the request stays refused). */
  verifiedBy: UrlCandidate[];
  /** How many variants were tried. */
  tried: number;
};

/** The bound on variants tried per refused request: a few HMACs, never a search. */
export const MAX_URL_VARIANTS = 64;
/** At most this many values of one forwarded header are considered (a proxy chain adds one each). */
const MAX_FORWARDED_VALUES = 4;

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

type HostSource = { label: string; host: string; prefix: string };
type Parsed = { scheme: string; host: string; port: string | undefined; path: string; query: string };

function parseUrl(url: string): Parsed | undefined {
  const match = /^(https?):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?/i.exec(url);
  if (!match) return undefined;
  const [host, port] = splitHostPort(match[2]!.slice(match[2]!.lastIndexOf('@') + 1));
  return { scheme: match[1]!.toLowerCase(), host, port, path: match[3] || '/', query: match[4] ?? '' };
}

function splitHostPort(hostPort: string): [string, string | undefined] {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostPort.trim());
  return m ? [m[1]!.toLowerCase(), m[2]] : [hostPort.trim().toLowerCase(), undefined];
}

function headerValues(value: string | string[] | undefined): string[] {
  const all = (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.split(','));
  return all.map((v) => v.trim()).filter((v) => v.length > 0 && v.length <= 255).slice(0, MAX_FORWARDED_VALUES);
}

/** `Forwarded: for=…;host=a.example;proto=https, …` (RFC 7239): its `host=` values. */
function forwardedHosts(value: string | string[] | undefined): string[] {
  const hosts: string[] = [];
  for (const element of headerValues(value)) {
    const m = /(?:^|;)\s*host="?([^";]+)"?/i.exec(element);
    if (m) hosts.push(m[1]!);
  }
  return hosts;
}

/**
 * The nearby URLs a provider may have signed: each host the request names (PUBLIC_URL, the Host
 * header, each X-Forwarded-Host and Forwarded host), either scheme, the port as sent, removed or
 * the default added, the trailing slash toggled, the query kept or dropped. Ordered by how few
 * things they change, capped at `max`; the URL checked is not among them.
 */
export function urlCandidates(context: SignedUrlContext, max = MAX_URL_VARIANTS): UrlCandidate[] {
  const checked = parseUrl(context.checkedUrl);
  if (!checked) return [];
  const received = parseUrl(`http://x${context.pathAndQuery.startsWith('/') ? '' : '/'}${context.pathAndQuery}`)!;
  const sources: HostSource[] = [];
  if (context.publicUrl) {
    const pub = parseUrl(context.publicUrl);
    if (pub) sources.push({ label: 'PUBLIC_URL', host: pub.port ? `${pub.host}:${pub.port}` : pub.host, prefix: pub.path.replace(/\/+$/, '') });
  }
  for (const host of headerValues(context.headers.host).slice(0, 1)) sources.push({ label: 'Host header', host, prefix: '' });
  for (const host of headerValues(context.headers['x-forwarded-host'])) sources.push({ label: 'X-Forwarded-Host', host, prefix: '' });
  for (const host of forwardedHosts(context.headers.forwarded)) sources.push({ label: 'Forwarded host', host, prefix: '' });
  for (const host of headerValues(context.headers['x-original-host'])) sources.push({ label: 'X-Original-Host', host, prefix: '' });

  const ownScheme = context.encrypted ? 'https' : 'http';
  const seen = new Set<string>([context.checkedUrl]);
  const out: UrlCandidate[] = [];
  for (const source of sources) {
    const [host, port] = splitHostPort(source.host);
    for (const scheme of ['https', 'http']) {
      const ports: { port: string | undefined; change?: string }[] = [{ port }];
      if (port) ports.push({ port: undefined, change: `port :${port} removed` });
      else ports.push({ port: DEFAULT_PORT[scheme], change: `default port :${DEFAULT_PORT[scheme]} added` });
      for (const p of ports) {
        const slashed = received.path.endsWith('/') ? received.path.replace(/\/+$/, '') || '/' : `${received.path}/`;
        const paths: { path: string; change?: string }[] = [{ path: received.path }];
        if (slashed !== received.path) paths.push({ path: slashed, change: received.path.endsWith('/') ? 'trailing slash removed' : 'trailing slash added' });
        for (const path of paths) {
          const queries: { query: string; change?: string }[] = [{ query: received.query }];
          if (received.query) queries.push({ query: '', change: 'query dropped' });
          for (const q of queries) {
            const url = `${scheme}://${host}${p.port ? `:${p.port}` : ''}${source.prefix}${path.path}${q.query}`;
            if (seen.has(url)) continue;
            seen.add(url);
            const changes: string[] = [];
            if (source.label !== 'PUBLIC_URL' && context.publicUrl) changes.push('the request’s own URL instead of PUBLIC_URL');
            if (host !== checked.host) changes.push(`host ${host} from ${source.label}`);
            if (scheme !== checked.scheme) changes.push(`scheme ${scheme}${scheme === ownScheme ? ' (the connection’s own)' : ''}`);
            for (const change of [p.change, path.change, q.change]) if (change) changes.push(change);
            out.push({ url, changes });
          }
        }
      }
    }
  }
  // Stable sort: the fewest changes first, so the cap drops the least likely variants.
  return out.sort((a, b) => a.changes.length - b.changes.length).slice(0, max);
}

/**
 * Diagnoses a refused Twilio signature by trying the nearby URLs. Only ever called after a
 * refusal, off the request's path: a variant that verifies is reported, never accepted. The
 * body is read the way the checked URL says (a form, or JSON covered by `bodySHA256`).
 */
export function diagnoseTwilioSignature(authToken: string, signature: string | undefined, body: Buffer, context: SignedUrlContext): SignatureDiagnosis {
  if (!signature) return { verdict: 'missing_signature', checkedUrl: context.checkedUrl, verifiedBy: [], tried: 0 };
  const candidates = urlCandidates(context);
  // A JSON body is covered by the hash in the URL: its signature is over the URL alone.
  const params = twilioBodyType(context.checkedUrl) === FORM ? parseForm(body) : {};
  const verifiedBy = candidates.filter((c) => safeEqual(twilioSignature(authToken, c.url, params), signature));
  return { verdict: verifiedBy.length > 0 ? 'url_mismatch' : 'secret_mismatch', checkedUrl: context.checkedUrl, verifiedBy, tried: candidates.length };
}

/** A Twilio provider's `diagnose`: the request's own signature header, its body, its URL context. */
export function diagnoseTwilio(request: IngestRequest, secrets: TwilioSecrets, context: SignedUrlContext): SignatureDiagnosis {
  const signature = request.headers['x-twilio-signature'];
  return diagnoseTwilioSignature(secrets.authToken, typeof signature === 'string' ? signature : undefined, request.body, context);
}

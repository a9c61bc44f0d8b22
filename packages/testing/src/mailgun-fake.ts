import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One `POST /v3/{domain}/messages` as the fake received it (multipart or urlencoded form). */
export type MailgunSendRequest = {
  index: number;
  at: number;
  domain: string;
  /** True when the basic auth was `api:<key>`. */
  authOk: boolean;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** `h:Name` fields, by name. */
  headers: Record<string, string>;
  /** `v:name` fields, by name. */
  variables: Record<string, string>;
  /** Every field as received (the last value of a repeated one). */
  form: Record<string, string>;
};

/** A message the fake accepted (it answered 200 with its id). */
export type MailgunFakeMessage = { id: string; request: MailgunSendRequest; createdAt: Date };

export type MailgunFakeAnswer =
  | { kind: 'accept' }
  | { kind: 'error'; status: number; message?: string }
  /** Accept the message, then answer 500 as if the answer were lost. */
  | { kind: 'accept-then-500' }
  | { kind: 'defer'; answer: Promise<MailgunFakeAnswer> };

export type MailgunFakeOptions = {
  apiKey: string;
  answer?: (request: MailgunSendRequest) => MailgunFakeAnswer;
  /** Delay between accepting a message and answering, in ms (default 0): a client killed meanwhile leaves a message it never heard of. */
  latencyMs?: number;
};

export type MailgunFake = {
  /** Use as MAILGUN_API_BASE_URL. */
  url: string;
  requests: MailgunSendRequest[];
  /** Accepted messages by Message-Id (without angle brackets). */
  messages: Map<string, MailgunFakeMessage>;
  /** Logs API requests (reconciliation). */
  eventRequests: number;
  close(): Promise<void>;
};

/**
 * A local stand-in for Mailgun's Messages API (`POST /v3/{domain}/messages`, basic auth
 * `api:<key>`, answering `{id: "<…>", message: "Queued. Thank you."}`; a `h:Message-Id` given is
 * kept, as Mailgun does) and for the Logs API's `accepted` lookups (`POST /v1/analytics/logs`,
 * filtered by `message-id` and `domain`), which reconciliation uses.
 */
export async function startMailgunFake(options: MailgunFakeOptions): Promise<MailgunFake> {
  const requests: MailgunSendRequest[] = [];
  const messages = new Map<string, MailgunFakeMessage>();
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`);
  let eventRequests = 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const given = Buffer.from(req.headers.authorization ?? '');
    const authOk = given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
    if (url.pathname === '/v1/analytics/logs' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!authOk) return send(401, { message: 'Invalid private key' });
        eventRequests += 1;
        let query: { start?: string; events?: string[]; filter?: { AND?: { attribute: string; values: { value: string }[] }[] } };
        try {
          query = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof query;
        } catch {
          return send(400, { message: 'the body must be JSON' });
        }
        const condition = (name: string) => query.filter?.AND?.find((c) => c.attribute === name)?.values.map((v) => v.value);
        const ids = condition('message-id');
        const domains = condition('domain');
        const start = query.start ? Date.parse(query.start) : 0;
        const items = [...messages.values()]
          .filter((m) => (!ids || ids.includes(m.id)) && (!domains || domains.includes(m.request.domain)) && m.createdAt.getTime() >= start - 1_000 && (!query.events || query.events.includes('accepted')))
          .map((m) => ({ id: `acc-${m.id}`, event: 'accepted', '@timestamp': m.createdAt.toISOString(), domain: { name: m.request.domain }, recipient: m.request.to[0], message: { headers: { 'message-id': m.id, to: m.request.to[0], from: m.request.from, subject: m.request.subject } }, 'user-variables': m.request.variables }));
        send(200, { start: new Date(start).toUTCString(), end: new Date().toUTCString(), items, pagination: {}, aggregates: {} });
      });
      return;
    }
    const match = /^\/v3\/([^/]+)\/messages$/.exec(url.pathname);
    if (!match || req.method !== 'POST') return send(404, { message: 'not found' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        // Node's own form parser: Mailgun takes multipart/form-data (what mailgun.js sends) or urlencoded.
        const body = Buffer.concat(chunks);
        let entries: [string, string][];
        try {
          const parsed = await new Request('http://fake', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body }).formData();
          entries = [...parsed.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : '']);
        } catch {
          return send(400, { message: 'could not parse the form' });
        }
        const form: Record<string, string> = {};
        const to: string[] = [];
        const headers: Record<string, string> = {};
        const variables: Record<string, string> = {};
        for (const [k, v] of entries) {
          form[k] = v;
          if (k === 'to') to.push(...v.split(',').map((s) => s.trim()).filter(Boolean));
          if (k.startsWith('h:')) headers[k.slice(2)] = v;
          if (k.startsWith('v:')) variables[k.slice(2)] = v;
        }
        const request: MailgunSendRequest = {
          index: requests.length, at: Date.now(), domain: match[1]!, authOk, from: form.from ?? '', to, subject: form.subject ?? '', text: form.text ?? '', html: form.html ?? null, headers, variables, form,
        };
        requests.push(request);
        const accept = () => {
          const id = (headers['Message-Id'] ?? `<${Date.now()}.${randomBytes(6).toString('hex')}@${match[1]}>`).replace(/^<|>$/g, '');
          const message = { id, request, createdAt: new Date() };
          messages.set(id, message);
          return message;
        };
        const answer = (decided: MailgunFakeAnswer): void => {
          if (!authOk) return send(401, { message: 'Invalid private key' });
          switch (decided.kind) {
            case 'defer':
              void decided.answer.then(answer);
              return;
            case 'accept': {
              if (!form.from || to.length === 0) return send(400, { message: `${!form.from ? "'from'" : "'to'"} parameter is missing` });
              const { id } = accept();
              if (options.latencyMs) return void setTimeout(() => send(200, { id: `<${id}>`, message: 'Queued. Thank you.' }), options.latencyMs);
              return send(200, { id: `<${id}>`, message: 'Queued. Thank you.' });
            }
            case 'accept-then-500':
              accept();
              return send(500, { message: 'Internal Server Error' });
            case 'error':
              return send(decided.status, { message: decided.message ?? 'error' });
          }
        };
        answer(options.answer?.(request) ?? { kind: 'accept' });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    get eventRequests() {
      return eventRequests;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Mailgun's webhook signature: hex HMAC-SHA256 of timestamp + token under the signing key. */
export function mailgunWebhookSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey).update(timestamp + token).digest('hex');
}

/**
 * An event webhook body as Mailgun posts it, signed with `signingKey` (a fresh 50-character
 * token, `timestamp` now unless given): `{signature: {timestamp, token, signature}, "event-data"}`.
 */
export function mailgunEventBody(signingKey: string, eventData: Record<string, unknown>, options: { timestamp?: number; token?: string } = {}): string {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const token = options.token ?? randomBytes(25).toString('hex');
  return JSON.stringify({ signature: { timestamp, token, signature: mailgunWebhookSignature(signingKey, timestamp, token) }, 'event-data': eventData });
}

/** Mailgun's event-data for a message the fake accepted (Mailgun's field names; `extra` merged in). */
export function mailgunEventData(message: MailgunFakeMessage, event: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomBytes(16).toString('base64url'),
    event,
    timestamp: Date.now() / 1000,
    recipient: message.request.to[0],
    'recipient-domain': message.request.to[0]?.split('@')[1],
    message: { headers: { 'message-id': message.id, to: message.request.to[0], from: message.request.from, subject: message.request.subject } },
    'user-variables': message.request.variables,
    flags: { 'is-test-mode': false },
    ...extra,
  };
}

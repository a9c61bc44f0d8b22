import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postSignedVonage } from './vonage-sign.ts';

/** One `POST /v1/messages` as the fake received it. */
export type VonageSendRequest = {
  index: number;
  /** True when the basic auth was this API key and secret. */
  authOk: boolean;
  channel: string;
  to: string;
  from: string;
  text: string;
  messageType: string;
  clientRef: string | null;
  json: Record<string, unknown>;
};

/** A message the fake created (answered 202 with its `message_uuid`). */
export type VonageFakeMessage = { messageUuid: string; request: VonageSendRequest };

/** How the fake answers a send: create (the default), or an RFC 7807 problem as the Messages API returns it. */
export type VonageFakeAnswer =
  | { kind: 'create' }
  | { kind: 'error'; status: number; code: number; title?: string; detail?: string; retryAfter?: string }
  /** Create the message, then answer 500 as if the answer were lost (an ambiguous send). */
  | { kind: 'create-then-500' };

export type VonageStatusPlan = { message: VonageFakeMessage; status: string; error?: { code: number; detail: string } };

export type VonageFakeOptions = {
  apiKey: string;
  apiSecret: string;
  /** Signs the status webhooks it posts. */
  signatureSecret: string;
  answer?: (request: VonageSendRequest) => VonageFakeAnswer;
};

export type VonageFake = {
  /** Use as VONAGE_API_BASE_URL. */
  url: string;
  requests: VonageSendRequest[];
  messages: Map<string, VonageFakeMessage>;
  /** Posts signed status webhooks to `statusUrl`, one at a time in the given order; resolves with each answer's HTTP status. */
  postStatuses(statusUrl: string, plans: VonageStatusPlan[]): Promise<number[]>;
  close(): Promise<void>;
};

/** The body of a Messages API status webhook for a message the fake created. */
export function vonageStatusWebhook(plan: VonageStatusPlan): Record<string, unknown> {
  const { request } = plan.message;
  return {
    message_uuid: plan.message.messageUuid,
    to: request.to,
    from: request.from,
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    status: plan.status,
    channel: request.channel,
    ...(request.clientRef ? { client_ref: request.clientRef } : {}),
    ...(plan.error
      ? { error: { type: `https://developer.vonage.com/api-errors/messages#${plan.error.code}`, title: plan.error.code, detail: plan.error.detail, instance: randomUUID() } }
      : {}),
    ...(request.channel === 'sms' ? { usage: { currency: 'EUR', price: '0.0333' }, sms: { count_total: '1' } } : {}),
  };
}

/**
 * A local stand-in for Vonage's Messages API: `POST /v1/messages` with basic auth answers 202
 * `{message_uuid}` (or scripted problems: 429, 422 with a code…), and posts status webhooks
 * signed as Vonage signs them (JWT HS256 with `payload_hash`).
 */
export async function startVonageFake(options: VonageFakeOptions): Promise<VonageFake> {
  const requests: VonageSendRequest[] = [];
  const messages = new Map<string, VonageFakeMessage>();
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`);

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const problem = (status: number, code: number, title: string, detail: string, headers: Record<string, string> = {}) =>
      send(status, { type: `https://developer.vonage.com/api-errors/messages#${code}`, title, detail, instance: randomUUID() }, headers);
    if (req.method !== 'POST' || req.url !== '/v1/messages') return problem(404, 1000, 'Not Found', `no route ${req.method} ${req.url}`);
    const given = Buffer.from(req.headers.authorization ?? '');
    const authOk = given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return problem(400, 1150, 'Invalid params', 'The request body is not JSON');
      }
      const text = (key: string) => (typeof json[key] === 'string' ? (json[key] as string) : '');
      const request: VonageSendRequest = {
        index: requests.length, authOk, channel: text('channel'), to: text('to'), from: text('from'), text: text('text'), messageType: text('message_type'),
        clientRef: typeof json.client_ref === 'string' ? json.client_ref : null, json,
      };
      requests.push(request);
      if (!authOk) return problem(401, 1010, 'Unauthorized', 'You did not provide correct credentials.');
      const decided = options.answer?.(request) ?? { kind: 'create' };
      const create = () => {
        const message = { messageUuid: randomUUID(), request };
        messages.set(message.messageUuid, message);
        return message;
      };
      switch (decided.kind) {
        case 'create':
          return send(202, { message_uuid: create().messageUuid });
        case 'create-then-500':
          create();
          return problem(500, 1000, 'Internal Error', 'An internal error occurred');
        case 'error':
          return problem(decided.status, decided.code, decided.title ?? String(decided.code), decided.detail ?? 'error', decided.retryAfter ? { 'retry-after': decided.retryAfter } : {});
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    async postStatuses(statusUrl, plans) {
      const answers: number[] = [];
      for (const plan of plans) answers.push((await postSignedVonage(statusUrl, vonageStatusWebhook(plan), options.signatureSecret)).status);
      return answers;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

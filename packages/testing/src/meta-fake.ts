import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One `POST /{version}/{phone-number-id}/messages` as the fake received it. */
export type MetaSendRequest = {
  index: number;
  at: number;
  phoneNumberId: string;
  /** True when the Bearer was the configured access token. */
  authOk: boolean;
  to: string;
  body: string;
  tracking: string | null;
  json: Record<string, unknown>;
};

/** A message the fake created (it answered 200 with its wamid). */
export type MetaFakeMessage = { wamid: string; request: MetaSendRequest };

/** How the fake answers a send: create (the default), or a Graph API error. */
export type MetaFakeAnswer =
  | { kind: 'create' }
  | { kind: 'error'; status: number; code: number; message?: string }
  /** Create the message, then answer 500 as if the answer were lost. */
  | { kind: 'create-then-500' };

export type MetaFakeOptions = {
  phoneNumberId: string;
  accessToken: string;
  /** Signs the status webhooks the fake posts (X-Hub-Signature-256). */
  appSecret: string;
  answer?: (request: MetaSendRequest) => MetaFakeAnswer;
};

export type MetaStatusPlan = { message: MetaFakeMessage; status: 'sent' | 'delivered' | 'read' | 'failed'; errorCode?: number };

export type MetaFake = {
  /** Use as META_API_BASE_URL (it carries a Graph API version, like the real one). */
  url: string;
  requests: MetaSendRequest[];
  messages: Map<string, MetaFakeMessage>;
  /** Posts the statuses to `webhookUrl` as Meta does: several per POST (`perPost`, default 10), signed with the app secret. Resolves with each POST's HTTP status. */
  postStatuses(webhookUrl: string, plans: MetaStatusPlan[], perPost?: number): Promise<number[]>;
  close(): Promise<void>;
};

/** `sha256=` + hex HMAC-SHA256 of the body with the app secret, as Meta signs its webhooks. */
export function metaWebhookSignature(appSecret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** A webhook body as Meta posts it: one entry, one change of field `messages`, with `value`'s messages and statuses. */
export function metaWebhookBody(phoneNumberId: string, value: { messages?: unknown[]; statuses?: unknown[]; contacts?: unknown[] }, displayPhoneNumber = '15550783881'): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ value: { messaging_product: 'whatsapp', metadata: { display_phone_number: displayPhoneNumber, phone_number_id: phoneNumberId }, ...value }, field: 'messages' }] }],
  });
}

/**
 * A local stand-in for the Graph API's Cloud API send endpoint: answers like Meta
 * (`{messaging_product, contacts: [{input, wa_id}], messages: [{id: wamid}]}`, or
 * `{error: {message, type, code, error_data, fbtrace_id}}`), and posts signed status webhooks.
 */
export async function startMetaFake(options: MetaFakeOptions): Promise<MetaFake> {
  const requests: MetaSendRequest[] = [];
  const messages = new Map<string, MetaFakeMessage>();
  const expectedAuth = Buffer.from(`Bearer ${options.accessToken}`);

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const graphError = (status: number, code: number, message: string) => send(status, { error: { message, type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details: message }, fbtrace_id: randomBytes(8).toString('hex') } });
    const match = /^\/v\d+\.\d+\/(\d+)\/messages$/.exec(new URL(req.url ?? '/', 'http://fake').pathname);
    if (!match || req.method !== 'POST') return graphError(400, 100, 'Unsupported request');
    const given = Buffer.from(req.headers.authorization ?? '');
    const authOk = given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth) && match[1] === options.phoneNumberId;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return graphError(400, 100, 'Invalid JSON');
      }
      const text = json.text as { body?: unknown } | undefined;
      const request: MetaSendRequest = {
        index: requests.length, at: Date.now(), phoneNumberId: match[1]!, authOk, to: String(json.to ?? ''), body: String(text?.body ?? ''),
        tracking: typeof json.biz_opaque_callback_data === 'string' ? json.biz_opaque_callback_data : null, json,
      };
      requests.push(request);
      if (!authOk) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
      if (json.messaging_product !== 'whatsapp' || json.type !== 'text' || !request.to || !request.body) return graphError(400, 100, 'Invalid parameter');
      const decided = options.answer?.(request) ?? { kind: 'create' };
      if (decided.kind === 'error') return graphError(decided.status, decided.code, decided.message ?? 'error');
      const wamid = `wamid.${Buffer.from(`${request.to}.${request.index}.${randomBytes(6).toString('hex')}`).toString('base64')}`;
      messages.set(wamid, { wamid, request });
      if (decided.kind === 'create-then-500') return graphError(500, 1, 'An unknown error occurred');
      send(200, { messaging_product: 'whatsapp', contacts: [{ input: request.to, wa_id: request.to.replace(/^\+/, '') }], messages: [{ id: wamid, message_status: 'accepted' }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const statusJson = (plan: MetaStatusPlan) => ({
    id: plan.message.wamid,
    status: plan.status,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: plan.message.request.to.replace(/^\+/, ''),
    ...(plan.message.request.tracking ? { biz_opaque_callback_data: plan.message.request.tracking } : {}),
    ...(plan.status === 'failed'
      ? { errors: [{ code: plan.errorCode ?? 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message Undeliverable.' } }] }
      : { pricing: { billable: true, pricing_model: 'PMP', category: 'marketing' } }),
  });

  return {
    url: `http://127.0.0.1:${port}/v21.0`,
    requests,
    messages,
    async postStatuses(webhookUrl, plans, perPost = 10) {
      const answers: number[] = [];
      for (let i = 0; i < plans.length; i += perPost) {
        const body = metaWebhookBody(options.phoneNumberId, { statuses: plans.slice(i, i + perPost).map(statusJson) });
        const response = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaWebhookSignature(options.appSecret, body) }, body });
        await response.arrayBuffer();
        answers.push(response.status);
      }
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

import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One `POST …/Messages.json` as the fake received it. */
export type FakeSendRequest = {
  /** 0, 1, 2… in arrival order. */
  index: number;
  /** Milliseconds since the epoch at arrival. */
  at: number;
  accountSid: string;
  /** True when the basic auth was this account's SID and token. */
  authOk: boolean;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  form: Record<string, string>;
};

/** A message the fake created (it answered 201 with its SID). */
export type FakeMessage = { sid: string; request: FakeSendRequest; dateCreated: Date };

/** How the fake answers a send: `create` (the default) or an error as Twilio returns it. */
export type FakeAnswer =
  | { kind: 'create' }
  | { kind: 'error'; status: number; code?: number; message?: string; retryAfter?: string }
  /** Create the message, then answer 500 as if the answer were lost (an ambiguous send). */
  | { kind: 'create-then-500' }
  /** Never answer (the client times out). */
  | { kind: 'hang' }
  /** Hold the request until `answer` settles, then answer with it (a test's gate). */
  | { kind: 'defer'; answer: Promise<FakeAnswer> };

export type TwilioFakeOptions = {
  accountSid: string;
  authToken: string;
  /** Decides each send's answer; default: create. */
  answer?: (request: FakeSendRequest) => FakeAnswer;
  /** Delay before answering a send, in ms (default 0). */
  latencyMs?: number;
  /** Statuses to call back for each created message as soon as it is created (the benchmark's mode). */
  autoCallbacks?: (message: FakeMessage) => { status: string; errorCode?: number }[];
  /** Delay between creating a message and posting its auto callbacks (Twilio's first callbacks come a moment after the 201). */
  autoCallbackDelayMs?: number;
  /** Parallel callback posts at most (default 16). */
  callbackConcurrency?: number;
};

export type CallbackPlan = { message: FakeMessage; status: string; errorCode?: number };

export type TwilioFake = {
  /** Use as TWILIO_API_BASE_URL. */
  url: string;
  requests: FakeSendRequest[];
  messages: Map<string, FakeMessage>;
  /** List requests (reconciliation) received. */
  listRequests: number;
  /** Posts status callbacks, signed as Twilio signs them, in the given order; resolves with each answer's HTTP status. */
  postCallbacks(plans: CallbackPlan[]): Promise<number[]>;
  /** Callbacks posted so far (auto and explicit) and how many were answered 2xx. */
  callbackStats(): { posted: number; ok: number };
  close(): Promise<void>;
};

/** Twilio's webhook signature: base64 HMAC-SHA1 of the URL followed by each parameter name and value, sorted by name. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * A local stand-in for Twilio's Messages REST API: creates messages (answers like Twilio's
 * `201 {sid, status: "queued", …}`, or scripted errors such as 429 with Retry-After or 400 with
 * code 21211), lists them newest first with `To`/`From` filters (what reconciliation uses), and
 * posts signed status callbacks to each message's `StatusCallback`.
 */
export async function startTwilioFake(options: TwilioFakeOptions): Promise<TwilioFake> {
  const requests: FakeSendRequest[] = [];
  const messages = new Map<string, FakeMessage>();
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`);
  let sidCounter = 0;
  let posted = 0;
  let ok = 0;
  let listRequests = 0;
  const concurrency = options.callbackConcurrency ?? 16;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const hanging = new Set<http.ServerResponse>();

  const newSid = () => {
    sidCounter += 1;
    return `SM${sidCounter.toString(16).padStart(8, '0')}${Math.random().toString(16).slice(2, 10).padEnd(8, '0')}${'0'.repeat(16)}`;
  };

  async function postOne(plan: CallbackPlan): Promise<number> {
    if (inFlight >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight += 1;
    try {
      const { message } = plan;
      const url = message.request.statusCallback;
      if (!url) return 0;
      const params: Record<string, string> = {
        AccountSid: options.accountSid, ApiVersion: '2010-04-01', MessageSid: message.sid, SmsSid: message.sid,
        MessageStatus: plan.status, SmsStatus: plan.status, To: message.request.to, From: message.request.from ?? '+15005550006',
        ...(plan.errorCode !== undefined ? { ErrorCode: String(plan.errorCode) } : {}),
      };
      posted += 1;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(options.authToken, url, params) },
        body: new URLSearchParams(params).toString(),
      });
      await response.arrayBuffer();
      if (response.ok) ok += 1;
      return response.status;
    } finally {
      inFlight -= 1;
      waiting.shift()?.();
    }
  }

  function create(request: FakeSendRequest): FakeMessage {
    const message = { sid: newSid(), request, dateCreated: new Date() };
    messages.set(message.sid, message);
    const auto = options.autoCallbacks?.(message);
    if (auto) {
      const fire = () => {
        for (const c of auto) void postOne({ message, ...c }).catch(() => undefined);
      };
      if (options.autoCallbackDelayMs) setTimeout(fire, options.autoCallbackDelayMs);
      else fire();
    }
    return message;
  }

  const twilioJson = (m: FakeMessage, status = 'queued') => ({
    sid: m.sid, account_sid: options.accountSid, to: m.request.to, from: m.request.from, messaging_service_sid: m.request.messagingServiceSid,
    body: m.request.body, status, date_created: m.dateCreated.toUTCString(), date_sent: null, error_code: null, error_message: null,
    uri: `/2010-04-01/Accounts/${options.accountSid}/Messages/${m.sid}.json`,
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!match) return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    const given = Buffer.from(req.headers.authorization ?? '');
    const authOk = given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth) && match[1] === options.accountSid;
    if (req.method === 'GET') {
      if (!authOk) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
      listRequests += 1;
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const list = [...messages.values()]
        .filter((m) => (!to || m.request.to === to) && (!from || m.request.from === from))
        .sort((a, b) => b.dateCreated.getTime() - a.dateCreated.getTime() || b.request.index - a.request.index);
      return send(200, { messages: list.map((m) => twilioJson(m)), next_page_uri: null, page: 0, page_size: list.length });
    }
    if (req.method !== 'POST') return send(405, { message: 'method not allowed' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const request: FakeSendRequest = {
        index: requests.length, at: Date.now(), accountSid: match[1]!, authOk,
        to: form.To ?? '', from: form.From ?? null, messagingServiceSid: form.MessagingServiceSid ?? null, body: form.Body ?? '', statusCallback: form.StatusCallback ?? null, form,
      };
      requests.push(request);
      const answer = (given?: FakeAnswer): void => {
        if (!authOk) return send(401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
        const decided = given ?? options.answer?.(request) ?? { kind: 'create' };
        switch (decided.kind) {
          case 'defer':
            void decided.answer.then((later) => answer(later));
            return;
          case 'create':
            return send(201, twilioJson(create(request)));
          case 'create-then-500':
            create(request);
            return send(500, { code: 20500, message: 'Internal Server Error', status: 500 });
          case 'hang':
            hanging.add(res);
            return;
          case 'error':
            return send(decided.status, { code: decided.code ?? decided.status, message: decided.message ?? 'error', more_info: `https://www.twilio.com/docs/errors/${decided.code ?? decided.status}`, status: decided.status }, decided.retryAfter ? { 'retry-after': decided.retryAfter } : {});
        }
      };
      if (options.latencyMs) setTimeout(() => answer(), options.latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    get listRequests() {
      return listRequests;
    },
    postCallbacks: (plans) => Promise.all(plans.map((p) => postOne(p))),
    callbackStats: () => ({ posted, ok }),
    async close() {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

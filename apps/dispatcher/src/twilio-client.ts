import { parseJsonObject } from './json-answer.ts';

/** Twilio's Messages REST API, as far as campaign sends need it (create, and list for reconciliation). */
export type TwilioClientOptions = {
  /** TWILIO_API_BASE_URL, without a trailing slash. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Per request; a request that takes longer is an ambiguous send. */
  timeoutMs?: number;
};

/** One outbound message to create. `from` is a number (`+…`, `whatsapp:+…`) or a Messaging Service SID (`MG…`). */
export type CreateMessage = { to: string; from: string; body: string; statusCallback: string };

/** What Twilio answered; `status` undefined when no answer came at all (network error, timeout). */
export type CreateAnswer = {
  status: number | undefined;
  sid?: string;
  /** Twilio's error code and message on a 4xx/5xx (e.g. 21211 "The 'To' number … is not a valid phone number"). */
  code?: number | null;
  message?: string;
  retryAfter?: string | null;
};

/** A message as Twilio lists it. */
export type ListedMessage = { sid: string; to: string; from: string | null; body: string; dateCreated: Date; messagingServiceSid: string | null };

export type TwilioClient = {
  createMessage(message: CreateMessage): Promise<CreateAnswer>;
  /** Messages to `to` (and from `from` when it is a number), newest first, down to `since`. */
  listMessagesSince(filter: { to: string; from?: string }, since: Date): Promise<ListedMessage[]>;
};

const MAX_LIST_PAGES = 10;

/** A client over `fetch` with basic auth (account SID and auth token), as the contract says. */
export function createTwilioClient(options: TwilioClientOptions): TwilioClient {
  const auth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  const messagesUrl = `${options.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const timeoutMs = options.timeoutMs ?? 15_000;

  return {
    async createMessage(message) {
      const form = new URLSearchParams({ To: message.to, Body: message.body, StatusCallback: message.statusCallback });
      if (/^MG[0-9a-f]{32}$/i.test(message.from)) form.set('MessagingServiceSid', message.from);
      else form.set('From', message.from);
      let response: Response;
      try {
        response = await fetch(messagesUrl, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        return { status: undefined, message: (err as Error).message };
      }
      const text = await response.text().catch(() => '');
      const json = parseJsonObject(text);
      return {
        status: response.status,
        sid: typeof json?.sid === 'string' ? json.sid : undefined,
        code: typeof json?.code === 'number' ? json.code : null,
        message: typeof json?.message === 'string' ? json.message : text.slice(0, 300),
        retryAfter: response.headers.get('retry-after'),
      };
    },

    async listMessagesSince(filter, since) {
      const params = new URLSearchParams({ To: filter.to, PageSize: '50' });
      if (filter.from) params.set('From', filter.from);
      let url: string | null = `${messagesUrl}?${params}`;
      const out: ListedMessage[] = [];
      for (let page = 0; url && page < MAX_LIST_PAGES; page++) {
        const response = await fetch(url, { headers: { authorization: auth, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) throw new Error(`Twilio list messages answered ${response.status}`);
        const json = (await response.json()) as { messages?: Record<string, unknown>[]; next_page_uri?: string | null };
        let older = false;
        for (const m of json.messages ?? []) {
          const dateCreated = new Date(String(m.date_created));
          if (dateCreated < since) older = true;
          else out.push({ sid: String(m.sid), to: String(m.to), from: m.from == null ? null : String(m.from), body: String(m.body ?? ''), dateCreated, messagingServiceSid: m.messaging_service_sid == null ? null : String(m.messaging_service_sid) });
        }
        // Twilio lists newest first: once a page reaches back past `since`, nothing later matters.
        url = !older && json.next_page_uri ? `${options.baseUrl}${json.next_page_uri}` : null;
      }
      return out;
    },
  };
}

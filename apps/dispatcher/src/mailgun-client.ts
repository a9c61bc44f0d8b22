import Mailgun from 'mailgun.js';

/** Mailgun's Messages API through the official client, as far as campaign sends need it. */
export type MailgunClientOptions = {
  /** MAILGUN_API_BASE_URL (https://api.mailgun.net, or https://api.eu.mailgun.net for EU domains). */
  baseUrl: string;
  apiKey: string;
  domain: string;
  /** Per request; a request that takes longer is an ambiguous send. */
  timeoutMs?: number;
};

/** One email, with Mailgun's own field names (`h:` headers, `v:` user variables). */
export type EmailMessage = {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** `h:Name` → header value. */
  headers: Record<string, string>;
  /** `v:name` → user variable, echoed in every event of the message. */
  variables: Record<string, string>;
};

/** What Mailgun answered; `status` undefined when no answer came at all (network error, timeout). */
export type MailgunAnswer = { status: number | undefined; id?: string; message?: string };

export type MailgunClient = {
  send(message: EmailMessage): Promise<MailgunAnswer>;
  /** The Message-Id of an `accepted` event for `messageId` since `since`, if Mailgun lists one. */
  findAccepted(messageId: string, since: Date): Promise<string | undefined>;
};

/** Angle brackets off a Message-Id: Mailgun's API answers `<id>`, its events carry `id`. */
export function bareMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '');
}

export function createMailgunClient(options: MailgunClientOptions): MailgunClient {
  // Node's own FormData: mailgun.js builds its multipart bodies with whatever it is given.
  const mg = new Mailgun(FormData).client({ username: 'api', key: options.apiKey, url: options.baseUrl, timeout: options.timeoutMs ?? 15_000 });
  return {
    async send(message) {
      const data: Record<string, string | string[]> = { from: message.from, to: [message.to], subject: message.subject, text: message.text };
      if (message.html) data.html = message.html;
      for (const [name, value] of Object.entries(message.headers)) data[`h:${name}`] = value;
      for (const [name, value] of Object.entries(message.variables)) data[`v:${name}`] = value;
      try {
        const answer = await mg.messages.create(options.domain, data as unknown as Parameters<typeof mg.messages.create>[1]);
        return { status: answer.status ?? 200, id: answer.id, message: answer.message };
      } catch (err) {
        const e = err as { status?: unknown; details?: unknown; message?: string };
        // mailgun.js turns an HTTP error into an APIError with the status and Mailgun's `message`
        // as `details`; a network error or timeout has no status.
        const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
        const message = typeof e.details === 'string' && e.details ? e.details : (e.message ?? String(err));
        return { status, message: message.slice(0, 500) };
      }
    },

    async findAccepted(messageId, since) {
      // Mailgun's Logs API (the Events API's successor, which mailgun.js marks deprecated).
      const list = await mg.logs.list({
        start: since,
        events: ['accepted'],
        filter: {
          AND: [
            { attribute: 'domain', comparator: '=', values: [{ label: options.domain, value: options.domain }] },
            { attribute: 'message-id', comparator: '=', values: [{ label: messageId, value: messageId }] },
          ],
        },
        pagination: { limit: 10 },
      });
      const hit = list.items.find((item) => bareMessageId(String((item as { message?: { headers?: Record<string, unknown> } }).message?.headers?.['message-id'] ?? '')) === messageId);
      return hit ? messageId : undefined;
    },
  };
}

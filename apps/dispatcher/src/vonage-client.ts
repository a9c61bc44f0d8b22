import { vonageErrorCode } from '@switchboard/providers';
import { parseJsonObject } from './json-answer.ts';


/** Vonage's Messages API, as far as campaign sends need it (https://developer.vonage.com/en/api/messages#SendMessage). */
export type VonageClientOptions = {
  /** VONAGE_API_BASE_URL, without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** Per request; a request that takes longer is an ambiguous send. */
  timeoutMs?: number;
};

/** One text message: numbers as digits without `+` (the API's E.164 form), `client_ref` echoed in every status. */
export type VonageText = { channel: 'sms' | 'whatsapp'; to: string; from: string; text: string; clientRef: string };

/** What Vonage answered; `status` undefined when no answer came at all (network error, timeout). */
export type VonageAnswer = {
  status: number | undefined;
  messageUuid?: string;
  /** From the RFC 7807 problem's `title` or `type` link (`…/messages#1150`). */
  code: number | null;
  message?: string;
  retryAfter?: string | null;
};

export type VonageClient = { sendText(message: VonageText): Promise<VonageAnswer> };

/** A client over `fetch` with basic auth (API key and secret), which the Messages API accepts besides JWT. */
export function createVonageClient(options: VonageClientOptions): VonageClient {
  const auth = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`;
  const url = `${options.baseUrl}/v1/messages`;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async sendText(message) {
      const body = { message_type: 'text', channel: message.channel, to: message.to, from: message.from, text: message.text, client_ref: message.clientRef };
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        return { status: undefined, code: null, message: (err as Error).message };
      }
      const text = await response.text().catch(() => '');
      const json = parseJsonObject(text);
      const problem = { type: str(json?.type), title: typeof json?.title === 'number' ? json.title : str(json?.title) };
      return {
        status: response.status,
        messageUuid: str(json?.message_uuid),
        code: response.ok ? null : vonageErrorCode(problem),
        message: response.ok ? undefined : [str(json?.title), str(json?.detail)].filter(Boolean).join(': ') || text.slice(0, 300),
        retryAfter: response.headers.get('retry-after'),
      };
    },
  };
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

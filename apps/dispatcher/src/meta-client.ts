import { parseJsonObject } from './json-answer.ts';

/** Meta's Graph API, as far as campaign sends need it: one text message through the Cloud API. */
export type MetaClientOptions = {
  /** META_API_BASE_URL (https://graph.facebook.com/v21.0), without a trailing slash. */
  baseUrl: string;
  /** META_PHONE_NUMBER_ID: the business number's id, the path of the send endpoint. */
  phoneNumberId: string;
  /** META_ACCESS_TOKEN: a system user's token, sent as a Bearer. */
  accessToken: string;
  /** Per request; a request that takes longer is an ambiguous send. */
  timeoutMs?: number;
};

/** One text message; `tracking` comes back in each of its status webhooks (`biz_opaque_callback_data`). */
export type MetaTextMessage = { to: string; body: string; tracking: string };

/** What the Graph API answered; `status` undefined when no answer came at all (network error, timeout). */
export type MetaAnswer = {
  status: number | undefined;
  /** The wamid (`messages[0].id`). */
  id?: string;
  /** `error.code` (130429, 131026…) and `error.message`, with `error.error_data.details` when given. */
  code?: number | null;
  message?: string;
  retryAfter?: string | null;
};

export type MetaClient = { sendText(message: MetaTextMessage): Promise<MetaAnswer> };

/** A client over `fetch` (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages). */
export function createMetaClient(options: MetaClientOptions): MetaClient {
  const url = `${options.baseUrl}/${encodeURIComponent(options.phoneNumberId)}/messages`;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async sendText(message) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({
            messaging_product: 'whatsapp',
            recipient_type: 'individual',
            to: message.to,
            type: 'text',
            text: { body: message.body, preview_url: false },
            biz_opaque_callback_data: message.tracking,
          }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        return { status: undefined, message: (err as Error).message };
      }
      const text = await response.text().catch(() => '');
      const json = parseJsonObject(text);
      const id = (json?.messages as { id?: unknown }[] | undefined)?.[0]?.id;
      const error = json?.error as { code?: unknown; message?: unknown; error_data?: { details?: unknown } } | undefined;
      const details = typeof error?.error_data?.details === 'string' ? `: ${error.error_data.details}` : '';
      return {
        status: response.status,
        id: typeof id === 'string' ? id : undefined,
        code: typeof error?.code === 'number' ? error.code : null,
        message: typeof error?.message === 'string' ? `${error.message}${details}` : text.slice(0, 300),
        retryAfter: response.headers.get('retry-after'),
      };
    },
  };
}

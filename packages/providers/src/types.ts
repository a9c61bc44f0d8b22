import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { SignatureDiagnosis, SignedUrlContext } from './twilio/diagnosis.ts';
import type { Attachment, ProviderId, RawEventItem } from '@switchboard/events';

/** A webhook request as the ingest handler read it: raw bytes, nothing parsed yet. */
export type IngestRequest = {
  /** The URL the provider signed: PUBLIC_URL (or the proxy-aware request origin) + path + query. */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  remoteIp: string;
  now: Date;
  sourceId?: string;
};

/** Why a request was turned away; the handler maps it to a status code. */
export type Rejection =
  | { ok: false; reason: 'unauthorized'; error: string }
  | { ok: false; reason: 'forbidden'; error: string }
  | { ok: false; reason: 'invalid'; error: string; fields: string[] }
  | { ok: false; reason: 'not_configured'; error: string };

/**
 * A request that passed verification and validation: its dedup key (from signed content only) and
 * the fields ingest needs to answer. `bodyContentType`: how the body was verified and read, stored
 * as the raw event's content type for the workers to read it the same way (when absent, the
 * request's own Content-Type is stored).
 */
export type Acceptance<F> = {
  ok: true;
  dedupKey: string;
  fields: F;
  bodyContentType?: string;
  /**
   * A single-use value from the signed content (Mailgun's `token`): seen before with another
   * dedup key, ingest refuses the request as a replay; with the same one it is a retry.
   */
  replayToken?: string;
  /**
   * A body that carries several events (Meta): each item is submitted as its own raw event, with
   * its own dedup key and a pointer to its part of the body (`dedupKey` is then the first item's).
   */
  items?: readonly { dedupKey: string; item: RawEventItem }[];
};

export type AcceptOutcome<F> = Acceptance<F> | Rejection;

/**
 * A webhook refused for its signature, as ingest records it after answering (the console's
 * `GET /api/rejections`). `reason` is the diagnosis's verdict when the provider can diagnose
 * (Twilio), else the refusal's own message.
 */
export type RefusedWebhook = {
  at: string;
  route: string;
  provider: ProviderId;
  status: number;
  reason: string;
  error: string;
  remoteIp: string;
  diagnosis?: SignatureDiagnosis;
};

/** What ingest writes back to the provider on success. */
export type Reply = { contentType: string; body: string };

/** Limits and places for a provider that reads its own body (multipart with attachments). */
export type BodyReadOptions = {
  maxBytes: number;
  attachmentsDir: string;
  /** The text fields' total as stored (Mailgun: MAILGUN_MAX_TEXT_BYTES). */
  maxTextBytes?: number;
  /** The clock for signature timestamps checked while reading. */
  now?: Date;
};

/**
 * A body read by the provider itself. `body` is what is kept as the raw event (with
 * `contentType`); attachments were streamed to disk under temporary names: `settle(true)` after
 * the event is durable moves them to their content-addressed names, `settle(false)` deletes them.
 */
export type BodyRead =
  | { ok: true; body: Buffer; contentType: string; attachments: Attachment[]; settle(keep: boolean): Promise<void> }
  | { ok: false; reason: 'too_large' | 'aborted' | 'malformed'; error: string }
  /** Refused while reading, before the body was read whole (an unsigned post, for instance). */
  | Exclude<Rejection, { reason: 'invalid' }>;

/** Whatever a worker needs besides the raw event to normalize it. */
export type NormalizeContext = { defaultCountry?: string };

/**
 * One provider's ingest side: verification, field schema, dedup key and answer (its normalizer,
 * the worker side, is its plug-in endpoint's). Verification is pure: raw bytes and a clock in, an
 * outcome out.
 */
export type Provider<S, F> = {
  id: ProviderId;
  /** Content types accepted (415 otherwise). */
  contentTypes: readonly string[];
  /** The integration log file its lines go to. */
  integration: 'sms' | 'email' | 'whatsapp' | 'voice' | 'webhook';
  /** Which body limit applies: MAX_BODY_BYTES, or MAILGUN_MAX_BODY_BYTES. */
  bodyLimit?: 'default' | 'mailgun';
  /**
   * Reads the body itself (streaming multipart); when absent, ingest reads the raw bytes. It may
   * verify what it can while reading (`secrets` null: INSECURE_SKIP_SIGNATURES), and refuse early.
   */
  readBody?(req: IncomingMessage, options: BodyReadOptions, secrets: S | null): Promise<BodyRead>;
  accept(request: IngestRequest, secrets: S): AcceptOutcome<F>;
  /** Accept without a signature check (INSECURE_SKIP_SIGNATURES outside production). */
  acceptUnsigned(request: IngestRequest): AcceptOutcome<F>;
  /**
   * After a refused signature, off the request's path: which nearby URLs would have verified.
   * Only for providers that sign the URL (Twilio); never changes the answer.
   */
  diagnose?(request: IngestRequest, secrets: S, context: SignedUrlContext): SignatureDiagnosis;
  reply(fields: F, request: IngestRequest): Reply;
  /**
   * The answer to a GET route of the provider's (a subscription check, such as Meta's
   * `hub.challenge`): pure, from the request's URL and headers, and nothing is stored. A plug-in
   * that declares a GET route must give it (ingest refuses to start otherwise).
   */
  challenge?(request: IngestRequest, secrets: S): { ok: true; reply: Reply } | Rejection;
};

import { z } from 'zod';
import { envBoolean, envInt, envList, envOptional, envPort, envUrl } from '@switchboard/env';

const MiB = 1024 * 1024;

/**
 * The environment every process reads (see docs/contract.md), but for the providers' own variables:
 * each provider declares those in its folder (`packages/providers/src/<provider>/plugin.ts`), and
 * `loadConfig` reads them with it. Unknown variables are ignored.
 */
export const envSchema = z.object({
  // No default: the relaxed behaviours (unsigned webhooks, a random console token) need an
  // explicit development or test; unset is treated like production (see load.ts).
  NODE_ENV: envOptional().pipe(z.enum(['development', 'production', 'test']).optional()),
  DATABASE_URL: envUrl(['postgres:', 'postgresql:']).default('postgresql://postgres@127.0.0.1:5432/switchboard'),
  REDIS_URL: envUrl(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, "_", "-" and a {hash tag} only')
    .default('switchboard'),
  INGEST_PORT: envPort(3000),
  CONSOLE_PORT: envPort(3001),
  // A worker's Prometheus listener (listener, interpreter, dispatcher); unset or empty: none.
  METRICS_PORT: envOptional().pipe(z.string().regex(/^\d{1,5}$/, 'a port number (0..65535)').transform(Number).pipe(z.number().max(65535)).optional()),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PUBLIC_URL: envOptional().pipe(envUrl(['http:', 'https:']).transform((v) => v.replace(/\/+$/, '')).optional()),
  CONSOLE_PUBLIC_URL: envOptional().pipe(envUrl(['http:', 'https:']).transform((v) => v.replace(/\/+$/, '')).optional()),
  TRUST_PROXY: envOptional(),
  ADMIN_TOKEN: envOptional().pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /**
   * The HMAC key of the suppression list that erasure leaves (`DELETE /api/contacts/:address`).
   * Never change it: hashes made with another key no longer match, and an erased person could be
   * messaged again.
   */
  ERASURE_HASH_KEY: envOptional().pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  RATE_LIMIT_PER_MINUTE: envInt(100),
  OPERATOR_PHONE: envOptional(),
  SPOOL_DIR: z.string().min(1).default('./var/spool'),
  /** Past this many bytes on disk, the spool takes no more events (ingest answers 503). */
  SPOOL_MAX_BYTES: envInt(1024 * MiB),
  ATTACHMENTS_DIR: z.string().min(1).default('./var/attachments'),
  VOICE_LANGUAGE: z.string().trim().min(2).default('fr-FR'),
  VOICE_NAME: z.string().trim().min(1).default('Polly.Lea'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  LOG_DIR: z.string().min(1).default('./var/log'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  RETRY_BASE_MS: envInt(5000),
  OUTBOUND_ALLOWLIST: envList(),
  /** Connect and total time of one webhook attempt. */
  WEBHOOK_TIMEOUT_MS: envInt(30_000, 100),
  /** Attempts in flight to one endpoint per dispatcher: a slow endpoint holds at most this many worker slots. */
  WEBHOOK_ENDPOINT_CONCURRENCY: envInt(8, 1, 1000),
  /** How often the dispatcher's sweeper re-adds the jobs of due deliveries that lost theirs. */
  WEBHOOK_SWEEP_INTERVAL_MS: envInt(10_000, 100),
  /** How often the dispatcher evaluates the sources' silence alerts. */
  SILENCE_CHECK_INTERVAL_MS: envInt(60_000, 100),
  MAX_BODY_BYTES: envInt(1 * MiB),
  MAILGUN_MAX_BODY_BYTES: envInt(25 * MiB),
  /** A Mailgun post's text fields (everything but attachments), urlencoded as stored. */
  MAILGUN_MAX_TEXT_BYTES: envInt(8 * MiB),
  INSECURE_SKIP_SIGNATURES: envBoolean(false),
  KEYWORDS_FILE: envOptional(),
  IVR_FILE: envOptional(),
  LISTENER_CONCURRENCY: envInt(64, 1, 1000),
  INTERPRETER_CONCURRENCY: envInt(64, 1, 1000),
  DISPATCHER_CONCURRENCY: envInt(16, 1, 1000),
  /** BullMQ lock duration and stalled-job check of the workers (a crashed worker's jobs run again after about this long). */
  WORKER_STALLED_INTERVAL_MS: envInt(30_000, 100),
  /** Workers' retry schedule: the first delay, doubling with each retry up to the cap. */
  JOB_BACKOFF_BASE_MS: envInt(1_000, 1),
  JOB_BACKOFF_MAX_MS: envInt(60_000, 1),
  /**
   * A Redis connection that leaves a PING unanswered this long is dropped and reconnected (a host
   * gone without a reset). Unset: 15 s, and in a worker at most 30% of WORKER_STALLED_INTERVAL_MS
   * (`silenceLimitFor`).
   */
  REDIS_SILENCE_LIMIT_MS: envOptional().pipe(z.coerce.number<string | undefined>().int().min(100).optional()),
  INTENT_CLASSIFIER: z.enum(['builtin', 'llm']).default('builtin'),
  INTENT_LLM_URL: envOptional().pipe(envUrl(['http:', 'https:']).optional()),
  INTENT_LLM_API_KEY: envOptional(),
  INTENT_LLM_MODEL: envOptional(),
  CAMPAIGN_ATTRIBUTION_HOURS: envInt(72, 0),
  /** Campaign messages per second per sender, across every dispatcher; 0 turns the limit off. */
  SEND_RATE_PER_SECOND: envInt(10, 0, 10_000),
  /** Resends of a campaign message that failed with a retryable error. */
  CAMPAIGN_MAX_RETRIES: envInt(3, 0, 20),
  /** campaign.alert fires once when the failure rate reaches this fraction (after 20 decided messages). */
  CAMPAIGN_ALERT_FAILURE_RATE: z.coerce.number().gt(0, 'must be a fraction in (0, 1]').max(1, 'must be a fraction in (0, 1]').default(0.2),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000),
});

export type Env = z.infer<typeof envSchema>;

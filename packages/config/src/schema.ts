import { z } from 'zod';
import { envBoolean, envInt, envList, envOptional, envPort, envUrl } from './helpers.ts';

const MiB = 1024 * 1024;

/** The environment every process reads (see CONTRACT.md). Unknown variables are ignored. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: envUrl(['postgres:', 'postgresql:']).default('postgresql://postgres@127.0.0.1:5432/switchboard'),
  REDIS_URL: envUrl(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, "_", "-" and a {hash tag} only')
    .default('switchboard'),
  INGEST_PORT: envPort(3000),
  CONSOLE_PORT: envPort(3001),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PUBLIC_URL: envOptional().pipe(envUrl(['http:', 'https:']).transform((v) => v.replace(/\/+$/, '')).optional()),
  TRUST_PROXY: envOptional(),
  TWILIO_ACCOUNT_SID: envOptional(),
  TWILIO_AUTH_TOKEN: envOptional(),
  TWILIO_FROM: envOptional(),
  TWILIO_API_BASE_URL: envUrl(['http:', 'https:']).default('https://api.twilio.com'),
  MAILGUN_WEBHOOK_SIGNING_KEY: envOptional(),
  WHATSAPP_BRIDGE_SECRET: envOptional(),
  WHATSAPP_BRIDGE_ALLOWED_IPS: envList(),
  ADMIN_TOKEN: envOptional().pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  RATE_LIMIT_PER_MINUTE: envInt(100),
  OPERATOR_PHONE: envOptional(),
  SPOOL_DIR: z.string().min(1).default('./var/spool'),
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
  MAX_BODY_BYTES: envInt(1 * MiB),
  MAILGUN_MAX_BODY_BYTES: envInt(25 * MiB),
  INSECURE_SKIP_SIGNATURES: envBoolean(false),
  KEYWORDS_FILE: envOptional(),
  IVR_FILE: envOptional(),
  LISTENER_CONCURRENCY: envInt(64, 1, 1000),
  INTERPRETER_CONCURRENCY: envInt(64, 1, 1000),
  DISPATCHER_CONCURRENCY: envInt(16, 1, 1000),
  /** BullMQ lock duration and stalled-job check of the workers (a crashed worker's jobs run again after about this long). */
  WORKER_STALLED_INTERVAL_MS: envInt(30_000, 100),
  INTENT_CLASSIFIER: z.enum(['builtin', 'llm']).default('builtin'),
  INTENT_LLM_URL: envOptional().pipe(envUrl(['http:', 'https:']).optional()),
  INTENT_LLM_API_KEY: envOptional(),
  INTENT_LLM_MODEL: envOptional(),
  CAMPAIGN_ATTRIBUTION_HOURS: envInt(72, 0),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000),
});

export type Env = z.infer<typeof envSchema>;

import { envSchema, type Env } from './schema.ts';

/** The configuration every app reads, shaped by domain. */
export type Config = ReturnType<typeof shape>;

/** Which app is loading: some apps need variables the others do not. */
export type AppName = 'ingest' | 'listener' | 'interpreter' | 'dispatcher' | 'console' | 'cli';

/** Thrown by {@link loadConfig}: one line per bad or missing variable. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined) return false;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function shape(env: Env) {
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    production,
    database: { url: env.DATABASE_URL },
    redis: { url: env.REDIS_URL, prefix: env.QUEUE_PREFIX },
    log: { level: env.LOG_LEVEL, dir: env.LOG_DIR, format: env.LOG_FORMAT ?? (production ? 'json' : 'pretty') },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    ingest: {
      host: env.HOST,
      port: env.INGEST_PORT,
      publicUrl: env.PUBLIC_URL,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      maxBodyBytes: env.MAX_BODY_BYTES,
      mailgunMaxBodyBytes: env.MAILGUN_MAX_BODY_BYTES,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      spoolDir: env.SPOOL_DIR,
      attachmentsDir: env.ATTACHMENTS_DIR,
      voice: { language: env.VOICE_LANGUAGE, voice: env.VOICE_NAME },
      insecureSkipSignatures: env.INSECURE_SKIP_SIGNATURES,
      keywordsFile: env.KEYWORDS_FILE,
      ivrFile: env.IVR_FILE,
      operatorPhone: env.OPERATOR_PHONE,
    },
    console: { host: env.HOST, port: env.CONSOLE_PORT, adminToken: env.ADMIN_TOKEN },
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      from: env.TWILIO_FROM,
      apiBaseUrl: env.TWILIO_API_BASE_URL.replace(/\/+$/, ''),
    },
    mailgun: { signingKey: env.MAILGUN_WEBHOOK_SIGNING_KEY },
    whatsappBridge: { secret: env.WHATSAPP_BRIDGE_SECRET, allowedIps: env.WHATSAPP_BRIDGE_ALLOWED_IPS },
    workers: {
      listenerConcurrency: env.LISTENER_CONCURRENCY,
      interpreterConcurrency: env.INTERPRETER_CONCURRENCY,
      dispatcherConcurrency: env.DISPATCHER_CONCURRENCY,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
    },
    intent: {
      classifier: env.INTENT_CLASSIFIER,
      llm: { url: env.INTENT_LLM_URL, apiKey: env.INTENT_LLM_API_KEY, model: env.INTENT_LLM_MODEL },
    },
    outbound: {
      retryBaseMs: env.RETRY_BASE_MS,
      allowlist: env.OUTBOUND_ALLOWLIST,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      endpointConcurrency: env.WEBHOOK_ENDPOINT_CONCURRENCY,
      sweepIntervalMs: env.WEBHOOK_SWEEP_INTERVAL_MS,
    },
    campaigns: { attributionWindowMs: env.CAMPAIGN_ATTRIBUTION_HOURS * 3_600_000 },
  };
}

/**
 * Parses the environment into a {@link Config}. Throws a {@link ConfigError} listing every
 * problem (one line each, naming the variable) rather than stopping at the first.
 */
export function loadConfig(env: Record<string, string | undefined>, app: AppName = 'cli'): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.') || '(environment)';
      const value = env[name];
      problems.push(`${name}: ${issue.message}${value === undefined ? ' (missing)' : ''}`);
    }
    throw new ConfigError(problems);
  }
  const config = shape(parsed.data);
  if (config.production && config.ingest.insecureSkipSignatures) {
    problems.push('INSECURE_SKIP_SIGNATURES: signature checks cannot be switched off in production');
  }
  if (app === 'console' && config.production && !config.console.adminToken) {
    problems.push('ADMIN_TOKEN: required by the console in production (missing)');
  }
  if (config.intent.classifier === 'llm' && !(config.intent.llm.url && config.intent.llm.model)) {
    problems.push('INTENT_LLM_URL, INTENT_LLM_MODEL: required when INTENT_CLASSIFIER=llm');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * For an app's main: the config, or one line per problem on stderr and exit code 1.
 */
export function loadConfigOrExit(env: Record<string, string | undefined>, app: AppName): Config {
  try {
    return loadConfig(env, app);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.problems) process.stderr.write(`${app}: config: ${line}\n`);
    process.exit(1);
  }
}

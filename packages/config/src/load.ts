import { isIP } from 'node:net';
import type { z } from 'zod';
import { PROVIDERS, type ProviderPlugin, type ProviderSections } from '@switchboard/providers';
import { envSchema, type Env } from './schema.ts';

/**
 * The configuration, in sections: settings every app may read (see {@link SHARED_SECTIONS}), one
 * section per app that only that app reads ({@link APP_SECTIONS}), and the providers' sections.
 */
export type Config = ReturnType<typeof shape> & ProviderSections;

/** The sections any app may read: connections, logging, shutdown, and what two apps share by nature. */
export const SHARED_SECTIONS = ['env', 'production', 'relaxed', 'database', 'redis', 'log', 'shutdownTimeoutMs', 'publicUrl', 'trustProxy', 'attachmentsDir', 'keywordsFile', 'workers', 'metrics'] as const;
/** The providers' sections, one per plug-in (its credentials: read by ingest to verify and by the dispatcher to send). */
export const PROVIDER_SECTIONS = (PROVIDERS as readonly ProviderPlugin[]).flatMap((plugin) => (plugin.config ? [plugin.config.key as keyof ProviderSections] : []));
/** Each app's own section: no other app reads it (test/config-sections.test.ts checks the code). */
export const APP_SECTIONS = { ingest: 'ingest', listener: 'listener', interpreter: 'interpreter', dispatcher: 'dispatcher', console: 'console' } as const;

/**
 * What app `A` may read: the shared sections, the providers' and its own. An app's start function
 * and modules take this type, so reading another app's section is a type error.
 */
export type AppConfig<A extends keyof typeof APP_SECTIONS> = Pick<Config, (typeof SHARED_SECTIONS)[number] | keyof ProviderSections | (typeof APP_SECTIONS)[A]>;

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

/** proxy-addr's names for address ranges (Express's trust proxy setting). */
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address or CIDR range (IPv4 or IPv6), as Express's `trust proxy` accepts them. */
function isAddressOrRange(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY's problem, if any. It names the proxy's own address (`loopback`, an IP or a CIDR):
 * only a request from there may set the client's IP, protocol and host with X-Forwarded-*.
 * `true` and hop counts trust whoever connects, so a client that reaches ingest directly forges
 * X-Forwarded-For (the bridge's IP allowlist, the rate limit's key): refused outside development and test.
 */
function trustProxyProblem(value: string | undefined, strict: boolean): string | undefined {
  if (value === undefined || /^false$/i.test(value)) return undefined;
  if (/^true$/i.test(value) || /^\d+$/.test(value)) {
    if (!strict) return undefined;
    return 'TRUST_PROXY: name the proxy\'s address ("loopback", an IP or a CIDR), not "true" or a hop count: those trust X-Forwarded-For from any client that reaches the process directly';
  }
  const bad = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => !TRUST_PROXY_NAMES.has(entry) && !isAddressOrRange(entry));
  return bad.length > 0 ? `TRUST_PROXY: not an address, a CIDR or loopback/linklocal/uniquelocal: ${bad.map((b) => `"${b}"`).join(', ')}` : undefined;
}

/** The processes that hold BullMQ job locks: their Redis silence limit is bounded by the lock's life. */
const WORKER_APPS: ReadonlySet<AppName> = new Set(['listener', 'interpreter', 'dispatcher']);

/** The silence limit when REDIS_SILENCE_LIMIT_MS is unset. */
const DEFAULT_SILENCE_LIMIT_MS = 15_000;

/**
 * The longest Redis silence limit a worker may have. A worker renews its jobs' locks every half
 * lock duration (WORKER_STALLED_INTERVAL_MS), so when a connection falls silent the lock it
 * renews may have only half its duration left; the liveness check finds the silence within 4/3
 * of the limit (a PING every third of it). 30% of the interval finds it within 40%, and leaves
 * a tenth of the interval to reconnect and resend the renewal before the lock runs out.
 */
function maxWorkerSilenceMs(stalledIntervalMs: number): number {
  return Math.floor(stalledIntervalMs * 0.3);
}

/** REDIS_SILENCE_LIMIT_MS unset: 15 s, and in a worker no more than its locks allow (at least 100 ms, the variable's own minimum). */
function silenceLimitFor(app: AppName, stalledIntervalMs: number): number {
  if (!WORKER_APPS.has(app)) return DEFAULT_SILENCE_LIMIT_MS;
  return Math.max(100, Math.min(DEFAULT_SILENCE_LIMIT_MS, maxWorkerSilenceMs(stalledIntervalMs)));
}

function shape(env: Env, app: AppName) {
  const production = env.NODE_ENV === 'production';
  return {
    /** `undefined` when NODE_ENV is unset, which is held to production's rules. */
    env: env.NODE_ENV,
    production,
    /**
     * Only an explicit NODE_ENV=development or test relaxes the safety checks (unsigned webhooks,
     * a console token made up at start, TRUST_PROXY=true, no PUBLIC_URL): a systemd unit or a
     * container that forgets NODE_ENV gets production's rules, not development's.
     */
    relaxed: env.NODE_ENV === 'development' || env.NODE_ENV === 'test',
    database: { url: env.DATABASE_URL },
    /** `silenceLimitMs`: how long a connection may leave a PING unanswered before it is dropped (`watchRedis`). */
    redis: { url: env.REDIS_URL, prefix: env.QUEUE_PREFIX, silenceLimitMs: env.REDIS_SILENCE_LIMIT_MS ?? silenceLimitFor(app, env.WORKER_STALLED_INTERVAL_MS) },
    log: { level: env.LOG_LEVEL, dir: env.LOG_DIR, format: env.LOG_FORMAT ?? (production ? 'json' : 'pretty') },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    /** The base URL providers call: ingest checks signatures against it, the dispatcher gives providers callback and unsubscribe URLs under it. */
    publicUrl: env.PUBLIC_URL,
    /** The proxy in front of the two HTTP apps (ingest, console). */
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    /** Ingest stores attachments there, the console serves them. */
    attachmentsDir: env.ATTACHMENTS_DIR,
    /** Ingest answers its keywords; the interpreter classifies them as service keywords. */
    keywordsFile: env.KEYWORDS_FILE,
    /** Every process that runs or retries jobs: the outage retry schedule and the stalled-job check. */
    workers: {
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      backoff: { baseMs: env.JOB_BACKOFF_BASE_MS, maxMs: env.JOB_BACKOFF_MAX_MS },
    },
    /** A worker's (listener, interpreter, dispatcher) /metrics listener. */
    metrics: { host: env.HOST, port: env.METRICS_PORT },
    ingest: {
      host: env.HOST,
      port: env.INGEST_PORT,
      maxBodyBytes: env.MAX_BODY_BYTES,
      mailgunMaxBodyBytes: env.MAILGUN_MAX_BODY_BYTES,
      mailgunMaxTextBytes: env.MAILGUN_MAX_TEXT_BYTES,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      spoolDir: env.SPOOL_DIR,
      spoolMaxBytes: env.SPOOL_MAX_BYTES,
      voice: { language: env.VOICE_LANGUAGE, voice: env.VOICE_NAME },
      insecureSkipSignatures: env.INSECURE_SKIP_SIGNATURES,
      ivrFile: env.IVR_FILE,
      operatorPhone: env.OPERATOR_PHONE,
    },
    listener: { concurrency: env.LISTENER_CONCURRENCY },
    interpreter: {
      concurrency: env.INTERPRETER_CONCURRENCY,
      /** A reply within this time of a campaign message belongs to that campaign. */
      attributionWindowMs: env.CAMPAIGN_ATTRIBUTION_HOURS * 3_600_000,
      intent: {
        classifier: env.INTENT_CLASSIFIER,
        llm: { url: env.INTENT_LLM_URL, apiKey: env.INTENT_LLM_API_KEY, model: env.INTENT_LLM_MODEL },
      },
    },
    dispatcher: {
      concurrency: env.DISPATCHER_CONCURRENCY,
      sendRatePerSecond: env.SEND_RATE_PER_SECOND,
      outbound: {
        retryBaseMs: env.RETRY_BASE_MS,
        allowlist: env.OUTBOUND_ALLOWLIST,
        timeoutMs: env.WEBHOOK_TIMEOUT_MS,
        endpointConcurrency: env.WEBHOOK_ENDPOINT_CONCURRENCY,
        sweepIntervalMs: env.WEBHOOK_SWEEP_INTERVAL_MS,
        silenceCheckIntervalMs: env.SILENCE_CHECK_INTERVAL_MS,
      },
    },
    console: {
      host: env.HOST,
      port: env.CONSOLE_PORT,
      adminToken: env.ADMIN_TOKEN,
      publicUrl: env.CONSOLE_PUBLIC_URL,
      erasureHashKey: env.ERASURE_HASH_KEY,
      /** Settings a campaign takes when it is created (stored with it, so every process applying its callbacks agrees). */
      campaigns: { maxRetries: env.CAMPAIGN_MAX_RETRIES, retryBaseMs: env.RETRY_BASE_MS, alertFailureRate: env.CAMPAIGN_ALERT_FAILURE_RATE },
    },
  };
}

/**
 * Parses the environment into a {@link Config}. Throws a {@link ConfigError} listing every
 * problem (one line each, naming the variable) rather than stopping at the first.
 */
export function loadConfig(env: Record<string, string | undefined>, app: AppName = 'cli'): Config {
  const problems: string[] = [];
  const parse = <T>(schema: z.ZodType<T>): T | undefined => {
    const parsed = schema.safeParse(env);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.') || '(environment)';
      const value = env[name];
      problems.push(`${name}: ${issue.message}${value === undefined ? ' (missing)' : ''}`);
    }
    return undefined;
  };
  const parsed = parse(envSchema);
  // Each provider's own variables, from its plug-in, into its section (`config.twilio`…).
  const sections: Record<string, unknown> = {};
  for (const plugin of PROVIDERS as readonly ProviderPlugin[]) {
    if (!plugin.config) continue;
    const vars = parse(plugin.config.env);
    if (vars !== undefined) sections[plugin.config.key] = plugin.config.section(vars as never);
  }
  if (!parsed || problems.length > 0) throw new ConfigError(problems);
  const config: Config = { ...shape(parsed, app), ...(sections as ProviderSections) };
  const mode = config.env === undefined ? 'NODE_ENV is unset' : `NODE_ENV is ${config.env}`;
  if (!config.relaxed && config.ingest.insecureSkipSignatures) {
    problems.push(`INSECURE_SKIP_SIGNATURES: only allowed when NODE_ENV is development or test (${mode})`);
  }
  if (app === 'console' && !config.relaxed && !config.console.adminToken) {
    problems.push(`ADMIN_TOKEN: required by the console unless NODE_ENV is development or test (${mode}; missing)`);
  }
  if (app === 'ingest' && !config.relaxed && !config.publicUrl) {
    // Without it the signed URL would come from the request's Host (or a proxy's X-Forwarded-Host).
    problems.push(`PUBLIC_URL: required by ingest unless NODE_ENV is development or test (${mode}; missing): signatures are checked against it`);
  }
  const trustProxy = trustProxyProblem(parsed.TRUST_PROXY, !config.relaxed);
  if (trustProxy) problems.push(trustProxy);
  if (WORKER_APPS.has(app) && parsed.REDIS_SILENCE_LIMIT_MS !== undefined && parsed.REDIS_SILENCE_LIMIT_MS > maxWorkerSilenceMs(parsed.WORKER_STALLED_INTERVAL_MS)) {
    problems.push(
      `REDIS_SILENCE_LIMIT_MS: must be at most 30% of WORKER_STALLED_INTERVAL_MS (${parsed.WORKER_STALLED_INTERVAL_MS} ms: at most ${maxWorkerSilenceMs(parsed.WORKER_STALLED_INTERVAL_MS)} ms) in the ${app}: ` +
        `a silent connection is found within 4/3 of the limit, and the locks of the jobs it holds must outlive that, or another worker runs them too`,
    );
  }
  if (config.workers.backoff.maxMs < config.workers.backoff.baseMs) {
    problems.push('JOB_BACKOFF_MAX_MS: must be at least JOB_BACKOFF_BASE_MS');
  }
  if (config.interpreter.intent.classifier === 'llm' && !(config.interpreter.intent.llm.url && config.interpreter.intent.llm.model)) {
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

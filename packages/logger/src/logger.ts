import path from 'node:path';
import winston from 'winston';
import { redact } from './redact.ts';

/** The integrations that get a log file of their own (the console's `/webhook/logs?type=`). */
export const INTEGRATIONS = ['sms', 'email', 'whatsapp', 'voice', 'webhook'] as const;
export type Integration = (typeof INTEGRATIONS)[number];

export type LoggerOptions = {
  /** The process name, on every line. */
  service: string;
  level: string;
  /** Directory for the per-integration files; none are written when undefined. */
  dir?: string;
  format: 'json' | 'pretty';
  /** Write to stdout (the default). */
  console?: boolean;
  /** Write nothing at all (tests). */
  silent?: boolean;
};

export type Logger = winston.Logger;

const redactFormat = winston.format((info) => {
  const { level, message, ...rest } = info;
  const clean = redact(rest) as Record<string, unknown>;
  for (const key of Object.keys(rest)) delete (info as Record<string, unknown>)[key];
  Object.assign(info, clean, { level, message });
  return info;
});

const onlyIntegration = (name: Integration) => winston.format((info) => (info.integration === name ? info : false))();

/**
 * The process logger: JSON lines in production, readable lines in development, secrets and
 * signatures redacted and phone numbers masked in every transport. A line logged with
 * `{ integration: 'sms' }` (or through `logger.child({ integration: 'sms' })`) is also written to
 * `<dir>/sms.log`, as JSON, for the console's log view.
 */
export function createLogger(options: LoggerOptions): Logger {
  const transports: winston.transport[] = [];
  if (options.console !== false) {
    transports.push(
      new winston.transports.Console({
        format:
          options.format === 'json'
            ? winston.format.json()
            : winston.format.combine(
                winston.format.colorize(),
                winston.format.printf(({ level, message, timestamp, service, ...rest }) => {
                  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
                  return `${String(timestamp)} ${String(service)} ${level} ${String(message)}${extra}`;
                }),
              ),
      }),
    );
  }
  if (options.dir) {
    for (const integration of INTEGRATIONS) {
      transports.push(
        new winston.transports.File({
          filename: path.join(options.dir, `${integration}.log`),
          format: winston.format.combine(onlyIntegration(integration), winston.format.json()),
          maxsize: 10 * 1024 * 1024,
          maxFiles: 5,
          tailable: true,
        }),
      );
    }
  }
  const logger = winston.createLogger({
    level: options.level,
    silent: options.silent,
    defaultMeta: { service: options.service },
    format: winston.format.combine(winston.format.errors({ stack: true }), redactFormat(), winston.format.timestamp()),
    transports,
  });
  skipDisabledLevels(logger);
  return logger;
}

/**
 * Winston runs a call at any level through its formats (the redaction's copy of the metadata, the
 * timestamp) and its streams, and only the transports then drop a level they do not log: the
 * interpreter's `debug` per message cost ~3% of its time at `LOG_LEVEL=warn`. Each level's method
 * returns at once when that level is off, asked at each call (a level changed at run time holds,
 * and child loggers inherit the methods).
 */
function skipDisabledLevels(logger: Logger): void {
  const methods = logger as unknown as Record<string, (this: Logger, ...args: unknown[]) => Logger>;
  for (const level of Object.keys(logger.levels)) {
    const write = methods[level];
    if (typeof write !== 'function') continue;
    methods[level] = function (this: Logger, ...args: unknown[]) {
      return this.isLevelEnabled(level) ? write.apply(this, args) : this;
    };
  }
}

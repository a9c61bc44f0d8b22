import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '@switchboard/config';
import { createLogger, type Logger } from '@switchboard/logger';

/** A queue prefix of the test file's own, so files never see each other's jobs. */
export function uniquePrefix(): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** The config an app would load, pointed at this test's database, Redis prefix and temp dirs. */
export function testConfig(env: Record<string, string | undefined>): Config {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-test-'));
  return loadConfig({
    NODE_ENV: 'test',
    INGEST_PORT: '0',
    CONSOLE_PORT: '0',
    SPOOL_DIR: path.join(tmp, 'spool'),
    LOG_DIR: path.join(tmp, 'log'),
    LOG_LEVEL: 'warn',
    ...env,
  });
}

/** A logger that writes nowhere unless TEST_LOGS=1 (then everything, to stdout). */
export function testLogger(service = 'test'): Logger {
  return createLogger({ service, level: 'debug', format: 'pretty', silent: !process.env.TEST_LOGS });
}

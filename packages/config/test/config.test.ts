import { loadConfig, ConfigError } from '@switchboard/config';

function problemsOf(env: Record<string, string>, app?: Parameters<typeof loadConfig>[1]): string[] {
  try {
    loadConfig(env, app);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  test('an empty environment gives the contract defaults', () => {
    const config = loadConfig({});
    expect(config.database.url).toBe('postgresql://postgres@127.0.0.1:5432/switchboard');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.ingest.port).toBe(3000);
    expect(config.console.port).toBe(3001);
    expect(config.ingest.host).toBe('127.0.0.1');
    expect(config.ingest.rateLimitPerMinute).toBe(100);
    expect(config.ingest.spoolDir).toBe('./var/spool');
    expect(config.log).toEqual({ level: 'info', dir: './var/log', format: 'pretty' });
    expect(config.dispatcher.outbound.retryBaseMs).toBe(5000);
    expect(config.ingest.maxBodyBytes).toBe(1024 * 1024);
    expect(config.ingest.mailgunMaxBodyBytes).toBe(25 * 1024 * 1024);
    expect(config.twilio.authToken).toBeUndefined();
  });

  test('every bad variable is reported on its own line, naming it', () => {
    // Providers' own variables (declared in their plug-ins) are reported with the others.
    const problems = problemsOf({ INGEST_PORT: '70000', REDIS_URL: 'http://nope', LOG_LEVEL: 'loud', INSECURE_SKIP_SIGNATURES: 'maybe', TWILIO_API_BASE_URL: 'nope', UNSUBSCRIBE_SECRET: 'short' });
    expect(problems).toHaveLength(6);
    expect(problems.find((p) => p.startsWith('TWILIO_API_BASE_URL:'))).toMatch(/http or https URL/);
    expect(problems.find((p) => p.startsWith('UNSUBSCRIBE_SECRET:'))).toMatch(/at least 32 characters/);
    expect(problems.find((p) => p.startsWith('INGEST_PORT:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('REDIS_URL:'))).toMatch(/redis or rediss URL/);
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('INSECURE_SKIP_SIGNATURES:'))).toMatch(/boolean/);
  });

  test('booleans read "false" and "0" as false', () => {
    expect(loadConfig({ INSECURE_SKIP_SIGNATURES: 'false' }).ingest.insecureSkipSignatures).toBe(false);
    expect(loadConfig({ INSECURE_SKIP_SIGNATURES: '0' }).ingest.insecureSkipSignatures).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', INSECURE_SKIP_SIGNATURES: 'true' }).ingest.insecureSkipSignatures).toBe(true);
  });

  test('signature checks can be switched off only with NODE_ENV explicitly development or test', () => {
    expect(problemsOf({ NODE_ENV: 'production', INSECURE_SKIP_SIGNATURES: '1' })).toEqual([
      'INSECURE_SKIP_SIGNATURES: only allowed when NODE_ENV is development or test (NODE_ENV is production)',
    ]);
    // A systemd unit that forgets NODE_ENV is not a development machine.
    expect(problemsOf({ INSECURE_SKIP_SIGNATURES: '1' })).toEqual(['INSECURE_SKIP_SIGNATURES: only allowed when NODE_ENV is development or test (NODE_ENV is unset)']);
    expect(problemsOf({ NODE_ENV: '', INSECURE_SKIP_SIGNATURES: '1' })).toHaveLength(1);
    expect(loadConfig({ NODE_ENV: 'development', INSECURE_SKIP_SIGNATURES: '1' }).ingest.insecureSkipSignatures).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', INSECURE_SKIP_SIGNATURES: '1' }).ingest.insecureSkipSignatures).toBe(true);
  });

  test('the console needs ADMIN_TOKEN unless NODE_ENV is explicitly development or test; the other apps do not need it', () => {
    expect(problemsOf({ NODE_ENV: 'production' }, 'console')).toEqual(['ADMIN_TOKEN: required by the console unless NODE_ENV is development or test (NODE_ENV is production; missing)']);
    expect(problemsOf({}, 'console')).toEqual(['ADMIN_TOKEN: required by the console unless NODE_ENV is development or test (NODE_ENV is unset; missing)']);
    expect(problemsOf({ NODE_ENV: 'development' }, 'console')).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production' }, 'listener')).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production', ADMIN_TOKEN: 'short' }, 'console')[0]).toMatch(/^ADMIN_TOKEN: .*16 characters/);
  });

  test('ingest needs PUBLIC_URL in production (the signed URL never comes from the request), not in development', () => {
    expect(problemsOf({ NODE_ENV: 'production' }, 'ingest')).toEqual([
      'PUBLIC_URL: required by ingest unless NODE_ENV is development or test (NODE_ENV is production; missing): signatures are checked against it',
    ]);
    expect(problemsOf({}, 'ingest')).toHaveLength(1);
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_URL: 'https://hooks.example.com' }, 'ingest')).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'development' }, 'ingest')).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production' }, 'console')).not.toContainEqual(expect.stringMatching(/^PUBLIC_URL/));
  });

  test('WHATSAPP_BRIDGE_SECRET must be a strong HMAC key, like a source secret', () => {
    expect(problemsOf({ WHATSAPP_BRIDGE_SECRET: 'bridge-secret' })).toEqual([
      'WHATSAPP_BRIDGE_SECRET: must be at least 32 characters, or whsec_ + base64 of at least 24 bytes',
    ]);
    expect(problemsOf({ WHATSAPP_BRIDGE_SECRET: 'whsec_!!!!!!!!!!!' })[0]).toMatch(/^WHATSAPP_BRIDGE_SECRET: a whsec_ secret must be followed by standard base64/);
    expect(problemsOf({ WHATSAPP_BRIDGE_SECRET: `whsec_${Buffer.alloc(20).toString('base64')}` })[0]).toMatch(/at least 24 bytes \(this one gives 20\)/);
    expect(loadConfig({ WHATSAPP_BRIDGE_SECRET: 'a-bridge-secret-of-32-characters' }).whatsappBridge.secret).toBe('a-bridge-secret-of-32-characters');
  });

  test('Mailgun sending: the API base defaults to the US region and loses its trailing slash; UNSUBSCRIBE_SECRET has 32 characters or more', () => {
    expect(loadConfig({}).mailgun).toEqual({ signingKey: undefined, apiKey: undefined, domain: undefined, from: undefined, apiBaseUrl: 'https://api.mailgun.net', unsubscribeSecret: undefined });
    const config = loadConfig({ MAILGUN_API_KEY: 'key-1', MAILGUN_DOMAIN: 'mg.example.com', MAILGUN_FROM: 'Acme <news@mg.example.com>', MAILGUN_API_BASE_URL: 'https://api.eu.mailgun.net/', UNSUBSCRIBE_SECRET: 'u'.repeat(32) });
    expect(config.mailgun).toMatchObject({ apiKey: 'key-1', domain: 'mg.example.com', from: 'Acme <news@mg.example.com>', apiBaseUrl: 'https://api.eu.mailgun.net', unsubscribeSecret: 'u'.repeat(32) });
    expect(problemsOf({ UNSUBSCRIBE_SECRET: 'short' })).toEqual(['UNSUBSCRIBE_SECRET: at least 32 characters (it signs the one-click unsubscribe links)']);
    expect(problemsOf({ MAILGUN_API_BASE_URL: 'ftp://x' })[0]).toMatch(/^MAILGUN_API_BASE_URL:/);
  });

  test('Meta: the Graph API base defaults to a versioned graph.facebook.com and loses its trailing slash; the phone number id is digits', () => {
    expect(loadConfig({}).meta).toEqual({ appSecret: undefined, verifyToken: undefined, accessToken: undefined, phoneNumberId: undefined, apiBaseUrl: 'https://graph.facebook.com/v21.0' });
    expect(loadConfig({ META_API_BASE_URL: 'http://127.0.0.1:9/v21.0/', META_PHONE_NUMBER_ID: ' 106540352242922 ', META_APP_SECRET: 's' }).meta).toMatchObject({ apiBaseUrl: 'http://127.0.0.1:9/v21.0', phoneNumberId: '106540352242922', appSecret: 's' });
    expect(problemsOf({ META_PHONE_NUMBER_ID: '+15550783881' })).toEqual(['META_PHONE_NUMBER_ID: the phone number id: digits only (not the phone number)']);
  });

  test('PUBLIC_URL loses its trailing slash and must be http(s)', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://hooks.example.com/' }).publicUrl).toBe('https://hooks.example.com');
    expect(problemsOf({ PUBLIC_URL: 'ftp://x' })[0]).toMatch(/^PUBLIC_URL:/);
  });

  test('TRUST_PROXY maps to the Express setting', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({ TRUST_PROXY: '172.31.240.1, fd00::/8, ::1' }).trustProxy).toBe('172.31.240.1, fd00::/8, ::1');
  });

  test('in production TRUST_PROXY names the proxy: "true" and hop counts (trusting any direct client) are refused, as are typos', () => {
    for (const value of ['true', '1', '2']) {
      expect(problemsOf({ NODE_ENV: 'production', TRUST_PROXY: value })).toEqual([
        'TRUST_PROXY: name the proxy\'s address ("loopback", an IP or a CIDR), not "true" or a hop count: those trust X-Forwarded-For from any client that reaches the process directly',
      ]);
      expect(problemsOf({ TRUST_PROXY: value })).toHaveLength(1);
    }
    expect(problemsOf({ TRUST_PROXY: 'loopbak, 10.0.0.0/33, 10.0.0.1' })).toEqual(['TRUST_PROXY: not an address, a CIDR or loopback/linklocal/uniquelocal: "loopbak", "10.0.0.0/33"']);
    expect(problemsOf({ NODE_ENV: 'production', TRUST_PROXY: 'loopback' })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production', TRUST_PROXY: 'false' })).toEqual([]);
  });

  test('CONSOLE_PUBLIC_URL is an http(s) URL without its trailing slash', () => {
    expect(loadConfig({ CONSOLE_PUBLIC_URL: 'https://ops.example.com/' }).console.publicUrl).toBe('https://ops.example.com');
    expect(problemsOf({ CONSOLE_PUBLIC_URL: 'ops.example.com' })[0]).toMatch(/^CONSOLE_PUBLIC_URL:/);
  });

  test('the workers\' retry schedule: 1 s doubling up to 60 s by default, configurable, the cap never below the base', () => {
    expect(loadConfig({}).workers.backoff).toEqual({ baseMs: 1_000, maxMs: 60_000 });
    expect(loadConfig({ JOB_BACKOFF_BASE_MS: '50', JOB_BACKOFF_MAX_MS: '800' }).workers.backoff).toEqual({ baseMs: 50, maxMs: 800 });
    expect(problemsOf({ JOB_BACKOFF_BASE_MS: '5000', JOB_BACKOFF_MAX_MS: '1000' })).toEqual(['JOB_BACKOFF_MAX_MS: must be at least JOB_BACKOFF_BASE_MS']);
    expect(problemsOf({ JOB_BACKOFF_BASE_MS: '0' })).toEqual([expect.stringMatching(/^JOB_BACKOFF_BASE_MS: /)]);
  });

  test("the Redis silence limit: 15 s, and in a worker no more than 30% of the stalled interval, which its jobs' locks outlive", () => {
    expect(loadConfig({ NODE_ENV: 'test' }, 'ingest').redis.silenceLimitMs).toBe(15_000);
    expect(loadConfig({ NODE_ENV: 'test' }, 'console').redis.silenceLimitMs).toBe(15_000);
    // A worker renews its locks every half stalled interval and finds a silence within 4/3 of the limit.
    for (const app of ['listener', 'interpreter', 'dispatcher'] as const) {
      expect(loadConfig({}, app).redis.silenceLimitMs).toBe(9_000);
      expect(loadConfig({ WORKER_STALLED_INTERVAL_MS: '120000' }, app).redis.silenceLimitMs).toBe(15_000);
      expect(loadConfig({ WORKER_STALLED_INTERVAL_MS: '1000' }, app).redis.silenceLimitMs).toBe(300);
      expect(loadConfig({ REDIS_SILENCE_LIMIT_MS: '9000' }, app).redis.silenceLimitMs).toBe(9_000);
      expect(problemsOf({ REDIS_SILENCE_LIMIT_MS: '15000' }, app)).toEqual([
        `REDIS_SILENCE_LIMIT_MS: must be at most 30% of WORKER_STALLED_INTERVAL_MS (30000 ms: at most 9000 ms) in the ${app}: ` +
          'a silent connection is found within 4/3 of the limit, and the locks of the jobs it holds must outlive that, or another worker runs them too',
      ]);
    }
    // Ingest and the console hold no job locks: any limit from the variable's minimum.
    expect(loadConfig({ NODE_ENV: 'test', REDIS_SILENCE_LIMIT_MS: '60000' }, 'ingest').redis.silenceLimitMs).toBe(60_000);
    expect(loadConfig({ NODE_ENV: 'test', REDIS_SILENCE_LIMIT_MS: '' }, 'ingest').redis.silenceLimitMs).toBe(15_000);
    expect(problemsOf({ NODE_ENV: 'test', REDIS_SILENCE_LIMIT_MS: '50' }, 'ingest')).toEqual([expect.stringMatching(/^REDIS_SILENCE_LIMIT_MS: /)]);
  });

  test('lists are split on commas', () => {
    expect(loadConfig({ WHATSAPP_BRIDGE_ALLOWED_IPS: '10.0.0.1, 192.168.0.0/16,' }).whatsappBridge.allowedIps).toEqual(['10.0.0.1', '192.168.0.0/16']);
  });
});

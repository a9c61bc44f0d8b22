import { createRedis } from '@switchboard/queues';
import { uniquePrefix, waitFor } from '@switchboard/testing';
import { clientKey, createFailureLimiter } from '../src/rate-limit.ts';

const shared = createRedis('redis://127.0.0.1:6379', 'producer');
// Nothing listens on port 1: this connection is never ready.
const unreachable = createRedis('redis://127.0.0.1:1', 'producer');
unreachable.on('error', () => undefined);

beforeAll(async () => {
  // Until the connection is ready the limiter counts in memory (its insurance): these tests count in Redis.
  await waitFor(() => shared.status === 'ready', { what: 'redis ready' });
});

afterAll(async () => {
  await shared.quit();
  unreachable.disconnect();
});

describe('the failure rate limiter', () => {
  test('an address is limited after perMinute failures, until its window passes; others are not', async () => {
    const clock = { t: Date.now() };
    const limiter = createFailureLimiter({ redis: shared, perMinute: 3, keyPrefix: `${uniquePrefix()}:failures`, now: () => clock.t });
    limiter.failed('203.0.113.1');
    limiter.failed('203.0.113.1');
    limiter.failed('203.0.113.1');
    const retryAfter = await waitFor(() => limiter.retryAfter('203.0.113.1'), { what: 'the address limited' });
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limiter.retryAfter('203.0.113.2')).toBe(0);
    clock.t += 61_000;
    expect(limiter.retryAfter('203.0.113.1')).toBe(0);
  });

  test('fewer failures than the limit never limit an address', async () => {
    const prefix = `${uniquePrefix()}:failures`;
    const limiter = createFailureLimiter({ redis: shared, perMinute: 3, keyPrefix: prefix });
    limiter.failed('203.0.113.3');
    limiter.failed('203.0.113.3');
    // The count is in Redis once the two consumes landed; the address is still free.
    await waitFor(async () => (await shared.get(`${prefix}:203.0.113.3`)) === '2', { what: 'two failures counted' });
    expect(limiter.retryAfter('203.0.113.3')).toBe(0);
  });

  test('while Redis is unreachable, failures are counted in memory instead', async () => {
    const limiter = createFailureLimiter({ redis: unreachable, perMinute: 2, keyPrefix: `${uniquePrefix()}:failures` });
    limiter.failed('203.0.113.4');
    limiter.failed('203.0.113.4');
    expect(await waitFor(() => limiter.retryAfter('203.0.113.4'), { what: 'the address limited' })).toBeGreaterThan(0);
  });
});

describe('the client key', () => {
  test('IPv4 is its address; IPv6 its /64, however it is written; IPv4-mapped IPv6 is the IPv4 address', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:a:b::1')).toBe('2001:db8:a:b::/64');
    expect(clientKey('2001:0db8:000a:000b:ffff:1:2:3')).toBe('2001:db8:a:b::/64');
    expect(clientKey('2001:db8:a:c::1')).toBe('2001:db8:a:c::/64');
    // A dual-stack socket reports IPv4 clients this way: they must not all share the /64 ::ffff:0:0.
    expect(clientKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientKey('::ffff:198.51.100.8')).toBe('198.51.100.8');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });

  test('one /64 shares one budget', async () => {
    const limiter = createFailureLimiter({ redis: shared, perMinute: 2, keyPrefix: `${uniquePrefix()}:failures` });
    limiter.failed('2001:db8:1:2::1');
    limiter.failed('2001:db8:1:2::2');
    expect(await waitFor(() => limiter.retryAfter('2001:db8:1:2:abcd::9'), { what: 'the /64 limited' })).toBeGreaterThan(0);
    expect(limiter.retryAfter('2001:db8:1:3::1')).toBe(0);
  });
});

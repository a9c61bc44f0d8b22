import { jest } from '@jest/globals';

// What reaches node:crypto's timingSafeEqual is recorded: a comparison that returned early on a
// length mismatch would never call it, and its running time would tell the secret's length.
const calls: Array<[number, number]> = [];
const real = await import('node:crypto');
jest.unstable_mockModule('node:crypto', () => ({
  ...real,
  default: real,
  timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    calls.push([a.byteLength, b.byteLength]);
    return real.timingSafeEqual(a, b);
  },
}));
const { safeEqual } = await import('../src/twilio/signature.ts');

describe('safeEqual', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  test('strings of different lengths are compared in full, as two digests of one size', () => {
    expect(safeEqual('short', 'a much longer shared secret value')).toBe(false);
    expect(safeEqual('', 'x'.repeat(1000))).toBe(false);
    expect(calls).toEqual([
      [32, 32],
      [32, 32],
    ]);
  });

  test('equal strings are equal, and one differing character is enough to differ', () => {
    expect(safeEqual('same-secret-value', 'same-secret-value')).toBe(true);
    expect(safeEqual('same-secret-value', 'same-secret-valuf')).toBe(false);
    expect(safeEqual('é', 'é')).toBe(true);
    expect(calls).toHaveLength(3);
  });
});

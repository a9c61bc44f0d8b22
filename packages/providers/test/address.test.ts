import { parseTwilioAddress, toE164 } from '../src/address.ts';
import { withoutNul, NUL_REPLACEMENT } from '../src/registry.ts';

describe('phone numbers to E.164', () => {
  it('gives the same answer the first time and every time after (answers are remembered by input and country)', () => {
    for (let round = 0; round < 3; round += 1) {
      expect(toE164('+33 6 12 34 56 78')).toBe('+33612345678');
      expect(toE164('06 12 34 56 78', 'FR')).toBe('+33612345678');
      // The same digits under another default country are another number.
      expect(toE164('06 12 34 56 78', 'GB')).toBe('+44612345678');
      expect(toE164('07911 123456', 'GB')).toBe('+447911123456');
      expect(toE164('06 12 34 56 78')).toBe('06 12 34 56 78');
      expect(toE164('ACME')).toBe('ACME');
      expect(parseTwilioAddress('whatsapp:+447911123456')).toEqual({ channel: 'whatsapp', address: '+447911123456' });
    }
  });

  it('stays right past the size of its memory', () => {
    for (let i = 0; i < 25_000; i += 1) {
      const n = String(600000000 + i);
      expect(toE164(`+33${n}`)).toBe(`+33${n}`);
    }
    expect(toE164('06 12 34 56 78', 'FR')).toBe('+33612345678');
  });
});

describe('withoutNul', () => {
  it('returns an event without NUL as it is, and replaces NUL anywhere in one that has some', () => {
    const clean = { a: 'x', b: ['y', { c: 'z' }], d: null, e: 3 };
    expect(withoutNul(clean)).toBe(clean);
    const dirty = { a: 'x', b: ['y', { 'c\u0000': 'z\u0000z' }], d: null };
    expect(withoutNul(dirty)).toEqual({ a: 'x', b: ['y', { [`c${NUL_REPLACEMENT}`]: `z${NUL_REPLACEMENT}z` }], d: null });
    expect(dirty.b[1]).toEqual({ 'c\u0000': 'z\u0000z' });
  });
});

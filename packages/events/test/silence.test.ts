import { expectedSince, localTime, silenceVerdict, type ExpectedActivity } from '../src/silence.ts';

/** Weekdays 09:00–18:00 in Paris, 30 minutes of quiet is a silence. */
const office: ExpectedActivity = { silenceMinutes: 30, days: [1, 2, 3, 4, 5], startTime: '09:00', endTime: '18:00', timeZone: 'Europe/Paris' };
// Monday 30 November 2026: Paris is UTC+1.
const monday = (hhmm: string) => new Date(`2026-11-30T${hhmm}:00+01:00`);
const active = { state: 'active' as const, silentLastEventAt: null };

describe('silence rules', () => {
  test('local time and the start of the expected hours follow the time zone', () => {
    expect(localTime(new Date('2026-11-30T08:15:30Z'), 'Europe/Paris')).toEqual({ weekday: 1, minutes: 9 * 60 + 15, ms: 30_000 });
    expect(expectedSince(monday('09:15'), office)).toEqual(monday('09:00'));
    expect(expectedSince(monday('08:59'), office)).toBeUndefined();
    expect(expectedSince(monday('18:00'), office)).toBeUndefined();
    // Saturday is not expected; the same instant is Sunday evening in Tokyo.
    expect(expectedSince(new Date('2026-12-05T10:00:00+01:00'), office)).toBeUndefined();
    expect(localTime(new Date('2026-11-29T23:30:00Z'), 'Asia/Tokyo').weekday).toBe(1);
  });

  test('quiet is counted from the later of the last event and the start of the hours: the night does not count', () => {
    const lastEvening = new Date('2026-11-27T17:50:00+01:00');
    expect(silenceVerdict(office, active, lastEvening, monday('09:29'))).toEqual({ change: 'none' });
    expect(silenceVerdict(office, active, lastEvening, monday('09:30'))).toEqual({ change: 'silent', quietSince: monday('09:00') });
    expect(silenceVerdict(office, active, monday('10:00'), monday('10:29'))).toEqual({ change: 'none' });
    expect(silenceVerdict(office, active, monday('10:00'), monday('10:31'))).toEqual({ change: 'silent', quietSince: monday('10:00') });
    expect(silenceVerdict(office, active, null, monday('12:00'))).toEqual({ change: 'silent', quietSince: monday('09:00') });
    // Outside the hours nothing is announced, however long the quiet.
    expect(silenceVerdict(office, active, lastEvening, monday('20:00'))).toEqual({ change: 'none' });
  });

  test('a silent source recovers on any newer event, at any hour, and only then', () => {
    const silent = { state: 'silent' as const, silentLastEventAt: monday('10:00') };
    expect(silenceVerdict(office, silent, monday('10:00'), monday('23:00'))).toEqual({ change: 'none' });
    expect(silenceVerdict(office, silent, monday('22:00'), monday('23:00'))).toEqual({ change: 'recovered' });
    expect(silenceVerdict(office, { state: 'silent', silentLastEventAt: null }, monday('22:00'), monday('23:00'))).toEqual({ change: 'recovered' });
    expect(silenceVerdict(office, { state: 'silent', silentLastEventAt: null }, null, monday('23:00'))).toEqual({ change: 'none' });
  });
});

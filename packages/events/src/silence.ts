/**
 * Silence alerts: the pure rules. A source is expected to send during given hours of given days
 * in a time zone; N minutes of those hours without an event is a silence, announced once
 * (`source.silent`); the first event after it is the recovery (`source.recovered`), announced once.
 */

/** The built-in sources besides the generic ones (which are known by their id). */
export const BUILTIN_SOURCES = ['twilio', 'mailgun', 'whatsapp-bridge', 'vonage', 'meta'] as const;
export type BuiltinSource = (typeof BUILTIN_SOURCES)[number];

/** The raw-event providers whose traffic counts as a built-in source's activity. */
export const SOURCE_PROVIDERS: Record<BuiltinSource, readonly string[]> = {
  twilio: ['twilio-messaging', 'twilio-status', 'twilio-voice'],
  mailgun: ['mailgun'],
  'whatsapp-bridge': ['whatsapp-bridge'],
  vonage: ['vonage-inbound', 'vonage-status'],
  meta: ['meta-whatsapp'],
};

export type ExpectedActivity = {
  silenceMinutes: number;
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: readonly number[];
  /** "HH:MM"; end may be "24:00". */
  startTime: string;
  endTime: string;
  timeZone: string;
};

export type SilenceState = {
  state: 'active' | 'silent';
  /** The last event seen when it went silent. */
  silentLastEventAt: Date | null;
};

export type SilenceVerdict =
  | { change: 'none' }
  | { change: 'silent'; quietSince: Date }
  | { change: 'recovered' };

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** "HH:MM" → minutes since midnight; undefined when malformed. */
export function minutesOf(time: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(time);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The local weekday (1–7) and time of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { weekday: number; minutes: number; ms: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  const minutes = Number(get('hour')) * 60 + Number(get('minute'));
  return { weekday: WEEKDAYS[get('weekday')] ?? 0, minutes, ms: Number(get('second')) * 1_000 + at.getUTCMilliseconds() };
}

/**
 * When the expected hours that contain `now` began, or undefined when `now` is outside them.
 * Computed back from the local time, so a DST change during the hours shifts the start by the
 * change (an hour, once a year): the silence is then found an hour early or late that day.
 */
export function expectedSince(now: Date, expected: ExpectedActivity): Date | undefined {
  const start = minutesOf(expected.startTime);
  const end = minutesOf(expected.endTime);
  if (start === undefined || end === undefined || end <= start) return undefined;
  const local = localTime(now, expected.timeZone);
  if (!expected.days.includes(local.weekday) || local.minutes < start || local.minutes >= end) return undefined;
  return new Date(now.getTime() - ((local.minutes - start) * 60_000 + local.ms));
}

/**
 * What the state of a source becomes at `now`, given its last event. Silent: inside the expected
 * hours, and no event for `silenceMinutes` counted from the later of the last event and the
 * start of today's hours (the night does not count). Recovered: any event newer than the one
 * seen when it went silent, at any hour.
 */
export function silenceVerdict(expected: ExpectedActivity, current: SilenceState, lastEventAt: Date | null, now: Date): SilenceVerdict {
  if (current.state === 'silent') {
    const recovered = lastEventAt !== null && (current.silentLastEventAt === null || lastEventAt.getTime() > current.silentLastEventAt.getTime());
    return recovered ? { change: 'recovered' } : { change: 'none' };
  }
  const since = expectedSince(now, expected);
  if (!since) return { change: 'none' };
  const quietSince = lastEventAt && lastEventAt.getTime() > since.getTime() ? lastEventAt : since;
  return now.getTime() - quietSince.getTime() >= expected.silenceMinutes * 60_000 ? { change: 'silent', quietSince } : { change: 'none' };
}

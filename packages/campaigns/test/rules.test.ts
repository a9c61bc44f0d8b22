import {
  alertDue,
  alertFailureRate,
  campaignRates,
  checkRecipient,
  classifySendAnswer,
  escapeHtml,
  fillTemplate,
  isRetryableFailure,
  resendDelayMs,
  retryAfterMs,
  templateVariables,
  transportRetryDelayMs,
} from '../src/index.ts';

describe('recipients', () => {
  test.each([
    ['+33612345678', '+33612345678'],
    [' whatsapp:+33612345678 ', '+33612345678'],
    ['+14155552671', '+14155552671'],
  ])('%s is accepted as %s', (input, address) => {
    expect(checkRecipient(input)).toEqual({ ok: true, recipient: { address, variables: {} } });
  });

  test.each([
    ['0612345678', /E\.164/],
    ['+331', /E\.164/],
    ['+33012345678', /not a valid phone number/],
    [42, /E\.164 string or an object/],
    [null, /E\.164 string or an object/],
    [{ firstName: 'Ana' }, /"address" must be a string/],
    [{ address: '+33612345678', 'first-name': 'Ana' }, /variable name/],
    [{ address: '+33612345678', nested: { a: 1 } }, /must be a string, number or boolean/],
  ])('%j is refused (%s)', (input, reason) => {
    const check = checkRecipient(input);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  test('an object keeps its variables as text', () => {
    expect(checkRecipient({ address: '+33612345678', firstName: 'Ana', visits: 3, vip: true })).toEqual({
      ok: true,
      recipient: { address: '+33612345678', variables: { firstName: 'Ana', visits: '3', vip: 'true' } },
    });
  });
});

describe('email recipients', () => {
  test('an address is kept lower-cased with its variables; a malformed one is refused with a reason', () => {
    expect(checkRecipient({ address: ' Ana.Lopez@Example.ORG ', firstName: 'Ana' })).toEqual({ ok: true, recipient: { address: 'ana.lopez@example.org', variables: { firstName: 'Ana' } } });
    for (const bad of ['ana@', '@example.org', 'ana lopez@example.org', 'ana@example', 'Ana <ana@example.org>', 'ana@exa_mple.org']) {
      expect(checkRecipient(bad)).toEqual({ ok: false, reason: expect.stringContaining('is not an email address') });
    }
  });

  test('HTML escaping for the HTML part: a variable cannot inject markup', () => {
    expect(fillTemplate('<p>{{name}}</p>', { address: 'a@b.fr', variables: { name: `<img src=x onerror="alert('1')"> & co` } }, escapeHtml)).toBe(
      '<p>&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co</p>',
    );
  });
});

describe('templates', () => {
  test('variables are filled from the recipient, spaces inside braces allowed, a missing one is empty', () => {
    const r = { address: '+33612345678', variables: { firstName: 'Ana' } };
    expect(fillTemplate('Bonjour {{firstName}}, {{ firstName }}! {{lastName}}.', r)).toBe('Bonjour Ana, Ana! .');
    expect(fillTemplate('Votre numéro: {{address}}', r)).toBe('Votre numéro: +33612345678');
    expect(fillTemplate('{ {firstName} } {{1bad}}', r)).toBe('{ {firstName} } {{1bad}}');
  });

  test('the variables a template uses, once each', () => {
    expect(templateVariables('{{a}} {{ b }} {{a}}')).toEqual(['a', 'b']);
  });
});

describe('failures', () => {
  test.each([
    ['failed', null, true],
    ['failed', 30008, true],
    ['failed', 30001, true],
    ['failed', 21211, false],
    ['failed', 21610, false],
    ['failed', 63016, false],
    ['undelivered', 30003, true],
    ['undelivered', 30017, true],
    ['undelivered', 30005, false],
    ['undelivered', 30007, false],
    ['undelivered', null, false],
    ['delivered', null, false],
  ])('%s with %s is retryable: %s', (status, code, expected) => {
    expect(isRetryableFailure(status, code)).toBe(expected);
  });

  test.each([
    ['failed', 1000, true],
    ['undelivered', 1000, true],
    ['failed', 1320, false],
    ['failed', null, false],
    ['undelivered', 30003, false],
    ['delivered', null, false],
  ] as const)('a Vonage message that ended %s with code %s is resent: %s (Twilio codes mean nothing there)', (status, code, expected) => {
    expect(isRetryableFailure(status, code, 'vonage')).toBe(expected);
  });

  test.each([
    [201, 'created'],
    [429, 'throttled'],
    [400, 'refused'],
    [404, 'refused'],
    [500, 'ambiguous'],
    [503, 'ambiguous'],
    [undefined, 'ambiguous'],
  ])('an answer %s is %s', (status, kind) => {
    expect(classifySendAnswer(status)).toBe(kind);
  });

  test('Retry-After in seconds or as a date, capped, absent or unreadable is undefined', () => {
    const now = Date.UTC(2026, 10, 29, 12, 0, 0);
    expect(retryAfterMs('2', now)).toBe(2_000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs(new Date(now + 3_000).toUTCString(), now)).toBe(3_000);
    expect(retryAfterMs('86400', now)).toBe(600_000);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('schedules', () => {
  test('resends grow four times from RETRY_BASE_MS', () => {
    expect([1, 2, 3].map((n) => resendDelayMs(5_000, n))).toEqual([5_000, 20_000, 80_000]);
  });

  test('transport retries use Retry-After, else double from a second up to a minute', () => {
    expect(transportRetryDelayMs(3, 7_000)).toBe(7_000);
    expect([1, 2, 3, 8].map((n) => transportRetryDelayMs(n, undefined))).toEqual([1_000, 2_000, 4_000, 60_000]);
  });
});

describe('rates and alert', () => {
  const counts = { queued: 0, sent: 0, delivered: 50, read: 20, failed: 10, undelivered: 10, skipped: 5, canceled: 5 };

  test('rates are fractions of the total', () => {
    expect(campaignRates(counts, 100)).toEqual({ deliveryRate: 0.7, failureRate: 0.2 });
    expect(campaignRates(counts, 0)).toEqual({ deliveryRate: 0, failureRate: 0 });
  });

  test('no alert before 20 decided messages, whatever the rate', () => {
    expect(alertFailureRate({ delivered: 0, read: 0, failed: 19, undelivered: 0 })).toBeUndefined();
    expect(alertDue({ delivered: 0, read: 0, failed: 19, undelivered: 0 }, 0.2)).toBe(false);
  });

  test('the alert looks at failures among decided messages and fires at the threshold', () => {
    expect(alertDue({ delivered: 16, read: 0, failed: 3, undelivered: 1 }, 0.2)).toBe(true);
    expect(alertDue({ delivered: 17, read: 0, failed: 3, undelivered: 0 }, 0.2)).toBe(false);
    expect(alertFailureRate({ delivered: 10, read: 5, failed: 3, undelivered: 2 })).toBe(0.25);
  });
});

import {
  CAMPAIGN_MESSAGE_STATUSES,
  MESSAGE_STATUSES,
  OUTBOUND_EVENT_TYPES,
  SETTLED_STATUSES,
  campaignCompletedEvent,
  campaignStatusOf,
  consentActionOf,
  contactKind,
  counterDeltas,
  decidedBy,
  leadStatusFor,
  newMessageEvents,
  outboundEvent,
  requestsCallback,
  statusAdvances,
} from '../src/index.ts';

describe('the status lifecycle', () => {
  test.each([
    ['queued', 'sent', true], ['sent', 'sending', false], ['sent', 'delivered', true], ['delivered', 'sent', false], ['delivered', 'read', true],
    ['sent', 'failed', true], ['failed', 'delivered', false], ['undelivered', 'failed', false], ['delivered', 'undelivered', false],
    ['read', 'failed', false], ['queued', 'accepted', false], ['queued', 'canceled', true], ['skipped', 'delivered', false], ['sent', 'sent', false],
    ['sent', 'received', false], ['sent', 'no-such-status', false], ['no-such-status', 'sent', true], ['toString', 'sent', true], ['sent', 'constructor', false],
  ])('from %s, %s moves forward: %s', (from, to, expected) => {
    expect(statusAdvances(from, to)).toBe(expected);
  });

  test('every provider status either maps to a campaign status or never applies, and canceled counts as failed', () => {
    const mapped = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, campaignStatusOf(s)]));
    expect(mapped).toEqual({
      accepted: null, scheduled: null, queued: 'queued', sending: 'sending', sent: 'sent', receiving: null, received: null,
      delivered: 'delivered', read: 'read', failed: 'failed', undelivered: 'undelivered', canceled: 'failed',
    });
    for (const s of Object.values(mapped)) if (s !== null) expect(CAMPAIGN_MESSAGE_STATUSES).toContain(s);
  });

  test('no provider status moves a settled message, except read after delivered', () => {
    for (const settled of SETTLED_STATUSES) {
      const moves = MESSAGE_STATUSES.filter((next) => statusAdvances(settled, next));
      expect([settled, moves]).toEqual([settled, settled === 'delivered' ? ['read'] : []]);
    }
  });
});

describe('campaign counters', () => {
  test('a move takes one from the old status and gives one to the new; uncounted statuses are left out', () => {
    const deltas = counterDeltas([
      { campaignId: 'a', from: 'queued', to: 'sent' },
      { campaignId: 'a', from: 'sent', to: 'delivered' },
      { campaignId: 'b', from: 'accepted', to: 'failed' },
      { campaignId: 'c', from: 'sent', to: 'sent' },
    ]);
    expect([...deltas.keys()]).toEqual(['a', 'b']);
    expect(deltas.get('a')).toEqual({ queued: -1, sending: 0, sent: 0, delivered: 1, read: 0, failed: 0, undelivered: 0, skipped: 0, canceled: 0 });
    expect(deltas.get('b')).toEqual({ queued: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 1, undelivered: 0, skipped: 0, canceled: 0 });
  });
});

describe('what an intent does to its contact', () => {
  test.each([
    ['interested', 'interested', null, false],
    ['not_interested', 'not_interested', null, false],
    ['callback_request', 'callback_requested', null, true],
    ['question', 'engaged', null, false],
    ['info_request', 'engaged', null, false],
    ['opt_out', 'opted_out', 'opt_out', false],
    ['opt_in', null, 'opt_in', false],
    ['greeting', null, null, false],
    ['constructor', null, null, false],
  ])('%s: lead %s, consent %s, callback %s', (label, lead, consent, callback) => {
    expect([leadStatusFor(label), consentActionOf(label), requestsCallback(label)]).toEqual([lead, consent, callback]);
  });

  test('a keyword decision names the keyword, upper-cased and without punctuation; another classifier names itself', () => {
    expect(decidedBy('keyword', '  stop!! ')).toBe('keyword:STOP');
    expect(decidedBy('llm', 'stop')).toBe('llm');
  });

  test.each([['email', 'email'], ['whatsapp-group', 'bridge'], ['sms', 'phone'], ['whatsapp', 'phone']])('a sender on %s is a %s contact', (source, kind) => {
    expect(contactKind(source)).toBe(kind);
  });
});

describe('outbound events', () => {
  test('an event is keyed by its type and what identifies the change', () => {
    expect(outboundEvent('message.status', ['SM1', 'delivered'], { x: 1 })).toEqual({ eventKey: 'message.status:SM1:delivered', type: 'message.status', data: { x: 1 } });
  });

  test('a new message emits received and interpreted, both keyed by its id, both in the catalog', () => {
    const events = newMessageEvents('m1', { id: 'm1' });
    expect(events.map((e) => e.eventKey)).toEqual(['message.received:m1', 'message.interpreted:m1']);
    for (const e of events) expect(OUTBOUND_EVENT_TYPES).toContain(e.type);
  });

  test('a completed campaign reports its rates over its total (zero for an empty campaign)', () => {
    const counts = { queued: 0, sent: 0, delivered: 6, read: 2, failed: 1, undelivered: 1, skipped: 0, canceled: 0 };
    const completedAt = new Date('2026-11-29T12:00:00Z');
    const event = campaignCompletedEvent({ id: 'c', name: 'n', channel: 'sms', total: 10, completedAt, ...counts });
    expect(event.eventKey).toBe('campaign.completed:c');
    expect(event.data).toMatchObject({ total: 10, counts, deliveryRate: 0.8, failureRate: 0.2, completedAt: '2026-11-29T12:00:00.000Z' });
    expect(campaignCompletedEvent({ id: 'e', name: 'n', channel: 'sms', total: 0, completedAt, ...counts, delivered: 0, read: 0, failed: 0, undelivered: 0 }).data)
      .toMatchObject({ deliveryRate: 0, failureRate: 0 });
  });
});

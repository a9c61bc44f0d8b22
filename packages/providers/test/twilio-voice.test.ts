import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import type { RawEventPayload } from '@switchboard/events';
import { callStepSchema, recordingSchema } from '@switchboard/events';
import { DEFAULT_IVR_MENU, loadIvrMenu, normalizeEvent, normalizeTwilioVoice, twilioVoice, type IngestRequest, type IvrMenu, type VoiceFields } from '@switchboard/providers';
import { formBody, twilioGather, twilioIncomingCall, twilioRecordingStatus } from './fixtures/twilio.ts';
import { parseXml } from './fixtures/xml.ts';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };
const token = 'f00dbabef00dbabef00dbabef00dbabe';
const origin = 'https://hooks.example.com';
const say = { language: 'fr-FR', voice: 'Polly.Lea' } as const;

function request(route: string, params: Record<string, string>, headers: Record<string, string> = {}, base = origin): IngestRequest {
  const url = base + route;
  return {
    url,
    path: route,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(token, url, params), ...headers },
    body: Buffer.from(formBody(params)),
    remoteIp: '127.0.0.1',
    now: new Date('2026-11-23T10:00:00.000Z'),
  };
}

function rawEvent(route: string, params: Record<string, string>): RawEventPayload {
  return {
    provider: 'twilio-voice',
    dedupKey: 'k',
    route,
    url: origin + route,
    receivedAt: '2026-11-23T10:00:00.000Z',
    contentType: 'application/x-www-form-urlencoded',
    headers: {},
    body: formBody(params),
    bodyEncoding: 'utf8',
  };
}

/** The expected menu TwiML, built with Twilio's own library. */
function expectedMenu(base: string, menu: IvrMenu = DEFAULT_IVR_MENU, before?: string): string {
  const response = new VoiceResponse();
  if (before) response.say(say, before);
  response.gather({ numDigits: 1, action: `${base}/menu`, method: 'POST' }).say(say, menu.greeting);
  response.redirect({ method: 'POST' }, base);
  return response.toString();
}

const voice = '/webhooks/twilio/voice';
const secrets = { authToken: token };

describe('Twilio voice: accept', () => {
  const provider = twilioVoice({ operatorPhone: '+33100000000' });

  test('an incoming call is accepted with CallSid.CallStatus as its dedup key', () => {
    expect(provider.accept(request(voice, twilioIncomingCall), secrets)).toEqual({ ok: true, dedupKey: `${twilioIncomingCall.CallSid}.ringing`, fields: { route: 'call' }, bodyContentType: 'application/x-www-form-urlencoded' });
  });

  test('a menu choice is keyed CallSid.menu.Digits: the same key again is a duplicate, another key is not', () => {
    const one = provider.accept(request(`${voice}/menu`, twilioGather('1')), secrets);
    expect(one).toEqual({ ok: true, dedupKey: `${twilioIncomingCall.CallSid}.menu.1`, fields: { route: 'menu', digits: '1' }, bodyContentType: 'application/x-www-form-urlencoded' });
    expect(provider.accept(request(`${voice}/menu`, twilioGather('2')), secrets)).toMatchObject({ dedupKey: `${twilioIncomingCall.CallSid}.menu.2` });
  });

  test('a recording callback is keyed RecordingSid.RecordingStatus', () => {
    expect(provider.accept(request(`${voice}/recording`, twilioRecordingStatus), secrets)).toEqual({
      ok: true,
      dedupKey: `${twilioRecordingStatus.RecordingSid}.completed`,
      fields: { route: 'recording' },
      bodyContentType: 'application/x-www-form-urlencoded',
    });
  });

  test("Twilio's idempotency token (unsigned) changes no route's dedup key", () => {
    for (const [route, params] of [[voice, twilioIncomingCall], [`${voice}/menu`, twilioGather('1')], [`${voice}/recording`, twilioRecordingStatus]] as const) {
      const plain = provider.accept(request(route, params), secrets);
      const tokened = provider.accept(request(route, params, { 'i-twilio-idempotency-token': 'tok-9' }), secrets);
      expect(plain.ok && tokened.ok && tokened.dedupKey === plain.dedupKey).toBe(true);
    }
  });

  test('each route names its own missing fields', () => {
    const { CallStatus: _s, From: _f, ...call } = twilioIncomingCall;
    expect(provider.accept(request(voice, call), secrets)).toMatchObject({ ok: false, reason: 'invalid', fields: ['From', 'CallStatus'] });
    const { Digits: _d, ...gather } = twilioGather('1');
    expect(provider.accept(request(`${voice}/menu`, gather), secrets)).toMatchObject({ ok: false, reason: 'invalid', fields: ['Digits'] });
    const { RecordingUrl: _u, RecordingStatus: _rs, ...recording } = twilioRecordingStatus;
    expect(provider.accept(request(`${voice}/recording`, recording), secrets)).toMatchObject({ ok: false, reason: 'invalid', fields: ['RecordingUrl', 'RecordingStatus'] });
  });

  test('a bad signature is forbidden on every route', () => {
    for (const [route, params] of [[voice, twilioIncomingCall], [`${voice}/menu`, twilioGather('0')], [`${voice}/recording`, twilioRecordingStatus]] as const) {
      const req = request(route, params);
      req.headers['x-twilio-signature'] = getExpectedTwilioSignature('another-token', req.url, params);
      expect(provider.accept(req, secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
    }
  });

  test('the <Record> action (RecordingUrl, no Digits) on the menu route is accepted once per call', () => {
    const { Digits: _d, ...rest } = twilioGather('2');
    const recorded = { ...rest, RecordingUrl: twilioRecordingStatus.RecordingUrl, RecordingDuration: '37' };
    expect(provider.accept(request(`${voice}/menu`, recorded), secrets)).toEqual({ ok: true, dedupKey: `${twilioIncomingCall.CallSid}.recorded`, fields: { route: 'menu', recorded: true }, bodyContentType: 'application/x-www-form-urlencoded' });
  });
});

describe('Twilio voice: TwiML', () => {
  const provider = twilioVoice({ operatorPhone: '+33100000000' });
  const reply = (fields: VoiceFields, route = voice, base = origin) => {
    const answer = provider.reply(fields, request(route, {}, {}, base));
    expect(answer.contentType).toBe('text/xml; charset=utf-8');
    return answer.body;
  };

  test('an incoming call gets the menu: a one-digit Gather to the menu route, then a Redirect back', () => {
    const body = reply({ route: 'call' });
    expect(parseXml(body)).toEqual(parseXml(expectedMenu(voice)));
    expect(body).toContain('Bonjour et bienvenue');
  });

  test('action URLs are relative paths that keep a PUBLIC_URL path prefix', () => {
    expect(parseXml(reply({ route: 'call' }, voice, 'https://example.org/switchboard'))).toEqual(parseXml(expectedMenu(`/switchboard${voice}`)));
    expect(parseXml(reply({ route: 'menu', digits: '9' }, `${voice}/menu`, 'https://example.org/switchboard'))).toEqual(
      parseXml(expectedMenu(`/switchboard${voice}`, DEFAULT_IVR_MENU, DEFAULT_IVR_MENU.invalidChoice)),
    );
  });

  test('key 1 says the information', () => {
    const expected = new VoiceResponse();
    expected.say(say, DEFAULT_IVR_MENU.information);
    expected.hangup();
    expect(parseXml(reply({ route: 'menu', digits: '1' }, `${voice}/menu`))).toEqual(parseXml(expected.toString()));
  });

  test('key 2 prompts, then records up to 120 s with a beep and a recording status callback', () => {
    const expected = new VoiceResponse();
    expected.say(say, DEFAULT_IVR_MENU.voicemailPrompt);
    expected.record({
      maxLength: 120,
      playBeep: true,
      action: `${voice}/menu`,
      method: 'POST',
      recordingStatusCallback: `${voice}/recording`,
      recordingStatusCallbackMethod: 'POST',
    });
    expect(parseXml(reply({ route: 'menu', digits: '2' }, `${voice}/menu`))).toEqual(parseXml(expected.toString()));
  });

  test('key 0 dials the operator', () => {
    const expected = new VoiceResponse();
    expected.say(say, DEFAULT_IVR_MENU.operatorTransfer);
    expected.dial('+33100000000');
    expect(parseXml(reply({ route: 'menu', digits: '0' }, `${voice}/menu`))).toEqual(parseXml(expected.toString()));
  });

  test('key 0 without an operator says so and repeats the menu', () => {
    const body = twilioVoice().reply({ route: 'menu', digits: '0' }, request(`${voice}/menu`, {})).body;
    expect(parseXml(body)).toEqual(parseXml(expectedMenu(voice, DEFAULT_IVR_MENU, DEFAULT_IVR_MENU.operatorUnavailable)));
  });

  test('any other key repeats the menu', () => {
    for (const digits of ['3', '9', '*', '#']) {
      expect(parseXml(reply({ route: 'menu', digits }, `${voice}/menu`))).toEqual(parseXml(expectedMenu(voice, DEFAULT_IVR_MENU, DEFAULT_IVR_MENU.invalidChoice)));
    }
  });

  test('the end of a voicemail thanks and hangs up; a recording callback gets empty TwiML', () => {
    const thanks = new VoiceResponse();
    thanks.say(say, DEFAULT_IVR_MENU.voicemailThanks);
    thanks.hangup();
    expect(parseXml(reply({ route: 'menu', recorded: true }, `${voice}/menu`))).toEqual(parseXml(thanks.toString()));
    expect(reply({ route: 'recording' }, `${voice}/recording`)).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });

  test('menu text, language, voice and the operator number are XML-escaped', () => {
    const menu: IvrMenu = { ...DEFAULT_IVR_MENU, greeting: `Tom & Jerry's <shop> "best"` };
    const custom = twilioVoice({ menu, language: 'en-GB', voice: 'Polly."Amy"', operatorPhone: '+44 20 <7946> 0000' });
    const body = custom.reply({ route: 'call' }, request(voice, {})).body;
    const tree = parseXml(body);
    const gather = tree.children[0] as ReturnType<typeof parseXml>;
    const sayNode = gather.children[0] as ReturnType<typeof parseXml>;
    expect(sayNode).toEqual({ name: 'Say', attrs: { language: 'en-GB', voice: 'Polly."Amy"' }, children: [`Tom & Jerry's <shop> "best"`] });
    expect(parseXml(custom.reply({ route: 'menu', digits: '0' }, request(`${voice}/menu`, {})).body).children[1]).toEqual({ name: 'Dial', attrs: {}, children: ['+44 20 <7946> 0000'] });
  });
});

describe('Twilio voice: the XML check used here', () => {
  test('refuses malformed documents, so a TwiML comparison can fail', () => {
    expect(() => parseXml('<Response><Say>Fish & chips</Say></Response>')).toThrow(/bare &/);
    expect(() => parseXml('<Response><Say>a</Gather></Response>')).toThrow(/closes <Say>/);
    expect(() => parseXml('<Response a="1" a="2"/>')).toThrow(/duplicate attribute/);
    expect(() => parseXml('<Response/><Response/>')).toThrow(/after the root/);
    expect(parseXml('<Response><Say>x</Say></Response>')).not.toEqual(parseXml('<Response><Say>y</Say></Response>'));
  });
});

describe('Twilio voice: IVR menu file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ivr-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  test('no file: the default French menu', () => {
    expect(loadIvrMenu()).toBe(DEFAULT_IVR_MENU);
    expect(DEFAULT_IVR_MENU.greeting).toMatch(/^Bonjour et bienvenue.*tapez 1.*laisser un message, tapez 2.*conseiller, tapez 0/);
  });

  test('a file gives any subset of the sentences; the rest keep their defaults', () => {
    const menu = loadIvrMenu(write('partial.json', JSON.stringify({ greeting: 'Welcome. Press 1, 2 or 0.', information: 'Open 9 to 5.' })));
    expect(menu).toEqual({ ...DEFAULT_IVR_MENU, greeting: 'Welcome. Press 1, 2 or 0.', information: 'Open 9 to 5.' });
  });

  test('an unknown key, an empty sentence or invalid JSON is refused with the file name', () => {
    expect(() => loadIvrMenu(write('typo.json', JSON.stringify({ greting: 'x' })))).toThrow(/IVR_FILE .*typo\.json: .*greting/);
    expect(() => loadIvrMenu(write('empty.json', JSON.stringify({ greeting: '  ' })))).toThrow(/IVR_FILE .*empty\.json: greeting/);
    expect(() => loadIvrMenu(write('bad.json', '{ greeting'))).toThrow(/IVR_FILE .*bad\.json/);
  });
});

describe('Twilio voice: normalize', () => {
  test('an incoming call is an incoming call step', () => {
    const step = normalizeTwilioVoice(rawEvent(voice, twilioIncomingCall));
    expect(callStepSchema.parse(step)).toEqual(step);
    expect(step).toEqual({
      kind: 'call',
      callSid: twilioIncomingCall.CallSid,
      from: '+33612345678',
      to: '+33757000000',
      step: 'incoming',
      status: 'ringing',
      digits: null,
      choice: null,
      receivedAt: '2026-11-23T10:00:00.000Z',
    });
    expect(normalizeEvent(rawEvent(voice, twilioIncomingCall))).toEqual(step);
  });

  test('each key is a menu step with its meaning', () => {
    const choice = (digits: string) => normalizeTwilioVoice(rawEvent(`${voice}/menu`, twilioGather(digits)));
    expect(choice('1')).toMatchObject({ step: 'menu', digits: '1', choice: 'information', status: 'in-progress' });
    expect(choice('2')).toMatchObject({ step: 'menu', digits: '2', choice: 'voicemail' });
    expect(choice('0')).toMatchObject({ step: 'menu', digits: '0', choice: 'operator' });
    expect(choice('7')).toMatchObject({ step: 'menu', digits: '7', choice: 'repeat' });
  });

  test('a recording callback is a recording with its duration in seconds', () => {
    const recording = normalizeTwilioVoice(rawEvent(`${voice}/recording`, twilioRecordingStatus));
    expect(recordingSchema.parse(recording)).toEqual(recording);
    expect(recording).toEqual({
      kind: 'recording',
      callSid: twilioIncomingCall.CallSid,
      recordingSid: twilioRecordingStatus.RecordingSid,
      url: twilioRecordingStatus.RecordingUrl,
      durationSec: 37,
      status: 'completed',
      receivedAt: '2026-11-23T10:00:00.000Z',
    });
    const { RecordingDuration: _d, ...noDuration } = twilioRecordingStatus;
    expect(normalizeTwilioVoice(rawEvent(`${voice}/recording`, noDuration))).toMatchObject({ durationSec: null });
  });

  test('the end of a voicemail is a status step', () => {
    const { Digits: _d, ...rest } = twilioGather('2');
    expect(normalizeTwilioVoice(rawEvent(`${voice}/menu`, { ...rest, RecordingUrl: twilioRecordingStatus.RecordingUrl }))).toMatchObject({
      step: 'status',
      status: 'voicemail-recorded',
      choice: 'voicemail',
    });
  });
});

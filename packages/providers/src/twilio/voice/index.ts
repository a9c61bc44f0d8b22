import type { CallStepEvent, RawEventPayload, RecordingEvent } from '@switchboard/events';
import { parseTwilioAddress } from '../../address.ts';
import type { AcceptOutcome, IngestRequest, NormalizeContext, Provider, Reply } from '../../types.ts';
import { acceptTwilio, field, FORM, JSON_TYPE, twilioParams, type TwilioSecrets } from '../common.ts';
import { diagnoseTwilio } from '../diagnosis.ts';
import { missingFields } from '../form.ts';
import { twiml, TWIML_CONTENT_TYPE, xmlEscape } from '../twiml.ts';
import { DEFAULT_IVR_MENU, type IvrMenu } from './ivr-menu.ts';

export type VoiceOptions = {
  menu?: IvrMenu;
  /** OPERATOR_PHONE: where key 0 transfers; absent, key 0 says so and repeats the menu. */
  operatorPhone?: string;
  /** VOICE_LANGUAGE, default fr-FR. */
  language?: string;
  /** VOICE_NAME, default Polly.Lea. */
  voice?: string;
};

/** Which of the three voice routes a request came to. */
export type VoiceRoute = 'call' | 'menu' | 'recording';

export type VoiceFields =
  | { route: 'call' }
  | { route: 'menu'; digits: string }
  /** The `<Record>` action: Twilio posts here (the menu route) when the voicemail ends. */
  | { route: 'menu'; recorded: true }
  | { route: 'recording' };

export const REQUIRED_CALL_FIELDS = ['CallSid', 'From', 'To', 'CallStatus'] as const;
export const REQUIRED_MENU_FIELDS = ['CallSid', 'Digits'] as const;
export const REQUIRED_RECORDING_FIELDS = ['CallSid', 'RecordingSid', 'RecordingUrl', 'RecordingStatus'] as const;

/** What each key means (anything else repeats the menu). */
export const IVR_CHOICES: Record<string, 'information' | 'voicemail' | 'operator'> = { '1': 'information', '2': 'voicemail', '0': 'operator' };

/** The route, from the path's suffix: `…/voice`, `…/voice/menu`, `…/voice/recording`. */
export function voiceRoute(path: string): VoiceRoute {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed.endsWith('/menu')) return 'menu';
  if (trimmed.endsWith('/recording')) return 'recording';
  return 'call';
}

/**
 * The path of the incoming-call route as the caller (Twilio) sees it: taken from the signed URL,
 * so that a PUBLIC_URL with a path prefix is kept, minus the `/menu` or `/recording` suffix.
 * TwiML actions use it as a host-relative path, resolved by Twilio against the request URL.
 */
function voiceBasePath(request: IngestRequest): string {
  let pathname = request.path;
  try {
    pathname = new URL(request.url).pathname;
  } catch {
    // Not an absolute URL: the route path is the best there is.
  }
  const trimmed = pathname.replace(/\/+$/, '');
  const route = voiceRoute(trimmed);
  return route === 'call' ? trimmed : trimmed.slice(0, trimmed.lastIndexOf('/'));
}

/**
 * Twilio Voice: one provider for the incoming call (the IVR menu), the `<Gather>` action (the
 * caller's key) and the recording status callback, told apart by `request.path`.
 */
export function twilioVoice(options: VoiceOptions = {}): Provider<TwilioSecrets, VoiceFields> {
  const menu = options.menu ?? DEFAULT_IVR_MENU;
  const sayAttrs = `language="${xmlEscape(options.language ?? 'fr-FR')}" voice="${xmlEscape(options.voice ?? 'Polly.Lea')}"`;
  const say = (text: string) => `<Say ${sayAttrs}>${xmlEscape(text)}</Say>`;
  const menuVerbs = (base: string) =>
    `<Gather numDigits="1" action="${xmlEscape(`${base}/menu`)}" method="POST">${say(menu.greeting)}</Gather>` +
    // No key pressed: Gather falls through, and the menu starts again.
    `<Redirect method="POST">${xmlEscape(base)}</Redirect>`;

  const accept = (request: IngestRequest, secrets: TwilioSecrets | null): AcceptOutcome<VoiceFields> => {
    const route = voiceRoute(request.path);
    if (route === 'call') {
      const outcome = acceptTwilio(request, secrets, REQUIRED_CALL_FIELDS);
      if (!outcome.ok) return outcome;
      const p = outcome.params;
      return { ok: true, dedupKey: `${field(p, 'CallSid')}.${field(p, 'CallStatus')}`, fields: { route }, bodyContentType: outcome.bodyContentType };
    }
    if (route === 'recording') {
      const outcome = acceptTwilio(request, secrets, REQUIRED_RECORDING_FIELDS);
      if (!outcome.ok) return outcome;
      const p = outcome.params;
      return { ok: true, dedupKey: `${field(p, 'RecordingSid')}.${field(p, 'RecordingStatus')}`, fields: { route }, bodyContentType: outcome.bodyContentType };
    }
    // The menu route also receives the `<Record>` action (RecordingUrl, maybe no Digits).
    const outcome = acceptTwilio(request, secrets, ['CallSid']);
    if (!outcome.ok) return outcome;
    const callSid = field(outcome.params, 'CallSid')!;
    if (field(outcome.params, 'RecordingUrl') !== undefined) {
      return { ok: true, dedupKey: `${callSid}.recorded`, fields: { route, recorded: true }, bodyContentType: outcome.bodyContentType };
    }
    const missing = missingFields(outcome.params, REQUIRED_MENU_FIELDS);
    if (missing.length > 0) return { ok: false, reason: 'invalid', error: `missing required fields: ${missing.join(', ')}`, fields: missing };
    const digits = field(outcome.params, 'Digits')!;
    return { ok: true, dedupKey: `${callSid}.menu.${digits}`, fields: { route, digits }, bodyContentType: outcome.bodyContentType };
  };

  const reply = (fields: VoiceFields, request: IngestRequest): Reply => {
    const base = voiceBasePath(request);
    const answer = (inner: string): Reply => ({ contentType: TWIML_CONTENT_TYPE, body: twiml(inner) });
    if (fields.route === 'call') return answer(menuVerbs(base));
    if (fields.route === 'recording') return answer('');
    if ('recorded' in fields) return answer(`${say(menu.voicemailThanks)}<Hangup/>`);
    switch (IVR_CHOICES[fields.digits]) {
      case 'information':
        return answer(`${say(menu.information)}<Hangup/>`);
      case 'voicemail':
        return answer(
          say(menu.voicemailPrompt) +
            `<Record maxLength="120" playBeep="true" action="${xmlEscape(`${base}/menu`)}" method="POST" ` +
            `recordingStatusCallback="${xmlEscape(`${base}/recording`)}" recordingStatusCallbackMethod="POST"/>`,
        );
      case 'operator':
        return options.operatorPhone
          ? answer(`${say(menu.operatorTransfer)}<Dial>${xmlEscape(options.operatorPhone)}</Dial>`)
          : answer(say(menu.operatorUnavailable) + menuVerbs(base));
      default:
        return answer(say(menu.invalidChoice) + menuVerbs(base));
    }
  };

  return {
    id: 'twilio-voice',
    contentTypes: [FORM, JSON_TYPE],
    integration: 'voice',
    accept,
    acceptUnsigned: (request) => accept(request, null),
    diagnose: diagnoseTwilio,
    reply,
  };
}

function optionalInt(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isInteger(n) ? n : null;
}

/**
 * A voice event → a call step (incoming call, menu choice, voicemail recorded) or a recording.
 * The route it came to says which.
 */
export function normalizeTwilioVoice(event: RawEventPayload, context: NormalizeContext = {}): CallStepEvent | RecordingEvent {
  const p = twilioParams(event);
  const callSid = field(p, 'CallSid');
  if (!callSid) throw new Error('Twilio voice event without CallSid');
  const route = voiceRoute(event.route);
  if (route === 'recording') {
    return {
      kind: 'recording',
      callSid,
      recordingSid: field(p, 'RecordingSid') ?? '',
      url: field(p, 'RecordingUrl') ?? '',
      durationSec: optionalInt(field(p, 'RecordingDuration')),
      status: field(p, 'RecordingStatus') ?? '',
      receivedAt: event.receivedAt,
    };
  }
  const from = field(p, 'From');
  const to = field(p, 'To');
  const common = {
    kind: 'call' as const,
    callSid,
    from: from ? parseTwilioAddress(from, field(p, 'FromCountry') ?? context.defaultCountry).address : '',
    to: to ? parseTwilioAddress(to, field(p, 'ToCountry') ?? context.defaultCountry).address : null,
    receivedAt: event.receivedAt,
  };
  if (route === 'call') return { ...common, step: 'incoming', status: field(p, 'CallStatus') ?? '', digits: null, choice: null };
  if (field(p, 'RecordingUrl') !== undefined) {
    // The <Record> action: the voicemail ended (the recording itself arrives on its own route).
    return { ...common, step: 'status', status: 'voicemail-recorded', digits: field(p, 'Digits') ?? null, choice: 'voicemail' };
  }
  const digits = field(p, 'Digits') ?? '';
  return { ...common, step: 'menu', status: field(p, 'CallStatus') ?? 'in-progress', digits, choice: IVR_CHOICES[digits] ?? 'repeat' };
}

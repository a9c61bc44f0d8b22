/** What a reply to a campaign asks for. */
export type IntentLabel =
  | 'interested'
  | 'not_interested'
  | 'question'
  | 'callback_request'
  | 'opt_out'
  | 'opt_in'
  | 'info_request'
  | 'auto_reply'
  | 'unknown';

/** Every label, in a fixed order (the order of the model's outputs and of the eval table). */
export const INTENT_LABELS: readonly IntentLabel[] = Object.freeze([
  'interested',
  'not_interested',
  'question',
  'callback_request',
  'opt_out',
  'opt_in',
  'info_request',
  'auto_reply',
  'unknown',
] as const);

/** Channel an inbound reply came through. */
export type ReplyChannel = 'sms' | 'whatsapp' | 'email' | 'whatsapp-group';

/**
 * A classification: the label, a confidence in [0, 1], and which classifier decided ('keyword',
 * 'builtin-v2', 'opt-out-stage', 'llm:<model>'). `whenOptedOut` is the label that applies instead
 * when the sender is currently opted out: a lone YES is Twilio's opt-in keyword for an opted-out
 * contact and an answer to the offer otherwise (INTENTS.md rule 8). Whoever knows the contact's
 * state (the interpreter, when it persists) makes the choice.
 */
export type Intent = { label: IntentLabel; confidence: number; classifier: string; whenOptedOut?: IntentLabel };

/** One inbound reply. `subject` is only meaningful for email. */
export type ClassifyInput = { text: string; channel?: ReplyChannel; subject?: string };

/** Anything that can classify replies. */
export type Classifier = {
  name: string;
  classify(input: ClassifyInput): Promise<Intent>;
  classifyMany?(inputs: ClassifyInput[]): Promise<Intent[]>;
};

const LABEL_SET: ReadonlySet<string> = new Set(INTENT_LABELS);

/** Type guard: is `value` one of {@link INTENT_LABELS}? */
export function isIntentLabel(value: unknown): value is IntentLabel {
  return typeof value === 'string' && LABEL_SET.has(value);
}

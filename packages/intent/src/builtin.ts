import { cachingAnswers } from './answer-cache.ts';
import { createComplianceMatcher } from './compliance.ts';
import { TRAINING_DATA_PATH, loadDataset } from './dataset.ts';
import { trainModel } from './model.ts';
import { detectOptOut } from './opt-out.ts';
import type { LabeledExample, Model, TrainOptions } from './model.ts';
import type { Classifier, ClassifyInput, Intent } from './types.ts';

/** Name reported in `Intent.classifier` for free-text decisions of the built-in model. */
export const BUILTIN_CLASSIFIER_NAME = 'builtin-v2';
/** Name reported in `Intent.classifier` when the opt-out stage decided. */
export const OPT_OUT_STAGE_NAME = 'opt-out-stage';
/**
 * Confidence reported for a stage decision: the stage's opt_out precision measured by
 * cross-validation on the training data (the model's own probability is not about the stage's rule).
 */
const OPT_OUT_STAGE_CONFIDENCE = 0.95;
/**
 * Rule 7: double and soft negatives that accept ("je dis pas non", "pas contre", "no objection").
 * The model weighs the negation heavily; when it reads one of these as a refusal (or nothing) and
 * nothing takes the interest back, the answer is interested.
 */
const ACCEPTING_NEGATIVE = /\b((je )?(ne )?(dis|dit) pas non|(je suis |suis )?pas contre|pas de refus|se refuse pas|no objections?|not opposed|(would not|wouldn't|wouldnt) say no|(can't|cannot|cant) say no|why not|pourquoi pas|pas bete)\b/;
const TAKEN_BACK = /\b(finalement|changed my mind|change d'avis|on second thought|actually no|mais non|but no|plus maintenant|not anymore|no longer)\b/;
/** Below this probability the best label is not trusted and the answer is `unknown` (tuned by cross-validation). */
export const DEFAULT_UNKNOWN_THRESHOLD = 0.3;

/** Options of {@link createBuiltinClassifier}. */
export type BuiltinClassifierOptions = {
  /** Extra whole-message keywords that mean info_request (e.g. HORAIRES, CONTACT). */
  serviceKeywords?: string[];
  /** Train on these instead of the shipped dataset (used by the eval's cross-validation). */
  trainingData?: readonly LabeledExample[];
  train?: TrainOptions;
  /** Minimum probability to report a label other than `unknown`. */
  unknownThreshold?: number;
};

/** The built-in classifier: a {@link Classifier} that can also answer synchronously. */
export type BuiltinClassifier = Classifier & { classifySync(input: ClassifyInput): Intent };

let sharedModel: Model | undefined;

/** The model trained on the shipped dataset with default options, trained once per process. */
function defaultModel(): Model {
  sharedModel ??= trainModel(loadDataset(TRAINING_DATA_PATH));
  return sharedModel;
}

/**
 * Creates the built-in classifier: compliance keywords first, then the opt-out stage, then a
 * logistic regression trained in process on the shipped dataset (deterministic, no network, no
 * model file).
 */
export function createBuiltinClassifier(options: BuiltinClassifierOptions = {}): BuiltinClassifier {
  const compliance = createComplianceMatcher({ serviceKeywords: options.serviceKeywords ?? [] });
  const model = options.trainingData || options.train ? trainModel(options.trainingData ?? loadDataset(TRAINING_DATA_PATH), options.train) : defaultModel();
  const threshold = options.unknownThreshold ?? DEFAULT_UNKNOWN_THRESHOLD;
  const unknownIndex = model.labels.indexOf('unknown');
  const autoIndex = model.labels.indexOf('auto_reply');
  const optOutIndex = model.labels.indexOf('opt_out');
  const notInterestedIndex = model.labels.indexOf('not_interested');
  const interestedIndex = model.labels.indexOf('interested');

  const classifyOnce = (input: ClassifyInput): Intent => {
    const keyword = compliance(input.text);
    if (keyword) return keyword;
    if (!/[\p{L}\p{N}]/u.test(input.text)) {
      // Nothing but emoji or punctuation (👍 included): unknown (INTENTS.md rule 10).
      return { label: 'unknown', confidence: 1, classifier: BUILTIN_CLASSIFIER_NAME };
    }
    const p = model.predict(input);
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
    const top = p[best]!;
    const verdict = detectOptOut(input);
    if (verdict.flagged) {
      // Rule 9: an auto-responder's own "reply STOP" footer is still an auto-reply. Anything else
      // the stage flags is an opt-out (never opt_in): recall comes first.
      if (best === autoIndex && top >= 0.5) return { label: 'auto_reply', confidence: round(top), classifier: BUILTIN_CLASSIFIER_NAME };
      return { label: 'opt_out', confidence: Math.max(OPT_OUT_STAGE_CONFIDENCE, round(p[optOutIndex]!)), classifier: OPT_OUT_STAGE_NAME };
    }
    if ((best === notInterestedIndex || best === unknownIndex) && p[interestedIndex]! < top) {
      const plain = input.text.toLowerCase().normalize('NFD').replace(/\p{M}+/gu, '').replace(/[’‘]/g, "'");
      if (ACCEPTING_NEGATIVE.test(plain) && !TAKEN_BACK.test(plain)) return { label: 'interested', confidence: round(Math.max(p[interestedIndex]!, 0.6)), classifier: BUILTIN_CLASSIFIER_NAME };
    }
    if (verdict.cleared && best === optOutIndex) {
      // The stage saw why this stop is not an opt-out (rules 1, 3, 9): the model's next label.
      best = optOutIndex === 0 ? 1 : 0;
      for (let c = 0; c < p.length; c++) if (c !== optOutIndex && p[c]! > p[best]!) best = c;
      const mass = 1 - p[optOutIndex]!;
      return { label: model.labels[best]!, confidence: round(mass > 0 ? p[best]! / mass : 0), classifier: BUILTIN_CLASSIFIER_NAME };
    }
    if (best !== unknownIndex && top < threshold) {
      // Abstain: the confidence is the mass not on the rejected label.
      return { label: 'unknown', confidence: round(1 - top), classifier: BUILTIN_CLASSIFIER_NAME };
    }
    return { label: model.labels[best]!, confidence: round(top), classifier: BUILTIN_CLASSIFIER_NAME };
  };
  const classifySync = cachingAnswers(classifyOnce);

  return {
    name: BUILTIN_CLASSIFIER_NAME,
    classifySync,
    classify: async (input) => classifySync(input),
    classifyMany: async (inputs) => inputs.map(classifySync),
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

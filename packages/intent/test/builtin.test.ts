import { INTENT_LABELS, MAX_CHARS, TRAINING_DATA_PATH, createBuiltinClassifier, createClassifier, loadDataset } from '../src/index.ts';
import type { ClassifyInput, IntentLabel } from '../src/index.ts';

const classifier = createBuiltinClassifier();
const label = (text: string, extra: Omit<ClassifyInput, 'text'> = {}): IntentLabel => classifier.classifySync({ text, ...extra }).label;

type Case = [string, IntentLabel];

describe('built-in classifier: free text', () => {
  test.each<Case>([
    ['pas intéressé', 'not_interested'],
    ['je ne suis pas intéressé', 'not_interested'],
    ['je suis vraiment pas intéressé', 'not_interested'],
    ["ça m'intéresse pas", 'not_interested'],
    ["je n'en veux pas", 'not_interested'],
    ['not interested', 'not_interested'],
    ["I'm not interested", 'not_interested'],
    ['honestly not interested in this', 'not_interested'],
    ['i dont want this', 'not_interested'],
    ['no thanks', 'not_interested'],
    ['yes thanks', 'interested'],
    ["ça m'intéresse", 'interested'],
    ["I'm interested", 'interested'],
  ])('negation: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['👍', 'unknown'],
    ['👍👍👍', 'unknown'],
    ['génial, je prends 👍', 'interested'],
    ['👎', 'unknown'],
    ['non merci 👎', 'not_interested'],
    ['📞 ce soir', 'callback_request'],
    ['😡 arrêtez', 'opt_out'],
  ])('emoji: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['intéresé', 'interested'],
    ['interrested!', 'interested'],
    ['ca minteresse', 'interested'],
    ['rapellez moi', 'callback_request'],
    ['pouvez vous me rapeller', 'callback_request'],
    ['unsubscibe pls', 'opt_out'],
    ['desabonez moi svp', 'opt_out'],
    ['combien sa coute', 'question'],
    ['c koi le prix', 'question'],
  ])('typos and missing accents: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['yes je suis intéressé', 'interested'],
    ['call moi demain svp', 'callback_request'],
  ])('mixed French/English: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['stop sending me ads', 'opt_out'],
    ['retirez mon numéro', 'opt_out'],
    ['please remove me from your list', 'opt_out'],
    ["ne plus m'envoyer de messages", 'opt_out'],
    ['je veux plus de vos messages', 'opt_out'],
  ])('free-text opt-out: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['rappelez-moi demain', 'callback_request'],
    ['call me back after 5pm', 'callback_request'],
    ["pouvez-vous m'appeler", 'callback_request'],
    ['combien ça coûte ?', 'question'],
    ['what are your opening hours?', 'info_request'],
  ])('callbacks and questions: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['bonjour', 'unknown'],
    ['asdfqwer', 'unknown'],
    ['', 'unknown'],
    ['   ', 'unknown'],
    ['...', 'unknown'],
  ])('no intent: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });
});

describe('built-in classifier: email auto-replies', () => {
  test.each<[string, string]>([
    ["Bonjour, je suis absent jusqu'au 12 mai inclus et je lirai votre message à mon retour.", 'Absence'],
    ['I am out of the office until Monday, with no access to my emails.', 'Out of Office'],
    ['Delivery to the following recipients failed: paul@example.net', 'Delivery Status Notification (Failure)'],
    ['A message that you sent could not be delivered. The address has been deactivated.', 'Mail delivery failed: returning message to sender'],
    ['Your message did not reach some or all of the intended recipients.', 'Undeliverable: Spring sale'],
  ])('%j (subject %j) is auto_reply', (text, subject) => {
    expect(label(text, { channel: 'email', subject })).toBe('auto_reply');
  });

  test('the subject turns a bland body into an auto-reply', () => {
    const body = 'Thank you for your message.';
    expect(label(body, { channel: 'email' })).not.toBe('auto_reply');
    expect(label(body, { channel: 'email', subject: 'Automatic reply: Spring sale' })).toBe('auto_reply');
  });

  test('the quoted campaign below an email reply is ignored', () => {
    const text = "Yes please, I'm interested!\n\nOn Mon, Mar 3, 2025 at 10:00 AM Switchboard <promo@example.com> wrote:\n> Reply STOP to unsubscribe\n> from our offers";
    expect(label(text, { channel: 'email', subject: 'Re: Sale' })).toBe('interested');
    const fr = "Oui ça m'intéresse\n\nLe lun. 3 mars 2025 à 10:00, Switchboard <promo@example.com> a écrit :\n> Répondez STOP pour ne plus recevoir nos offres";
    expect(label(fr, { channel: 'email', subject: 'RE: Soldes' })).toBe('interested');
  });

  // Each test runs under 5 s here; the quadratic regex took hours on this text (40,000 newlines ~1 s).
  test('a 5 MB email of blank lines is classified at once, like a short one', () => {
    const text = "Yes please, I'm interested!" + '\n'.repeat(5 * 1024 * 1024) + '> Reply STOP to unsubscribe';
    expect(label(text, { channel: 'email', subject: 'Re: Sale' })).toBe('interested');
    const spaced = "Oui ça m'intéresse" + ' \n\t'.repeat(2 * 1024 * 1024);
    expect(label(spaced, { channel: 'email' })).toBe('interested');
  }, 5_000);
});

describe('built-in classifier: contract', () => {
  test('every dataset example gets a known label, a confidence in [0, 1] and the classifier name', () => {
    for (const row of loadDataset(TRAINING_DATA_PATH)) {
      const intent = classifier.classifySync(row);
      expect(INTENT_LABELS).toContain(intent.label);
      expect(intent.confidence).toBeGreaterThanOrEqual(0);
      expect(intent.confidence).toBeLessThanOrEqual(1);
      expect(['builtin-v2', 'keyword', 'opt-out-stage']).toContain(intent.classifier);
    }
  });

  test('training is deterministic: two classifiers trained on the same data agree exactly', () => {
    const data = loadDataset(TRAINING_DATA_PATH);
    const a = createBuiltinClassifier({ trainingData: data });
    const b = createBuiltinClassifier({ trainingData: data });
    const probes = ['je sais pas trop', 'maybe later', 'ok', 'vous livrez le dimanche ?', 'thx'];
    expect(probes.map((text) => a.classifySync({ text }))).toEqual(probes.map((text) => b.classifySync({ text })));
  });

  test('an unknownThreshold of 1 turns every free-text answer into unknown', () => {
    const strict = createBuiltinClassifier({ unknownThreshold: 1 });
    expect(strict.classifySync({ text: 'call me back after 5pm' }).label).toBe('unknown');
    expect(strict.classifySync({ text: 'STOP' }).label).toBe('opt_out');
  });

  test('classify and classifyMany agree with classifySync, in order', async () => {
    const inputs: ClassifyInput[] = [{ text: 'rappelez-moi' }, { text: 'STOP' }, { text: 'combien ?' }];
    const expected = inputs.map((x) => classifier.classifySync(x));
    await expect(classifier.classify(inputs[0]!)).resolves.toEqual(expected[0]);
    await expect(classifier.classifyMany!(inputs)).resolves.toEqual(expected);
  });

  test("createClassifier({kind: 'builtin'}) honours service keywords", async () => {
    const c = createClassifier({ kind: 'builtin', serviceKeywords: ['HORAIRES'] });
    expect(c.name).toBe('builtin-v2');
    await expect(c.classify({ text: 'horaires' })).resolves.toEqual({ label: 'info_request', confidence: 1, classifier: 'keyword' });
  });

  test('a very long message is cut to MAX_CHARS before classification', () => {
    const text = `Please call me back tomorrow. ${'Confidentiality notice: this email may contain privileged information. '.repeat(500)}`;
    expect(classifier.classifySync({ text })).toEqual(classifier.classifySync({ text: text.slice(0, MAX_CHARS) }));
    expect(classifier.classifySync({ text })).not.toEqual(classifier.classifySync({ text: text.slice(0, MAX_CHARS - 40) }));
  });
});

import { createBuiltinClassifier, detectOptOut } from '../src/index.ts';
import type { ClassifyInput } from '../src/index.ts';

const flagged = (text: string, extra: Omit<ClassifyInput, 'text'> = {}): boolean => detectOptOut({ text, ...extra }).flagged;
const classifier = createBuiltinClassifier();

describe('the opt-out stage (INTENTS.md rule 2)', () => {
  test.each([
    // STOP with greetings and politeness around it, near variants
    'Stop svp', 'stop merci', 'Bonjour STOP', 'please stop', 'Stopp', 'STOP SMS', 'stop pub', 'Stop !!', 'arrêtez svp', 'Hello stop, thanks',
    // free text, both languages, every register
    'enlevez-moi de votre fichier', 'plus de sms svp', 'désinscription svp', 'remove my number', 'please stop messaging me', 'lose my number',
    'je veux plus recevoir vos sms', 'Ne m\u2019envoyez plus rien', 'take me off your list', 'take me off', 'pls take me off ur list',
    'I no longer wish to receive these emails.', 'leave me alone', 'laissez-moi tranquille', 'merci de ne plus me contacter',
    'je ne souhaite plus être contacté', 'I do not want to be contacted', 'can I be removed from this list?', 'ça fait 3 fois que je dis stop',
    // opt_out wins over a refusal or a question
    "Non merci et arrêtez de m'envoyer des messages", 'not interested, stop texting me', 'Qui vous a donné mon numéro ? Effacez-le',
    'where did you get my number? delete it', 'how did you get my number? remove it immediately',
    // erasure requests
    'supprimez mes données', 'RGPD : merci de supprimer mes données personnelles', 'GDPR request: delete my personal data', 'droit à l\u2019oubli svp',
    // wrong number that asks to stop
    'mauvais numéro, arrêtez de m\u2019écrire', 'wrong number, please stop texting me',
    // unsubscribe questions
    'how can I opt out of these?', 'how do I unsubscribe?', 'comment je fais pour me désinscrire ?', 'comment ne plus recevoir vos messages ?',
  ])('%j is flagged', (text) => {
    expect(flagged(text)).toBe(true);
  });

  test.each([
    // rule 1: the word inside a sentence that says something else
    'Stop texting me and send an email instead', "Est-ce que je pourrai arrêter l'abonnement quand je veux ?", 'On peut commencer la semaine prochaine ?',
    "J'ai tapé STOP sans faire exprès, remettez-moi dans la liste", 'I texted STOP by mistake, please put me back on the list',
    // rule 2: a question alone, turning down a call
    "D'où vous avez mon 06 ?", 'where did you get my number?', 'pas besoin de me rappeler', "don't bother calling, not interested",
    // rule 3: a partial stop
    'Arrêtez les appels, envoyez-moi plutôt la brochure par mail', "Don't call me during work hours, what are your opening times?",
    // refusals, questions and chatter
    'non merci', 'not interested', 'Can I cancel anytime?', 'combien ça coûte ?', 'ok merci', 'on mange où ce soir ?',
  ])('%j is not flagged', (text) => {
    expect(flagged(text)).toBe(false);
  });

  test('an email is read without its quoted campaign and its signature', () => {
    const reply = "Oui ça m'intéresse\n\nCordialement,\nJulie\n\nLe lun. 3 mars 2026 à 10:00, Maison Durand <contact@example.fr> a écrit :\n> Pour ne plus recevoir nos messages, répondez STOP";
    expect(flagged(reply, { channel: 'email' })).toBe(false);
    expect(flagged('Merci de me retirer de votre liste.\n\nCordialement,\nJulie', { channel: 'email' })).toBe(true);
  });

  test("an auto-responder's own STOP footer does not make it an opt-out (rule 9)", () => {
    for (const text of ['Thanks for texting Joe\u2019s Plumbing! We\u2019ll call you back shortly. Reply STOP to unsubscribe.', 'Merci pour votre message ! Un conseiller vous répondra sous 24h. Répondez STOP pour ne plus recevoir de messages.']) {
      expect(flagged(text)).toBe(false);
      expect(classifier.classifySync({ text }).label).toBe('auto_reply');
    }
  });

  test('a flagged message is classified opt_out by the stage, never opt_in', () => {
    for (const text of ['stop texting me please, and no I do not want to subscribe', 'désinscrivez-moi, je ne veux pas recevoir la newsletter', 'unsubscribe me from the list, I never signed up']) {
      expect(flagged(text)).toBe(true);
      expect(classifier.classifySync({ text })).toMatchObject({ label: 'opt_out', classifier: 'opt-out-stage' });
    }
  });

  test('the stage is fast on a 5 MB email (the text is cut before any pattern runs)', () => {
    const text = `Merci de me désinscrire.\n${'> ligne citée\n'.repeat(400_000)}`;
    expect(text.length).toBeGreaterThan(5_000_000);
    expect(flagged(text, { channel: 'email' })).toBe(true);
  });
});

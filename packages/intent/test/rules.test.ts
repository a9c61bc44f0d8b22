import { createBuiltinClassifier } from '../src/index.ts';
import type { ClassifyInput, IntentLabel } from '../src/index.ts';

// Every example of shared/INTENTS.md, rule by rule, through the built-in classifier.
const classifier = createBuiltinClassifier({ serviceKeywords: ['INFO', 'HORAIRES', 'CONTACT', 'AIDE'] });
const label = (text: string, extra: Omit<ClassifyInput, 'text'> = {}): IntentLabel => classifier.classifySync({ text, ...extra }).label;

type Case = [string, IntentLabel];

describe('INTENTS.md', () => {
  test.each<Case>([
    ['STOP', 'opt_out'], ['stop.', 'opt_out'], ['Stop !!', 'opt_out'], ['STOP 🙅', 'opt_out'], ['Stopp', 'opt_out'], ['STOP SMS', 'opt_out'],
    ['ARRET', 'opt_out'], ['arrête', 'opt_out'], ['opt-out', 'opt_out'],
    ['Stop texting me and send an email instead', 'interested'],
    ["Est-ce que je pourrai arrêter l'abonnement quand je veux ?", 'question'],
    ['On peut commencer la semaine prochaine ?', 'interested'],
    ["J'ai tapé STOP sans faire exprès, remettez-moi dans la liste", 'opt_in'],
  ])('rule 1, a keyword counts only as the whole message: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['enlevez-moi de votre fichier', 'opt_out'], ['plus de sms svp', 'opt_out'], ['désinscription svp', 'opt_out'], ['remove my number', 'opt_out'],
    ['please stop messaging me', 'opt_out'], ['lose my number', 'opt_out'], ['je veux plus recevoir vos sms', 'opt_out'],
    ["Non merci et arrêtez de m'envoyer des messages", 'opt_out'], ['Qui vous a donné mon numéro ? Effacez-le', 'opt_out'],
    ['supprimez mes données', 'opt_out'], ['how can I opt out of these?', 'opt_out'], ['wrong number, please stop texting me', 'opt_out'],
    ["D'où vous avez mon 06 ?", 'question'], ['pas besoin de me rappeler', 'not_interested'],
  ])('rule 2, opt_out wins when the person wants no more contact: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['Arrêtez les appels, envoyez-moi plutôt la brochure par mail', 'interested'],
    ["Don't call me during work hours, what are your opening times?", 'info_request'],
  ])('rule 3, a partial stop is not an opt-out: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['INFO', 'info_request'], ['HELP', 'info_request'], ['AIDE', 'info_request'], ['HORAIRES', 'info_request'], ['CONTACT', 'info_request'],
    ['aide stp', 'info_request'], ["HELP - what's the support line?", 'info_request'], ['vous êtes ouverts le samedi ?', 'info_request'],
    ["c'est quoi votre adresse ?", 'info_request'], ['what is your website?', 'info_request'],
    ["c'est combien ?", 'question'], ["c'est qui ?", 'question'], ['who is this', 'question'], ['vous intervenez dans le 93 ?', 'question'],
    ["Vous pouvez m'en dire plus sur la formule pro ?", 'interested'], ['send me the details', 'interested'],
    ['À quel numéro je peux vous joindre ?', 'info_request'],
  ])('rule 4, info_request, question or interested: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ["Ça m'intéresse, c'est combien par mois ?", 'interested'],
    ["Avant de dire oui : c'est sans engagement ?", 'question'],
  ])('rule 5, interested or question: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['oui téléphonez-moi', 'callback_request'], ['ok pour un appel jeudi 14h', 'callback_request'],
    ['pas maintenant, rappelez-moi en janvier', 'callback_request'], ["pas avant 19h svp, après c'est bon", 'callback_request'],
    ['ok pour un rendez-vous en agence', 'interested'], ['book me a demo', 'interested'],
    ["peut-être l'an prochain", 'not_interested'], ['try again some other time', 'not_interested'],
  ])('rule 6, callback_request: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['pas intéressé', 'not_interested'], ['no need', 'not_interested'], ['ça ira merci', 'not_interested'],
    ['je dis pas non', 'interested'], ['pas contre', 'interested'], ['pourquoi pas', 'interested'], ['pas bête votre truc', 'interested'],
    ['no objection', 'interested'], ["j'étais partant mais finalement non", 'not_interested'],
  ])('rule 7, negation: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['START', 'opt_in'], ['UNSTOP', 'opt_in'], ['si si gardez-moi dans la liste', 'opt_in'], ['ok pour recevoir vos offres sur WhatsApp', 'opt_in'],
    ['oui', 'interested'],
  ])('rule 8, opt_in needs a clear request: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test('rule 8, a lone YES: interested, opt_in when the contact is opted out (resolved by the interpreter)', () => {
    expect(classifier.classifySync({ text: 'YES' })).toEqual({ label: 'interested', confidence: 1, classifier: 'keyword', whenOptedOut: 'opt_in' });
  });

  test.each<[string, IntentLabel, Omit<ClassifyInput, 'text'>]>([
    ["Je suis absente du bureau jusqu'au 12 mai. Pour toute urgence, appelez le 06 12 34 56 78.", 'auto_reply', { channel: 'email', subject: 'Réponse automatique : Offre' }],
    ['Delivery to the following recipient failed permanently: 550 5.1.1 user unknown', 'auto_reply', { channel: 'email', subject: 'Delivery Status Notification (Failure)' }],
    ['Message failed: the carrier rejected this message (error 30007).', 'auto_reply', { channel: 'sms' }],
    ['Bonjour, merci pour votre message. Nous sommes fermés et vous répondrons dès lundi. (message automatique)', 'auto_reply', { channel: 'whatsapp' }],
    ['[Réponse automatique] Je suis en rendez-vous, je vous recontacte dès que possible.', 'auto_reply', { channel: 'sms' }],
    ['This mailbox is not monitored. To unsubscribe from our mailings, click the link below.', 'auto_reply', { channel: 'email', subject: 'Automatic reply: Spring sale' }],
  ])('rule 9, automatic messages: %j is %s whatever they contain', (text, expected, extra) => {
    expect(label(text, extra)).toBe(expected);
  });

  test.each<Case>([
    ['👍', 'unknown'], ['😂😂', 'unknown'], ['?!', 'unknown'], ['qsdfghjk', 'unknown'], ['<Media omitted>', 'unknown'], ['[Message vocal]', 'unknown'],
    ['Ce message a été supprimé', 'unknown'], ['ok', 'unknown'], ['merci', 'unknown'], ['reçu', 'unknown'], ['1', 'unknown'], ['Salut', 'unknown'],
    ['Hi?', 'unknown'], ['Chéri tu peux acheter du pain en rentrant ?', 'unknown'], ['oups mauvais numéro', 'unknown'],
  ])('rule 10, unknown: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });

  test.each<Case>([
    ['tu peux me call ce soir ?', 'callback_request'], ['interesse', 'interested'], ['arret', 'opt_out'], ['jsuis interessé, rappelez moi stp', 'callback_request'],
  ])('languages, spelling and code-switching: %j is %s', (text, expected) => {
    expect(label(text)).toBe(expected);
  });
});

import { extractEmailBody } from './email-body.ts';
import { MAX_CHARS } from './normalize.ts';
import type { ClassifyInput } from './types.ts';

/**
 * The opt-out stage (INTENTS.md rule 2): hand-written FR/EN patterns that run before the model and
 * favour recall, because a missed opt-out keeps sending campaigns to someone who said stop.
 *
 * Patterns read the text lower-cased, without accents, with repeated letters squeezed ("arrêtez"
 * is "aretez", "supprimez" is "suprimez", "off" is "of"), so spellings and typos meet. Each rule is
 * named so that the eval and the tests can say which one fired.
 */
const RULES: readonly (readonly [string, RegExp])[] = [
  // The keywords as a clause of their own: "Stop svp", "vous avez pas compris ? STOP", "mauvais numéro, arrêtez".
  ['stop-clause', /(^|[.!?,;:\n]|\bet\b|\band\b)\s*(stop+|stp stop|aret(e|ez)?|halte|cesez|fin des (mesages|sms|envois)|enough|unsubscribe|opt-?out|optout)(\s*(,\s*)?(svp|stp|merci|please|pls|plz|now|maintenant|tout de suite|imediatement|deja|again|al|bye|tout|!+|[\p{Extended_Pictographic}\u{fe0f}\u{200d}]+))*\s*([.!?,;:\n]|$)/u],
  // Stop + what is sent: "stop les messages", "arrêtez de m'écrire", "stop texting me", "quit sending".
  ['stop-sending', /\b(stop+|aret\w*|cese[zr]?|quit|halte)\s+(\w+\s+){0,3}?(sms|mesages?|msgs?|mails?|e-?mails?|pubs?|publicites?|textos?|texts?|texting|txting|mesaging|sending|emailing|envois?|envoyer|m'envoyer|spam\w*|ecrire|m'ecrire|contacter|me contacter|harceler|me harceler|notifs?|notifications?|newsleters?|whatsap|promos?|campagnes?|contacting|bothering|harasing|recevoir|receiving)\b|\bstop+\s+(it|this|these|that|now)\b(?!\s+(subscription|plan|ofer|contract))/u],
  // Unsubscribe vocabulary.
  ['unsubscribe', /\b(unsub\w*|opt[- ]?(me |us )?out\b|optout|desinscri\w*|desincri\w*|desabon\w*|desabone\w*|deinscri\w*|desincription)/u],
  // Removal of the person or their details: "enlevez-moi", "retirez mon numéro", "supprimez mes données", "effacez-le".
  ['remove-fr', /\b((enlev|retir|suprim|efac|sort|ray|vir|oubli)(ez|er|e)[- ]moi\b|me (retir|enlev|suprim|desinscri|efac|ray|sort)(er|ez)\b|etre (retire|enleve|suprime|raye|desinscrit|efface)|(enlev|retir|suprim|efac|ray|oubli)\w*\s+(mon|mes|ce|cet|cete|le|mon propre)\s+(numero|num|0[67]|portable|adrese|adr|mail|email|e-mail|coordonees|donees|infos|informations|contact|nom|fiche|telephone|tel)\b|(enlev|retir|suprim|efac|ray)ez[- ](le|la|les)\s*($|[.!,;?]|svp|stp|merci|imediatement|tout de suite|de (vos|votre|la|cete|ce)))/u],
  ['remove-en', /\b((remove|delete|erase|wipe|scrub)\w*\s+(me|us|my|this|our)\b|take\s+(me|us|my\s+\w+(\s+\w+)?|this\s+(number|nbr|adres|email))\s+of\b|lose\s+(my|this|our)\s+(number|nbr|email|adres|contact|details)|(block)\w*\s+(this|my)\s+(number|nbr)|get\s+(me\s+)?of\s+(this|your|the|ur)\s+(list|database|mailing))/u],
  // "Where did you get my number? Delete it."
  ['number-then-delete', /\b(numero|num|0[67]|number|nbr|details|data|donees|coordonees|email|adrese?)\b[\s\S]{0,80}\b((delete|remove|erase|lose|wipe)\s+(it|them|that)|(efac|suprim|retir|enlev)(ez|er)[- ](le|la|les)|(efac|suprim|retir|enlev)(ez|er)\s+(mon|mes|ce|ces))/u],
  // No more messages: "plus de sms", "pas de pub", "no more texts", "ne m'envoyez plus", "je veux plus recevoir".
  ['no-more', /\b((plus|pas|aucun\w*)\s+(de|d'|d)\s*(sms|mesages?|msgs?|mails?|e-?mails?|pubs?|publicites?|textos?|spam|notifs?|notifications?|newsleters?|promos?|campagnes?|envois)\b|no\s+more\s+(\w+\s+)?(texts?|mesages?|msgs?|emails?|mails?|sms|spam|ads|promos?|notifications?|whatsaps?)\b|no\s+(texts?|sms|spam|mesages?)\s+(please|pls|plz|thanks|thx|thank)|ne\s+(m'|me\s+|nous\s+)?(envoy|ecri|contact|spam|solicit|derang|harcel|ajout|texto)\w*\s+plus\b|n'?(envoyez|ecrivez|contactez)\s+plus\b|ne\s+plus\s+(me\s+|m'|nous\s+)?(envoy|ecri|contact|recev|harcel|solicit|derang|ajout)\w*|(veu[xt]|voudrais|souhait\w*|desir\w*)\s+plus\s+(recevoir|rien|etre\s+(contact|solicit|derang|harcel)\w*|de\s+(vos|tes|ces|votre)|d'?\s*(sms|mesages?|mails?|pubs?)|de\s+(sms|mesages?|mails?|pubs?|textos?)))/u],
  ['dont-contact', /\b((do\s+not|dont|don't|never|pls\s+dont)\s+(ever\s+)?(text|txt|mesage|email|e-mail|contact|send|spam|write|bother|harass|whatsap)\w*(\s+(me|us|this|to\s+this))?(\s+(again|anymore|ever))?\b|(no\s+longer|don'?t|do\s+not|dont)\s+(want|wish|need)\s+(to\s+(receive|get|hear)|(these|your|any|those)\s+(\w+\s+)?(texts?|mesages?|emails?|sms|ofers?|promos?|spam))|stop\s+(receiving|geting)\s+(these|this|your|them|texts?|mesages?|emails?|the)|(leave|let)\s+me\s+alone|(fuck|piss|bugger)\s+of|enough\s+(with\s+)?(the\s+|your\s+|these\s+)?(mesages?|texts?|emails?|spam|sms)|(withdraw|revoke)\w*\s+(my\s+)?consent|harasment|harasing|harcel\w*)/u],
  ['leave-alone-fr', /\b(laisez[- ]moi\s+tranquil\w*|lachez[- ]moi|fichez[- ]moi\s+la\s+paix|foutez[- ]moi\s+la\s+paix|ca\s+sufit\s+(les|vos|ces)\s+(mesages|sms|mails|pubs)|(que|pour que)\s+(ca|sa)\s+s'?arete|je\s+(quite|me\s+retire)\s+(la\s+liste|le\s+groupe|ce\s+groupe|vos\s+listes)|(anul|resili|cancel)\w*\s+(mon\s+|my\s+|mes\s+|the\s+)?(subscription|abonement|inscription)s?\s+(to|aux?|a|from)\s+(your\s+|vos\s+|the\s+|les\s+|des\s+)?(texts?|sms|mesages?|emails?|mails?|newsleters?|alerts?|alertes?|notifications?|promos?|ofres))/u],
  // Data erasure (RGPD/GDPR).
  ['erasure', /\b(rgpd|gdpr|droit\s+(a\s+l'|a\s+l\s|de\s+l')?\s*(oubli|efacement)|right\s+to\s+(be\s+forgoten|erasure)|(suprim|efac|delete|erase)\w*\s+(\w+\s+){0,3}(donees|data|personal|personeles|coordonees|details))/u],
  // How do I get out: "how can I opt out?", "comment ne plus recevoir", "is there a way to stop these".
  ['how-to-stop', /\b(how\s+(do|can|could|to)\s+(i\s+|we\s+)?(stop|unsubscribe|get\s+of|be\s+removed|remove)|comment\s+(\w+\s+){0,4}?(ne\s+plus|plus\s+recevoir|me\s+retirer|etre\s+retire)|way\s+to\s+(stop|unsubscribe|opt))/u],
];

/**
 * What keeps a flagged message out of opt_out: a STOP sent by mistake with a request to stay (rule 1),
 * and a partial stop that redirects to another channel or asks for the offer (rule 3).
 */
const STAY = /\b(by\s+mistake|mistakenly|acident\w*|par\s+ereur|sans\s+(le\s+)?faire\s+expres|put\s+me\s+back|add\s+me\s+back|keep\s+me|gardez[- ]moi|garde[- ]moi|remet\w*[- ]moi|reinscri\w*|reabon\w*|re-?subscri\w*|opt\w*\s+back\s+in|unstop|ne\s+me\s+(retirez|desinscri\w*|enlevez|suprimez)\s+pas|don'?t\s+remove\s+me|do\s+not\s+remove\s+me)/u;
const REDIRECT = /\b(plutot|instead|a\s+la\s+place|uniquement\s+par|seulement\s+par|only\s+(by|via|on|through)|prefere?\w*\s+(par|by|les|un)|envoyez[- ](moi\s+)?(plutot\s+)?(un\s+|par\s+|l'|la\s+|les\s+)?(mail|email|brochure|ofre|doc|infos?|details|devis)|send\s+(me\s+)?(an?\s+|the\s+)?(email|mail|brochure|ofer|details|info|quote))/u;

/** Text in the form the rules read. */
function canonical(text: string): string {
  return text
    .slice(0, MAX_CHARS)
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[’‘`´]/g, "'")
    .replace(/(\p{L})\1+/gu, '$1')
    .replace(/[ \t]+/g, ' ');
}

/** The stage's verdict: `rule` names the pattern that fired. */
export type OptOutVerdict = { flagged: true; rule: string } | { flagged: false };

/**
 * Does this reply ask for no more contact? Email replies are read without their quoted campaign,
 * greeting and signature (a quoted "reply STOP to unsubscribe" is not the sender's words).
 * Pure and fast (a dozen regular expressions over at most MAX_CHARS characters).
 */
export function detectOptOut(input: ClassifyInput): OptOutVerdict {
  const body = input.channel === 'email' ? extractEmailBody(input.text) : input.text;
  const s = canonical(body);
  for (const [rule, re] of RULES) {
    if (!re.test(s)) continue;
    if (STAY.test(s)) return { flagged: false };
    if (REDIRECT.test(s)) return { flagged: false };
    return { flagged: true, rule };
  }
  return { flagged: false };
}
